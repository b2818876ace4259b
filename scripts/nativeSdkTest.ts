// `npm run test:native`: generates the native clients (failing on warnings that matter), then compiles the
// Kotlin JVM client with the hand-written layer and runs its JUnit suite (client-sdk-native/src/test) against
// the real local API on free loopback ports, as the TypeScript SDK suite does (test/sdk). Stops what it started.
import { readFileSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { startHarness, type Harness } from '../test/support/harness.js';
import { signedInUser } from '../test/sdk/support.js';
import { NATIVE_DIR, generateNativeClients, runCommand } from './nativeSdkGenerate.js';

/** Test counts from Surefire's XML reports (Maven runs quietly, so it prints no summary itself). */
function surefireCounts(): { passed: number; failed: number; skipped: number } {
  const reports = join(NATIVE_DIR, 'build', 'maven', 'surefire-reports');
  let tests = 0;
  let failed = 0;
  let skipped = 0;
  for (const file of readdirSync(reports).filter((f) => f.startsWith('TEST-') && f.endsWith('.xml'))) {
    const head = /<testsuite [^>]*>/.exec(readFileSync(join(reports, file), 'utf8'))?.[0] ?? '';
    const count = (name: string) => Number(new RegExp(`\\b${name}="(\\d+)"`).exec(head)?.[1] ?? 0);
    tests += count('tests');
    failed += count('failures') + count('errors');
    skipped += count('skipped');
  }
  return { passed: tests - failed - skipped, failed, skipped };
}

async function main(): Promise<number> {
  await generateNativeClients();
  let h: Harness | undefined;
  try {
    // Reports of an earlier run must not count for this one.
    rmSync(join(NATIVE_DIR, 'build', 'maven', 'surefire-reports'), { recursive: true, force: true });
    h = await startHarness();
    const user = await signedInUser(h);
    const { code } = await runCommand(
      'mvn',
      // Generation just ran and passed its check: the plugin's own run is skipped.
      ['-B', '-q', 'test', '-Dcodegen.skip=true'],
      {
        cwd: NATIVE_DIR,
        echo: true,
        env: {
          ...process.env,
          SYNCWELL_BASE_URL: h.api.url,
          SYNCWELL_TOKEN: user.token,
          SYNCWELL_SOURCE_CONNECTION_ID: user.strava.connectionId,
          SYNCWELL_DESTINATION_CONNECTION_ID: user.fitbit.connectionId,
        },
      },
    );
    let counts: ReturnType<typeof surefireCounts> | undefined;
    try {
      counts = surefireCounts();
    } catch {
      // No reports: the build failed before the tests (a compile error is what a breaking contract change gives).
    }
    if (counts)
      console.log(`native SDK: ${counts.passed} passed, ${counts.failed} failed, ${counts.skipped} skipped`);
    if (code === 0 && (!counts || counts.passed === 0)) {
      console.error('mvn test ran no test');
      return 1;
    }
    return code;
  } finally {
    await h?.stop();
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  },
);
