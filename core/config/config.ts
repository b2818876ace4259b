// The only reader of process.env: one typed, validated configuration object per process.
import { z } from 'zod';

const optionalUrl = z.string().url().optional();
const intFromEnv = (fallback: number) => z.coerce.number().int().nonnegative().default(fallback);

const schema = z.object({
  NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  PORT: intFromEnv(8080),
  HOST: z.string().default('127.0.0.1'),

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

  IDEMPOTENCY_TTL_HOURS: intFromEnv(24),
  IDEMPOTENCY_LOCK_TIMEOUT_MS: intFromEnv(60_000),
  JOB_TTL_DAYS: intFromEnv(30),
  USER_CACHE_L1_TTL_MS: intFromEnv(30_000),
  USER_CACHE_TTL_SECONDS: intFromEnv(15 * 60),
  BATCH_WINDOW_MS: intFromEnv(2),
  BODY_LIMIT: z.string().default('256kb'),
  VALIDATE_RESPONSES: z
    .enum(['true', 'false'])
    .optional()
    .transform((v) => (v === undefined ? undefined : v === 'true')),
  API_RATE_LIMIT_PER_MINUTE: intFromEnv(600),
  SCHEDULER_SHARDS: z.coerce.number().int().min(1).max(10_000).default(16),
  /** CDN origin of static assets such as provider icons (spec §2: served by CloudFront, not the API). */
  ASSET_BASE_URL: z.string().url().default('https://assets.syncwell.example'),
});

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
