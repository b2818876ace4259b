// The only reader of process.env: one typed, validated configuration object per process.
import { createPublicKey } from 'node:crypto';
import { z } from 'zod';

const optionalUrl = z.string().url().optional();
const intFromEnv = (fallback: number) => z.coerce.number().int().nonnegative().default(fallback);
const hostPort = z.string().regex(/^[A-Za-z0-9.-]+:\d{1,5}$/, 'expected host:port');

const schema = z.object({
  NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  PORT: intFromEnv(8080),
  HOST: z.string().default('127.0.0.1'),

  // --- Dynamic configuration and feature flags (core/config/dynamicConfig.ts, seed §2.7) ---
  /** appconfig in AWS, file locally; none: the environment's values only. */
  DYNAMIC_CONFIG_SOURCE: z.enum(['none', 'file', 'appconfig']).default('none'),
  /** The JSON document for DYNAMIC_CONFIG_SOURCE=file, re-read at every refresh. */
  DYNAMIC_CONFIG_FILE: z.string().min(1).optional(),
  DYNAMIC_CONFIG_REFRESH_SECONDS: z.coerce.number().min(0.05).max(3600).default(30),
  APPCONFIG_APPLICATION: z.string().min(1).optional(),
  APPCONFIG_ENVIRONMENT: z.string().min(1).default('prod'),
  APPCONFIG_PROFILE: z.string().min(1).default('runtime'),
  /** Endpoint override (the local fake); unset means AWS. */
  APPCONFIG_ENDPOINT: optionalUrl,

  // --- Metrics (core/observability/) ---
  /** Operations port serving `GET /metrics` (Prometheus text); unset: no listener. 0: any free port. */
  METRICS_PORT: z.coerce.number().int().min(0).max(65_535).optional(),
  METRICS_HOST: z.string().default('127.0.0.1'),
  /** Every this many seconds the metrics go to stdout as CloudWatch EMF lines; 0: never (local). */
  METRICS_EMF_INTERVAL_SECONDS: z.coerce.number().int().min(0).max(3600).default(0),
  /** The CloudWatch namespace of the EMF metrics (the alarms and the dashboard read it). */
  METRICS_NAMESPACE: z.string().min(1).max(255).default('SyncWell'),

  // --- Traces (core/observability/tracing.ts) ---
  /** OTLP/HTTP traces endpoint (`…/v1/traces`: the ADOT collector in AWS); unset: no tracing. */
  TRACES_ENDPOINT: optionalUrl,
  /** Seed §6's default plan: this share of requests beyond the reservoir is traced. */
  TRACE_SAMPLE_RATE: z.coerce.number().min(0).max(1).default(0.05),
  /** ... and this many traces a second are always kept. */
  TRACE_RESERVOIR_PER_SECOND: z.coerce.number().int().min(0).max(10_000).default(1),
  /** Where the operator console reads a trace's spans (`{url}/{traceId}`: the local collector); unset in AWS (X-Ray). */
  TRACE_QUERY_URL: optionalUrl,
  /** The operator console's KPI samples: one per this many seconds, an hour kept. */
  OPERATIONS_KPI_INTERVAL_SECONDS: z.coerce.number().int().min(1).max(3600).default(60),
  /** How long finished spans wait to be exported in one batch. */
  TRACE_EXPORT_DELAY_MS: z.coerce.number().int().min(10).max(60_000).default(5000),

  /**
   * Tail sampling of job logs (seed §6): a successful job's lines are written for 1 job in this
   * many (hash of the job id), a failed job's always. 1: every job's.
   */
  JOB_LOG_SAMPLE_RATE_PRO: z.coerce.number().int().min(1).default(100),
  JOB_LOG_SAMPLE_RATE_FREE: z.coerce.number().int().min(1).default(10_000),
  /** Seed §6: a sync job never holds health data in flight longer than this (then it runs again). */
  JOB_DEADLINE_SECONDS: z.coerce.number().min(0.1).max(900).default(300),

  AWS_REGION: z.string().default('us-east-1'),
  // Endpoint overrides exist only for the local emulators; unset means real AWS.
  DYNAMODB_ENDPOINT: optionalUrl,
  SQS_ENDPOINT: optionalUrl,
  S3_ENDPOINT: optionalUrl,
  // Static credentials are for the emulators; unset means the AWS SDK's default provider chain
  // (the ECS task role in Fargate).
  AWS_ACCESS_KEY_ID: z.string().min(1).optional(),
  AWS_SECRET_ACCESS_KEY: z.string().min(1).optional(),

  TABLE_NAME: z.string().min(1).default('SyncWellMetadata'),
  HOT_PATH_QUEUE_URL: z.string().url(),
  REDIS_URL: z.string().url().default('redis://127.0.0.1:6379'),

  FIREBASE_PROJECT_ID: z.string().min(1),
  JWKS_URL: z
    .string()
    .url()
    .default('https://www.googleapis.com/service_accounts/v1/jwk/securetoken@system.gserviceaccount.com'),
  JWKS_CACHE_TTL_MS: intFromEnv(60 * 60 * 1000),
  AUTH_CACHE_TTL_MS: intFromEnv(5 * 60 * 1000),
  ADMIN_API_KEY: z.string().min(16).optional(),
  /**
   * The anonymizer's secret (C-006): each user's source-id hashes are salted with a key derived
   * from it. Production refuses to start without one; elsewhere a fixed development value is used.
   */
  ANONYMIZER_SECRET: z.string().min(32).optional(),

  IDEMPOTENCY_TTL_HOURS: intFromEnv(24),
  IDEMPOTENCY_LOCK_TIMEOUT_MS: intFromEnv(60_000),
  JOB_TTL_DAYS: intFromEnv(30),
  // Cloud → device (seed §3 Model 3): staged records wait in STAGING_BUCKET; a job waits this
  // long for the phone before it fails with device_unreachable.
  STAGING_BUCKET: z.string().min(1).optional(),
  DEVICE_REQUEST_TTL_HOURS: intFromEnv(24),
  USER_CACHE_L1_TTL_MS: intFromEnv(30_000),
  USER_CACHE_TTL_SECONDS: intFromEnv(15 * 60),
  BATCH_WINDOW_MS: intFromEnv(2),
  BODY_LIMIT: z.string().default('256kb'),
  VALIDATE_RESPONSES: z
    .enum(['true', 'false'])
    .optional()
    .transform((v) => (v === undefined ? undefined : v === 'true')),
  /** A FREE user's API requests per minute across the fleet (0: no limit). */
  API_RATE_LIMIT_PER_MINUTE: intFromEnv(600),
  /** A PRO user's (seed §10: paying users get higher limits). */
  API_RATE_LIMIT_PER_MINUTE_PRO: intFromEnv(1200),
  SCHEDULER_SHARDS: z.coerce.number().int().min(1).max(10_000).default(16),
  /** CDN origin of static assets such as provider icons (spec §2: served by CloudFront, not the API). */
  ASSET_BASE_URL: z.string().url().default('https://assets.syncwell.example'),

  // --- WebSocket lane (seed §2.9, GET /v1/ws; server/ws/) ---
  /** The server pings every socket this often; one that has not answered the previous ping is dropped. */
  WS_HEARTBEAT_INTERVAL_MS: z.coerce.number().int().min(10).default(30_000),
  /** Closed (4408) after this long (10 min: API Gateway's idle limit) without an application frame either way. */
  WS_IDLE_TIMEOUT_MS: z.coerce.number().int().min(10).default(600_000),
  /** Open sockets per user across every API process (Redis leases); the next upgrade is refused with 429. */
  WS_MAX_CONNECTIONS_PER_USER: z.coerce.number().int().min(1).default(5),
  /** Largest frame a client may send (ws maxPayload); larger ones close the socket with 1009. */
  WS_MAX_FRAME_BYTES: z.coerce.number().int().min(256).default(16_384),
  /** A socket with more than this waiting to be written reads too slowly: closed with 4429. */
  WS_MAX_BUFFERED_BYTES: z.coerce.number().int().min(1).default(1_048_576),
  /** Jobs one socket follows at once (sync requests and subscriptions). */
  /**
   * Socket-requested syncs one API process runs itself (seed §2.9's SyncOverSocketLambda) while a
   * worker stands by with the queued message; beyond it they wait for a worker. 0: never here.
   */
  WS_FOREGROUND_CONCURRENCY: z.coerce.number().int().min(0).max(1000).default(8),
  WS_MAX_JOBS_PER_CONNECTION: z.coerce.number().int().min(1).default(50),

  // --- Providers and OAuth (issue 4) ---
  /** Local provider sandbox: every provider URL moves under `${url}/${provider}` (core/providers/endpoints.ts). */
  PROVIDER_SANDBOX_URL: optionalUrl,
  /** App credentials per provider. In AWS the ECS task gets them from Secrets Manager as env. */
  STRAVA_CLIENT_ID: z.string().min(1).optional(),
  STRAVA_CLIENT_SECRET: z.string().min(1).optional(),
  FITBIT_CLIENT_ID: z.string().min(1).optional(),
  FITBIT_CLIENT_SECRET: z.string().min(1).optional(),
  GARMIN_CLIENT_ID: z.string().min(1).optional(),
  GARMIN_CLIENT_SECRET: z.string().min(1).optional(),
  GOOGLE_FIT_CLIENT_ID: z.string().min(1).optional(),
  GOOGLE_FIT_CLIENT_SECRET: z.string().min(1).optional(),
  GOOGLE_HEALTH_CLIENT_ID: z.string().min(1).optional(),
  GOOGLE_HEALTH_CLIENT_SECRET: z.string().min(1).optional(),
  /** Public origin of this API, for OAuth redirect URIs; defaults to http://HOST:PORT. */
  OAUTH_REDIRECT_BASE_URL: optionalUrl,
  OAUTH_STATE_TTL_SECONDS: intFromEnv(600),
  /**
   * Where the OAuth callback may send the browser back to (createConnection `redirectUri`),
   * comma-separated: app schemes (`syncwell://`: any link of the scheme) and https prefixes (same
   * origin, path below). Other entries stop the API at start-up (core/oauth/appRedirect.ts).
   */
  OAUTH_ALLOWED_REDIRECT_PREFIXES: z.string().default('syncwell://'),
  /** Refresh an access token this long before it expires. */
  TOKEN_REFRESH_SKEW_SECONDS: intFromEnv(300),
  /** One call to a provider's revocation endpoint (or the refresh it needs) gives up after this. */
  PROVIDER_REVOCATION_TIMEOUT_MS: z.coerce.number().int().min(1).default(5000),
  /**
   * Revocations a provider could not take when a connection was deleted are retried by the worker
   * (worker/revocation/, core/connections/connectionRemoval.ts): a sweep every
   * REVOCATION_SWEEP_SECONDS (0: none in this process), backoff with full jitter from
   * REVOCATION_RETRY_BASE_SECONDS up to
   * REVOCATION_RETRY_MAX_SECONDS, and after REVOCATION_MAX_ATTEMPTS attempts (the first one at
   * deletion) the tokens are deleted anyway and the abandoned revocation is logged.
   */
  REVOCATION_SWEEP_SECONDS: z.coerce.number().int().min(0).max(3600).default(60),
  /**
   * Every DEAD_LETTER_SWEEP_SECONDS (0: never in this process) the worker settles the letters SQS
   * moved to its channels' DLQs after their receives ran out (worker/exhaustedLetterSweeper.ts): a
   * hot-path job whose workers all died on it ends FAILED instead of RUNNING for good.
   */
  DEAD_LETTER_SWEEP_SECONDS: z.coerce.number().int().min(0).max(3600).default(60),
  REVOCATION_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(100).default(10),
  REVOCATION_RETRY_BASE_SECONDS: z.coerce.number().int().min(1).default(60),
  REVOCATION_RETRY_MAX_SECONDS: z.coerce
    .number()
    .int()
    .min(1)
    .default(6 * 3600),

  // --- Webhooks and coalescing (issue 5) ---
  /** The verify token given to Strava when creating the push subscription. */
  STRAVA_WEBHOOK_VERIFY_TOKEN: z.string().min(1).optional(),
  /**
   * The id Strava gave the push subscription. Strava signs nothing: when set, an event naming
   * another subscription is refused (403) before anything is enqueued.
   */
  STRAVA_WEBHOOK_SUBSCRIPTION_ID: z.coerce.number().int().positive().optional(),
  /** Fitbit's subscriber verification code (from the app's subscriber settings). */
  FITBIT_SUBSCRIBER_VERIFY_CODE: z.string().min(1).optional(),
  /**
   * The whole `Authorization` header value (scheme included, `Bearer …`) given to the Google Health
   * API as the subscriber's `endpointAuthorization` secret (`npm run google-health:subscribe`).
   * Unset: the Google Health webhook answers 403 to everything. A secret: never logged.
   */
  GOOGLE_HEALTH_WEBHOOK_AUTHORIZATION: z.string().min(1).max(1024).optional(),
  /**
   * Google Health's public key for the notifications' payload signature (SPKI PEM, EC P-256). Set:
   * every notification batch must be signed (server/middleware/googleHealthWebhook.ts).
   */
  GOOGLE_HEALTH_WEBHOOK_PUBLIC_KEY: z
    .string()
    .optional()
    // Empty is unset (a deployment variable left at its default).
    .transform((pem) => (pem ? pem : undefined))
    .refine((pem) => pem === undefined || isP256PublicKey(pem), 'must be an EC P-256 public key (SPKI PEM)'),
  COALESCING_QUEUE_URL: optionalUrl,
  /** One hot-path job per sync configuration per window, however many events arrive. */
  COALESCING_WINDOW_SECONDS: z.coerce.number().int().min(1).max(3600).default(60),

  // --- Tiered scheduler (seed §3f) ---
  SCHEDULER_ENABLED: z
    .enum(['true', 'false'])
    .default('true')
    .transform((v) => v === 'true'),
  SCHEDULER_TICK_SECONDS: z.coerce.number().int().min(1).max(3600).default(60),
  SCHEDULER_PRO_INTERVAL_SECONDS: z.coerce
    .number()
    .int()
    .min(1)
    .default(15 * 60),
  SCHEDULER_FREE_INTERVAL_SECONDS: z.coerce
    .number()
    .int()
    .min(1)
    .default(24 * 3600),

  // --- Adaptive polling with pre-flight checks (seed §3f; providers without webhooks) ---
  POLL_SCHEDULE_QUEUE_URL: optionalUrl,
  /** Wait after new data was seen (an active user): the shortest poll interval. */
  POLL_MIN_INTERVAL_SECONDS: z.coerce
    .number()
    .int()
    .min(1)
    .default(15 * 60),
  /** The longest wait between two checks of an idle user (worker/polling/pollPlanner.ts says why 12 h). */
  POLL_MAX_INTERVAL_SECONDS: z.coerce
    .number()
    .int()
    .min(1)
    .default(12 * 3600),
  /** Longest single SQS delay (SQS allows 900); longer waits hop. Smaller only in tests. */
  POLL_MAX_HOP_SECONDS: z.coerce.number().int().min(1).max(900).default(900),

  // --- Historical sync (the cold path) ---
  HISTORICAL_QUEUE_URL: optionalUrl,
  /** Days per chunk (each provider's own maximum still applies: core/domain/historicalRange.ts). */
  HISTORICAL_CHUNK_DAYS: z.coerce.number().int().min(1).max(366).default(30),
  /** Longest range one historical job may cover. */
  HISTORICAL_MAX_DAYS: z.coerce.number().int().min(1).max(3660).default(730),
  /** Chunks one worker runs at once: few, so the cold path never crowds out hot-path jobs. */
  HISTORICAL_CONCURRENCY: z.coerce.number().int().min(1).max(100).default(4),

  // --- Data export (seed §3d, POST /v1/export-jobs; worker/export/) ---
  /** Where export archives (and their parts while they are built) live, under `{userId}/`. */
  EXPORT_BUCKET: z.string().min(1).optional(),
  /**
   * An archive is deleted this long after it was built (the GET answers 410 from then on). The
   * bucket's lifecycle rule (infra/terraform/s3.tf, 3 days) is the backstop in AWS.
   */
  EXPORT_RETENTION_HOURS: z.coerce.number().int().min(1).max(720).default(72),
  /** How far back an export reads each provider. */
  EXPORT_LOOKBACK_DAYS: z.coerce.number().int().min(1).max(3650).default(365),
  /** Days per window read from a provider (each provider's own maximum still applies). */
  EXPORT_WINDOW_DAYS: z.coerce.number().int().min(1).max(366).default(30),
  /** Exports one worker builds at once: few, they read a year of data at low priority. */
  EXPORT_CONCURRENCY: z.coerce.number().int().min(1).max(20).default(2),
  /** The worker deletes expired archives every this many seconds (0: no sweep in this process). */
  EXPORT_SWEEP_SECONDS: z.coerce.number().int().min(0).max(86_400).default(300),

  // --- Secrets (spec §2: tokens in Secrets Manager, the CONN item holds a random UUID pointer) ---
  SECRET_STORE: z.enum(['local', 'aws']).default('local'),
  /** AES-256-GCM key of the local store, base64 of 32 bytes. */
  LOCAL_SECRET_KEY: z.string().min(1).optional(),
  SECRET_STORE_DIR: z.string().min(1).default('.state/secrets'),
  SECRETS_MANAGER_ENDPOINT: optionalUrl,
  SECRET_NAME_PREFIX: z.string().min(1).default('syncwell/provider-tokens/'),
  /**
   * The worker reads and writes each token secret through a session of this role whose policy names
   * that secret alone (core/secrets/sessionScopedSecretStore.ts; Terraform's per_job_session). Unset
   * or empty: the task role's own access. Only with SECRET_STORE=aws.
   */
  SECRET_ACCESS_ROLE_ARN: z
    .string()
    .optional()
    .transform((arn) => (arn ? arn : undefined))
    .refine(
      (arn) => arn === undefined || /^arn:aws[a-z-]*:iam::\d{12}:role\/.+$/.test(arn),
      'must be an IAM role ARN',
    ),
  /** How long such a session is reused for its secret (STS sessions last 900 s). */
  SECRET_ACCESS_SESSION_REUSE_SECONDS: z.coerce.number().int().min(1).max(780).default(600),

  // --- Events (SyncSucceeded / SyncFailed) ---
  EVENT_BUS: z.enum(['local', 'eventbridge']).default('local'),
  EVENT_BUS_NAME: z.string().min(1).default('syncwell-events'),
  EVENTBRIDGE_ENDPOINT: optionalUrl,
  /** Local adapter: events appended as JSON lines here. */
  EVENT_LOG_FILE: z.string().min(1).default('.state/events.jsonl'),

  // --- Push: APNs and FCM HTTP v1 (core/push; `startPushFakes()` yields local values) ---
  /** off: no pushes. on: each platform whose settings are set; production requires both. */
  PUSH_MODE: z.enum(['on', 'off']).default('on'),
  APNS_KEY_ID: z.string().min(1).optional(),
  APNS_TEAM_ID: z.string().min(1).optional(),
  /** The iOS app's bundle id. */
  APNS_TOPIC: z.string().min(1).optional(),
  /** The .p8 signing key: its PEM text, or the path of the file. */
  APNS_KEY: z.string().min(1).optional(),
  /** host:port instead of Apple's hosts (the local fake; refused in production), and a CA (PEM or path) to trust there. */
  APNS_ENDPOINT: hostPort.optional(),
  APNS_CA: z.string().min(1).optional(),
  /** Defaults to the service account's project_id. */
  FCM_PROJECT_ID: z.string().min(1).optional(),
  /** A Google service-account key: its JSON text, or the path of the file. */
  FCM_SERVICE_ACCOUNT: z.string().min(1).optional(),
  /** host:port serving FCM and Google's OAuth token endpoint (the local fake; refused in production), and its CA. */
  FCM_ENDPOINT: hostPort.optional(),
  FCM_CA: z.string().min(1).optional(),

  // --- Visible notifications (core/push/pushUserNotifier.ts) and re-authentication (worker/reauth/) ---
  /** A notification id is delivered at most once within this many days (its NOTIFIED# marker's life). */
  NOTIFICATION_DEDUP_DAYS: z.coerce.number().int().min(1).max(365).default(7),
  /** Ask users to reconnect connections that need re-authorization (a timer in every worker). */
  REAUTH_CHECK_ENABLED: z
    .enum(['true', 'false'])
    .default('true')
    .transform((v) => v === 'true'),
  /** How often the ReAuthStatusIndex is queried (one worker per interval). */
  REAUTH_CHECK_INTERVAL_SECONDS: z.coerce.number().int().min(1).default(3600),
  /** How often the throttled fallback Scan of the table runs (seed §3c: weekly). */
  REAUTH_SCAN_INTERVAL_SECONDS: z.coerce
    .number()
    .int()
    .min(1)
    .default(7 * 24 * 3600),
  /** Items per Scan page and the pause between pages (seed T-003: 100 items, 1 s). */
  REAUTH_SCAN_PAGE_SIZE: z.coerce.number().int().min(1).max(1000).default(100),
  REAUTH_SCAN_PAGE_DELAY_MS: intFromEnv(1000),
  /** How often a worker looks for users to tell about a provider notice (one worker per interval). */
  PROVIDER_NOTICE_CHECK_INTERVAL_SECONDS: z.coerce
    .number()
    .int()
    .min(1)
    .default(6 * 3600),
  /** A connection still not reconnected this long after it needed the user: ReAuthStatus `failed`. */
  REAUTH_FAILED_AFTER_DAYS: z.coerce.number().int().min(1).max(3650).default(30),

  // --- Worker ---
  HOT_PATH_DLQ_URL: optionalUrl,
  /** Data export requests (POST /v1/export-jobs → the export consumer). */
  EXPORT_QUEUE_URL: optionalUrl,
  /** Account deletion requests (DELETE /v1/users/me → the deletion consumer). */
  USER_DELETION_QUEUE_URL: optionalUrl,
  /**
   * Account deletion starts deleting this long after the request (the message is delayed by it, at
   * most SQS's 900 s): by then no process still trusts a cached "not deleted" (AUTH_CACHE_TTL_MS)
   * nor runs a job it started before, so nothing of the user is written after the deletion.
   */
  USER_DELETION_SETTLE_SECONDS: z.coerce.number().int().min(0).max(900).default(360),
  /**
   * How long after the request revocations the providers cannot take are retried; after that the
   * tokens are deleted anyway (the user asked for deletion) and the abandoned revocation is logged.
   */
  USER_DELETION_REVOCATION_WINDOW_SECONDS: intFromEnv(3600),
  /**
   * SyncSucceeded/SyncFailed to tell the user about (the EventBridge rule's target queue; locally the
   * event bus adapter sends each event there too). Unset: no sync notifications from this process.
   */
  SYNC_NOTIFICATIONS_QUEUE_URL: optionalUrl,
  /** Jobs processed concurrently by one worker process. */
  WORKER_CONCURRENCY: z.coerce.number().int().min(1).max(1000).default(40),
  WORKER_VISIBILITY_TIMEOUT_SECONDS: z.coerce.number().int().min(1).max(43_200).default(60),
  WORKER_WAIT_TIME_SECONDS: z.coerce.number().int().min(0).max(20).default(20),
  /**
   * After a partial receive, the worker's consumers wait this long before receiving again, so
   * receives and deletes carry several messages at low rates (core/messaging/queueConsumer.ts).
   * The jobs of one receive then run side by side, sharing the event loop's wake-ups: bench:worker's
   * requested empty jobs at 100/s cost 2,750-3,120 µs of worker CPU each with 20 ms, 1,890-2,270
   * with 50 ms and 1,620-1,770 with 100 ms, for a p50 from POST to SUCCEEDED of 26 -> 64 ms
   * (2026-12-07). A message that finds the queue idle is received at once; only the ones behind it wait.
   */
  WORKER_RECEIVE_WINDOW_MS: z.coerce.number().int().min(0).max(1000).default(100),
  /**
   * A finished message's delete waits this long for others to share its DeleteMessageBatch
   * (core/messaging/queueConsumer.ts): nobody waits on it, so far longer than BATCH_WINDOW_MS.
   */
  WORKER_DELETE_WINDOW_MS: z.coerce.number().int().min(0).max(1000).default(100),
  WORKER_SHUTDOWN_GRACE_MS: intFromEnv(25_000),
  /**
   * A worker retires itself (the graceful SIGTERM path, exit 0) after about this long, ±10 % so a
   * fleet does not retire at once; the orchestrator starts a fresh task. 0: never.
   */
  WORKER_MAX_LIFETIME_SECONDS: intFromEnv(0),
  /** The queue's redrive maxReceiveCount (infra/terraform/sqs.tf). */
  MAX_RECEIVE_COUNT: z.coerce.number().int().min(1).default(5),
  /** First sync of a pair looks back this far. */
  SYNC_INITIAL_LOOKBACK_DAYS: z.coerce.number().int().min(1).max(3650).default(30),
  /** Later syncs re-read this much before the last watermark (late uploads, edits). */
  SYNC_OVERLAP_HOURS: intFromEnv(48),
  /** Skip the destination fetch after this many consecutive empty destination reads (spec §3b). */
  SYNC_CONFIDENCE_THRESHOLD: intFromEnv(3),
  CREDENTIAL_CACHE_MAX: intFromEnv(1000),
  CREDENTIAL_CACHE_TTL_MS: intFromEnv(5 * 60 * 1000),
  /** Backoff for jobs sent back to the queue: base and cap, seconds (SQS allows up to 43,200). */
  REQUEUE_BACKOFF_BASE_SECONDS: intFromEnv(2),
  REQUEUE_BACKOFF_MAX_SECONDS: intFromEnv(900),
  /** JSON object overriding rate-limit policies per provider (tests, load runs); see core/ratelimit. */
  RATE_LIMIT_OVERRIDES: z.string().optional(),
});

