// `npm start`: the whole system on this machine. Emulators (DynamoDB, SQS, S3), redis-server, the
// dev token issuer and the API, all on 127.0.0.1. Ctrl-C (or SIGTERM, or closing the terminal)
// stops everything it started and removes its temporary folder and state file; one run per checkout.
// package.json runs it as `exec node --import tsx …`: no tsx CLI parent (it SIGKILLs a child that
// takes over 30 ms to acknowledge a relayed signal, cutting the clean-up short) and no shell in
// between (npm's shell died on Ctrl-C, so npm returned before the clean-up had finished).
import { randomBytes } from 'node:crypto';
import { startPushFakes, type PushFakes } from './push/pushFakes.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startApi, type RunningApi } from '../../server/main.js';
import { startWorker, type RunningWorker } from '../../worker/main.js';
import {
  claimRuntimeState,
  releaseRuntimeState,
  STATE_DIR,
  TEMP_DIR_PREFIX,
  writeRuntimeState,
} from './runtimeState.js';
import { runShutdown } from './shutdown.js';
import { fileURLToPath } from 'node:url';
import { startLocalStack, type LocalStack } from './stack.js';
import { startTraceCollector, type TraceCollector } from './traces/traceCollector.js';

// The AWS SDK versions are pinned in package-lock.json; its notice that releases after January 2027
// need Node 22 is in the README, not on every start.
/** The local dynamic configuration (every job's log lines written: rate 1). */
const DYNAMIC_CONFIG_FILE = fileURLToPath(new URL('./dynamic-config.json', import.meta.url));
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const DATA_DIR = join(STATE_DIR, 'local');
// Longer than the worker's grace for in-flight jobs (WORKER_SHUTDOWN_GRACE_MS, 25 s by default).
const SHUTDOWN_DEADLINE_MS = 40_000;
const STOP_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

// A closed terminal (SIGHUP) turns later writes into EIO/EPIPE errors: they must not stop the stop.
for (const stream of [process.stdout, process.stderr]) stream.on('error', () => undefined);

const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error));

