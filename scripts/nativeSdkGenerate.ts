// `make sdk-native`: the native clients (Kotlin Multiplatform, Swift, Kotlin JVM) from the contract, through
// openapi-generator's Maven plugin (client-sdk-native/pom.xml), into client-sdk-native/build/generated/.
// Fails when the generator logs a warning or error that is not on the list of benign ones below.
//
// Input: a bundle of contracts/openapi.yaml made here with Redocly, the same full bundle that
// scripts/generate.ts makes for the TypeScript types. generated/openapi.bundle.gen.yaml is the runtime
// validator's copy, where every oneOf + discriminator has been rewritten as if/then/else: a generator
// given it produces an empty CreateSyncJobRequest.
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

export const ROOT = resolve(import.meta.dirname, '..');
export const NATIVE_DIR = join(ROOT, 'client-sdk-native');
const BUILD_DIR = join(NATIVE_DIR, 'build');
const BUNDLE = join(BUILD_DIR, 'openapi.bundle.yaml');
const LOG = join(BUILD_DIR, 'generate.log');

/** Generator warnings that are understood and harmless, each with the reason (see README.md). */
export const BENIGN_WARNINGS: { pattern: RegExp; reason: string }[] = [
  {
    pattern: /OpenAPI 3\.1 support is still in beta/,
    reason:
      'printed for every 3.1 document whatever it contains; the 3.1 features the contract uses are checked by compiling and running the JVM client',
  },
  {
    pattern: /Failed to get the schema name: null$/,
    reason:
      "openapi-generator 7.25 asks for the $ref name of schemas that have none (OpenAPINormalizer's self-reference check on a component with an inline additionalProperties schema logs it); no schema is named or changed",
  },
  {
    pattern: /^(Type|Error) \(reserved word\) cannot be used as model name\. Renamed to Model(Type|Error)$/,
    reason:
      'swift6: an inline enum property named `type` (GoogleHealthVerification, a webhook model) becomes the nested enum ModelType; `Error` is checked the same way and no Swift type of that name is generated',
  },
];

/** The generator's and Maven's warnings and errors in a Maven log, without the level prefix. */
export function problemLines(log: string): string[] {
  return log
    .split('\n')
    .filter((line) => /^\[(WARNING|ERROR)\]/.test(line))
    .map((line) => line.replace(/^\[(WARNING|ERROR)\]\s*/, '').trimEnd())
    .filter((line) => line.length > 0);
}

export function unexpectedWarnings(log: string): string[] {
  return problemLines(log).filter((line) => !BENIGN_WARNINGS.some((w) => w.pattern.test(line)));
}

/** Runs a command in `cwd`; resolves with its exit code and everything it printed. */
export function runCommand(
  command: string,
  args: string[],
  options: { cwd: string; env?: NodeJS.ProcessEnv; echo?: boolean },
): Promise<{ code: number; output: string }> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: options.env ?? process.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    const collect = (chunk: Buffer) => {
      output += chunk.toString();
      if (options.echo) process.stdout.write(chunk);
    };
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    child.on('error', reject);
    child.on('close', (code) => resolvePromise({ code: code ?? 1, output }));
  });
}

/** Bundles the contract for the generator (discriminators kept). */
export async function bundleContract(): Promise<void> {
  mkdirSync(BUILD_DIR, { recursive: true });
  const { code, output } = await runCommand(
    join(ROOT, 'node_modules', '.bin', 'redocly'),
    ['bundle', 'contracts/openapi.yaml', '-o', BUNDLE],
    { cwd: ROOT, env: { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true' } },
  );
  if (code !== 0) throw new Error(`redocly bundle failed:\n${output}`);
}

/** Bundles, generates the three clients and checks the generator's log; throws on any failure. */
export async function generateNativeClients(): Promise<void> {
  await bundleContract();
  const { code, output } = await runCommand('mvn', ['-B', 'generate-sources'], { cwd: NATIVE_DIR });
  writeFileSync(LOG, output);
  if (code !== 0)
    throw new Error(`mvn generate-sources failed (log: ${LOG}):\n${problemLines(output).join('\n')}`);
  const unexpected = unexpectedWarnings(output);
  if (unexpected.length > 0)
    throw new Error(
      `openapi-generator logged warnings that are not known to be benign (log: ${LOG}):\n${unexpected.join('\n')}\n` +
        'Fix the contract or the generator configuration (client-sdk-native/pom.xml), or, if harmless, add the ' +
        'warning with its reason to BENIGN_WARNINGS in scripts/nativeSdkGenerate.ts and to the README.',
    );
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  generateNativeClients().then(
    () =>
      console.log(
        'native clients generated in client-sdk-native/build/generated (kotlin-multiplatform, swift, kotlin-jvm)',
      ),
    (error: unknown) => {
      console.error(error instanceof Error ? error.message : error);
      process.exit(1);
    },
  );
}