function isP256PublicKey(pem: string): boolean {
  try {
    const key = createPublicKey(pem);
    return key.asymmetricKeyType === 'ec' && key.asymmetricKeyDetails?.namedCurve === 'prime256v1';
  } catch {
    return false;
  }
}

export type Config = Readonly<
  Omit<z.infer<typeof schema>, 'VALIDATE_RESPONSES'> & {
    /** Response validation: on in development and test, off in production unless asked for. */
    VALIDATE_RESPONSES: boolean;
  }
>;

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/** Parses and validates configuration; throws a ConfigError listing every bad variable. */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`);
  }
  const c = parsed.data;
  return Object.freeze({ ...c, VALIDATE_RESPONSES: c.VALIDATE_RESPONSES ?? c.NODE_ENV !== 'production' });
}

/** Client options shared by every AWS SDK client: region, and static credentials only when configured. */
export function awsClientOptions(
  config: Pick<Config, 'AWS_REGION' | 'AWS_ACCESS_KEY_ID' | 'AWS_SECRET_ACCESS_KEY'>,
) {
  return {
    region: config.AWS_REGION,
    maxAttempts: 3,
    ...(config.AWS_ACCESS_KEY_ID && config.AWS_SECRET_ACCESS_KEY
      ? {
          credentials: {
            accessKeyId: config.AWS_ACCESS_KEY_ID,
            secretAccessKey: config.AWS_SECRET_ACCESS_KEY,
          },
        }
      : {}),
  };
}
