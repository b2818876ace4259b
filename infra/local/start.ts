// `npm start`: the whole system on this machine. Emulators (DynamoDB, SQS, S3), redis-server, the
// dev token issuer and the API, all on 127.0.0.1. Ctrl-C stops everything it started.
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { startApi, type RunningApi } from '../../server/main.js';
import { startWorker, type RunningWorker } from '../../worker/main.js';
import { clearRuntimeState, STATE_DIR, writeRuntimeState } from './runtimeState.js';
import { startLocalStack, type LocalStack } from './stack.js';

// The AWS SDK versions are pinned in package-lock.json; its notice that releases after January 2027
// need Node 22 is in the README, not on every start.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const DATA_DIR = join(STATE_DIR, 'local');

async function main(): Promise<void> {
  let stack: LocalStack | undefined;
  let api: RunningApi | undefined;
  let worker: RunningWorker | undefined;
  let stopping = false;
  const stop = async (code: number) => {
    if (stopping) return;
    stopping = true;
    console.log('\nstopping the local system...');
    await worker?.stop().catch((e: unknown) => console.error('worker stop failed:', e));
    await api?.stop().catch((e: unknown) => console.error('API stop failed:', e));
    await stack?.stop().catch((e: unknown) => console.error('stack stop failed:', e));
    clearRuntimeState();
    process.exit(code);
  };
  process.once('SIGINT', () => void stop(0));
  process.once('SIGTERM', () => void stop(0));

  try {
    // DynamoDB persists across restarts under .state/local; queues and Redis start empty.
    stack = await startLocalStack({ dataDir: DATA_DIR });
    const port = process.env.PORT ?? '8080';
    const adminKey = process.env.ADMIN_API_KEY ?? randomBytes(24).toString('base64url');
    api = await startApi({
      ...stack.env,
      NODE_ENV: process.env.NODE_ENV ?? 'development',
      LOG_LEVEL: process.env.LOG_LEVEL ?? 'info',
      PORT: port,
      // Providers (here: the sandbox) redirect the browser back to this API's OAuth callback.
      OAUTH_REDIRECT_BASE_URL: process.env.OAUTH_REDIRECT_BASE_URL ?? `http://127.0.0.1:${port}`,
      ADMIN_API_KEY: adminKey,
      // What SyncWell would have given Strava and Fitbit when subscribing (local values).
      STRAVA_WEBHOOK_VERIFY_TOKEN: process.env.STRAVA_WEBHOOK_VERIFY_TOKEN ?? 'local-strava-verify-token',
      FITBIT_SUBSCRIBER_VERIFY_CODE: process.env.FITBIT_SUBSCRIBER_VERIFY_CODE ?? 'local-fitbit-verify-code',
    });

    // One worker beside the API: it consumes the hot-path queue and talks to the provider sandbox.
    worker = await startWorker({
      ...stack.env,
      NODE_ENV: process.env.NODE_ENV ?? 'development',
      LOG_LEVEL: process.env.LOG_LEVEL ?? 'info',
    });
    writeRuntimeState({ pid: process.pid, apiUrl: api.url, env: stack.env, resources: stack.resources });

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
        `  Providers   ${stack.endpoints.sandbox}  (Strava, Fitbit, Garmin, Google Fit sandbox; admin: /_sandbox)`,
        `  Worker      consuming ${stack.env.HOT_PATH_QUEUE_URL}`,
        `  Admin key   ${adminKey}  (X-Admin-Key header)`,
        '',
        'Next: `npm run seed` for demo users, `npm run -s token -- <userId> [--tier PRO]` for a token.',
        'Ctrl-C stops everything.',
        `API listening on ${api.url}`,
      ].join('\n'),
    );
  } catch (error) {
    console.error(error instanceof Error ? error.message : error);
    await stop(1);
  }
}

void main();