async function main(): Promise<void> {
  // This run's secrets (local secret-store key, encrypted provider tokens) and event log.
  const tempDir = mkdtempSync(join(tmpdir(), TEMP_DIR_PREFIX));
  let deadOwner: number | undefined;
  try {
    ({ deadOwner } = await claimRuntimeState({ pid: process.pid, tempDir }));
  } catch (error) {
    rmSync(tempDir, { recursive: true, force: true });
    console.error(messageOf(error));
    process.exit(1);
  }
  // However this process ends (a stop, an uncaught error, a process.exit anywhere), these go too.
  const cleanUp = () => {
    rmSync(tempDir, { recursive: true, force: true });
    releaseRuntimeState(process.pid);
  };
  process.on('exit', cleanUp);
  if (deadOwner !== undefined)
    console.log(
      `The local system of pid ${deadOwner} did not stop cleanly: removed its state file and temporary folder.`,
    );

  let stack: LocalStack | undefined;
  let api: RunningApi | undefined;
  let worker: RunningWorker | undefined;
  let pushFakes: PushFakes | undefined;
  let traces: TraceCollector | undefined;
  let stopping: Promise<void> | undefined;
  let stopRequestedAt = 0;
  const stop = (code: number) =>
    (stopping ??= (async () => {
      console.log('\nstopping the local system...');
      const clean = await runShutdown(
        [
          { name: 'worker', run: async () => worker?.stop() },
          { name: 'API', run: async () => api?.stop() },
          { name: 'local stack', run: async () => stack?.stop() },
          { name: 'push fakes', run: async () => pushFakes?.close() },
          { name: 'trace collector', run: async () => traces?.close() },
        ],
        { deadlineMs: SHUTDOWN_DEADLINE_MS, report: (line) => console.error(line) },
      );
      cleanUp();
      process.exit(clean ? code : Math.max(code, 1));
    })());
  // Every signal, not just the first: npm relays a terminal's Ctrl-C, so one press can arrive twice,
  // and a second press must not cut the clean-up short either.
  for (const signal of STOP_SIGNALS)
    process.on(signal, () => {
      if (!stopping) stopRequestedAt = performance.now();
      else if (performance.now() - stopRequestedAt > 1000)
        console.log(`still stopping (at most ${SHUTDOWN_DEADLINE_MS / 1000} s); nothing will be left behind`);
      void stop(0);
    });
  for (const event of ['uncaughtException', 'unhandledRejection'] as const)
    process.on(event, (error: unknown) => {
      console.error(`local system: unexpected error, stopping: ${messageOf(error)}`);
      void stop(1);
    });

  try {
    // DynamoDB persists across restarts under .state/local; queues and Redis start empty.
    stack = await startLocalStack({ dataDir: DATA_DIR, stateDir: tempDir });
    // Local APNs and FCM: the real push adapters talk to them (infra/local/push/README.md).
    pushFakes = await startPushFakes();
    const port = process.env.PORT ?? '8080';
    const adminKey = process.env.ADMIN_API_KEY ?? randomBytes(24).toString('base64url');
    // Prometheus text for the API and the worker (one process here, one registry): any free port
    // unless METRICS_PORT says which.
    const metricsPort = process.env.METRICS_PORT ?? '0';
    // What operators tune without a deploy (AppConfig in AWS): here a JSON file, re-read every 5 s.
    // Traces of every request and job (OTLP, as the ADOT collector takes them in AWS), kept in memory
    // for the operator console; TRACE_SAMPLE_RATE=1 here so every job can be looked at.
    traces = await startTraceCollector();
    const tracing = {
      TRACES_ENDPOINT: process.env.TRACES_ENDPOINT ?? traces.endpoint,
      TRACE_QUERY_URL: process.env.TRACE_QUERY_URL ?? traces.queryUrl,
      TRACE_SAMPLE_RATE: process.env.TRACE_SAMPLE_RATE ?? '1',
      TRACE_EXPORT_DELAY_MS: process.env.TRACE_EXPORT_DELAY_MS ?? '500',
    };
    const dynamicConfig = {
      DYNAMIC_CONFIG_SOURCE: process.env.DYNAMIC_CONFIG_SOURCE ?? 'file',
      DYNAMIC_CONFIG_FILE: process.env.DYNAMIC_CONFIG_FILE ?? DYNAMIC_CONFIG_FILE,
      DYNAMIC_CONFIG_REFRESH_SECONDS: process.env.DYNAMIC_CONFIG_REFRESH_SECONDS ?? '5',
    };
    api = await startApi({
      ...stack.env,
      ...pushFakes.env,
      NODE_ENV: process.env.NODE_ENV ?? 'development',
      LOG_LEVEL: process.env.LOG_LEVEL ?? 'info',
      PORT: port,
      // Providers (here: the sandbox) redirect the browser back to this API's OAuth callback.
      OAUTH_REDIRECT_BASE_URL: process.env.OAUTH_REDIRECT_BASE_URL ?? `http://127.0.0.1:${port}`,
      ADMIN_API_KEY: adminKey,
      METRICS_PORT: metricsPort,
      ...dynamicConfig,
      ...tracing,
      // What SyncWell would have given Strava, Fitbit and Google Health when subscribing (local values).
      STRAVA_WEBHOOK_VERIFY_TOKEN: process.env.STRAVA_WEBHOOK_VERIFY_TOKEN ?? 'local-strava-verify-token',
      FITBIT_SUBSCRIBER_VERIFY_CODE: process.env.FITBIT_SUBSCRIBER_VERIFY_CODE ?? 'local-fitbit-verify-code',
      GOOGLE_HEALTH_WEBHOOK_AUTHORIZATION:
        process.env.GOOGLE_HEALTH_WEBHOOK_AUTHORIZATION ?? 'Bearer local-google-health-webhook-secret',
      // The sandbox's fake signs its notifications with a key of its own: checked like Google's.
      GOOGLE_HEALTH_WEBHOOK_PUBLIC_KEY:
        process.env.GOOGLE_HEALTH_WEBHOOK_PUBLIC_KEY ??
        stack.sandbox.fakes.google_health.notificationPublicKeyPem,
    });

    // One worker beside the API: it consumes the hot-path queue and talks to the provider sandbox.
    worker = await startWorker({
      ...stack.env,
      ...pushFakes.env,
      METRICS_PORT: metricsPort,
      ...dynamicConfig,
      ...tracing,
      NODE_ENV: process.env.NODE_ENV ?? 'development',
      LOG_LEVEL: process.env.LOG_LEVEL ?? 'info',
    });
    writeRuntimeState({
      pid: process.pid,
      tempDir,
      apiUrl: api.url,
      env: stack.env,
      resources: stack.resources,
    });

    console.log(
      [
        '',
        'SyncWell local system is up:',
        `  API         ${api.url}`,
        `  API docs    ${api.url}/docs/  (REST: /docs/openapi.html, messages: /docs/asyncapi.html)`,
        `  JWKS        ${stack.endpoints.jwksUrl}`,
        `  DynamoDB    ${stack.endpoints.dynamodb}  (table ${stack.resources.tableName})`,
        `  SQS + S3    ${stack.endpoints.sqs}`,
        `  Redis       ${stack.endpoints.redisUrl}`,
        `  Providers   ${stack.endpoints.sandbox}  (Strava, Fitbit, Garmin, Google Fit, Google Health sandbox; admin: /_sandbox)`,
        `  Worker      consuming ${stack.env.HOT_PATH_QUEUE_URL}`,
        `  Push        APNs fake ${pushFakes.env.APNS_ENDPOINT}, FCM fake ${pushFakes.env.FCM_ENDPOINT}`,
        `  Admin key   ${adminKey}  (X-Admin-Key header)`,
        `  Metrics     ${api.metricsUrl ?? 'off'}  (Prometheus text: API and worker)`,
        `  Tunables    ${dynamicConfig.DYNAMIC_CONFIG_FILE}  (log level, log and trace sampling, flags; re-read every ${dynamicConfig.DYNAMIC_CONFIG_REFRESH_SECONDS} s)`,
        `  Traces      ${tracing.TRACES_ENDPOINT}  (OTLP/HTTP JSON; every request sampled here)`,
        `  Console     ${api.url}/console/  (operators: a token from \`npm run -s token -- ops-1 --operator\`)`,
        '',
        'Next: `npm run seed` for demo users, `npm run -s token -- <userId> [--tier PRO]` for a token.',
        'Ctrl-C stops everything.',
        `API listening on ${api.url}`,
      ].join('\n'),
    );
  } catch (error) {
    console.error(messageOf(error));
    await stop(1);
  }
}

void main();
