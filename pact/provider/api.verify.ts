// Provider side: replays every interaction of the committed pact against the real API on the real
// local stack (dynalite, fauxqs, redis-server, dev issuer). Nothing is stubbed: a real signed token
// goes through the auth middleware, the Idempotency-Key through the idempotency store, the job
// into DynamoDB and its message onto the FIFO queue. Only the bearer token is swapped, because the
// consumer's placeholder cannot be verified.
import { DeviceRepository } from '../../core/store/deviceRepository.js';
import { Verifier } from '@pact-foundation/pact';
import type { RequestHandler } from 'express';
import { createRedis, waitForRedis, type Redis } from '../../core/cache/redis.js';
import { UserConfigCache } from '../../core/cache/userConfigCache.js';
import { createLogger } from '../../core/logging/logger.js';
import { OAuthStateRepository } from '../../core/oauth/oauthStateRepository.js';
import { BatchWriter } from '../../core/store/batchWriter.js';
import { createDocumentStore } from '../../core/store/dynamoClient.js';
import type { LeanDocumentClient } from '../../core/aws/leanDocumentClient.js';
import { PROFILE_SK, userPk } from '../../core/store/keys.js';
import { ProfileRepository } from '../../core/store/profileRepository.js';
import { SyncJobRepository } from '../../core/store/syncJobRepository.js';
import { DeletedUserRepository } from '../../core/store/deletedUserRepository.js';
import { ExportJobRepository } from '../../core/store/exportJobRepository.js';
import { ExportJobProgress } from '../../core/store/exportJobProgress.js';
import { ADMIN_KEY, startHarness, type Harness } from '../../test/support/harness.js';
import { OPS_PACT_FILE, PACT_FILE, PROVIDER, disablePactTracking } from '../pactFiles.js';
import { pushPayloadProviders } from './pushPayloads.js';
import { socketFrameProviders } from './socketFrames.js';
import { providerStates } from './states.js';

interface VerificationReport {
  errors?: { interaction?: string; mismatch?: { mismatches?: { mismatch?: string }[]; message?: string } }[];
}

/** The verifier rejects with its whole JSON report; its readable output is already above, so name what failed. */
function failureSummary(error: unknown): Error {
  const message = error instanceof Error ? error.message : String(error);
  try {
    const report = JSON.parse(message) as VerificationReport;
    const lines = (report.errors ?? []).map(({ interaction, mismatch }) => {
      const reasons = mismatch?.mismatches?.map((m) => m.mismatch).join('; ') ?? mismatch?.message ?? '';
      return `${interaction ?? 'unknown interaction'}: ${reasons}`;
    });
    if (lines.length > 0) return new Error(`pact verification failed:\n  ${lines.join('\n  ')}`);
  } catch {
    // not the JSON report: keep the original message
  }
  return new Error(message);
}

describe(`${PROVIDER} honours its consumers' pacts`, () => {
  disablePactTracking();
  let harness: Harness;
  let writer: BatchWriter;
  let syncJobs: SyncJobRepository;
  let profiles: ProfileRepository;
  let db: LeanDocumentClient;
  let redis: Redis;
  /** The API's own cache class on a connection of ours: invalidate() reaches the API over pub/sub. */
  let userConfig: UserConfigCache;
  /** A real dev-issuer token for the user the current interaction's provider state set up. */
  let callerToken: string | undefined;

  before(async function () {
    this.timeout(60_000);
    harness = await startHarness();
    const { config } = harness;
    db = createDocumentStore(config);
    writer = new BatchWriter(db, config.TABLE_NAME, 0);
    syncJobs = new SyncJobRepository(db, config.TABLE_NAME, writer);
    profiles = new ProfileRepository(db, config.TABLE_NAME, config.SCHEDULER_SHARDS);
    const logger = createLogger({ level: 'silent', service: 'pact-states' });
    redis = createRedis(config.REDIS_URL, logger, 'pact-states');
    if (!(await waitForRedis(redis, 5000))) throw new Error('redis did not come up for the provider states');
    userConfig = new UserConfigCache({
      redis,
      subscriber: redis, // never started: this instance only invalidates
      connections: harness.connections,
      syncConfigs: harness.syncConfigs,
      l1TtlMs: 0,
      ttlSeconds: config.USER_CACHE_TTL_SECONDS,
      logger,
    });
  });

  after(async function () {
    this.timeout(30_000);
    await writer?.drain();
    await redis?.quit();
    await harness?.stop();
  });

  // Runs for the verifier's state-change calls too; those carry no Authorization header.
  const requestFilter: RequestHandler = (req, _res, next) => {
    // The operations pact carries a placeholder admin key: use the provider's real one.
    if (req.headers['x-admin-key'] !== undefined) req.headers['x-admin-key'] = ADMIN_KEY;
    // Webhook deliveries carry the provider's own credential (Google Health's configured Authorization).
    if (req.headers.authorization === undefined || req.path.startsWith('/v1/webhooks/')) return next();
    if (!callerToken) return next(new Error('no provider state signed a user in for this interaction'));
    req.headers.authorization = `Bearer ${callerToken}`;
    next();
  };

  const verify = () =>
    new Verifier({
      provider: PROVIDER,
      providerBaseUrl: harness.api.url,
      pactUrls: [PACT_FILE, OPS_PACT_FILE],
      stateHandlers: providerStates({
        connections: harness.connections,
        oauthStates: new OAuthStateRepository(db, harness.config.TABLE_NAME),
        sandbox: harness.stack.sandbox,
        callbackBase:
          harness.config.OAUTH_REDIRECT_BASE_URL ?? `http://${harness.config.HOST}:${harness.config.PORT}`,
        syncConfigs: harness.syncConfigs,
        syncJobs,
        profiles,
        jobTtlDays: harness.config.JOB_TTL_DAYS,
        devices: new DeviceRepository(db, harness.config.TABLE_NAME),
        exportJobs: new ExportJobRepository(db, harness.config.TABLE_NAME),
        exportProgress: new ExportJobProgress(db, harness.config.TABLE_NAME),
        deletedUsers: new DeletedUserRepository(db, harness.config.TABLE_NAME),
        invalidateUserConfig: (userId) => userConfig.invalidate(userId),
        deleteProfile: async (userId) => {
          await db.delete({
            TableName: harness.config.TABLE_NAME,
            Key: { PK: userPk(userId), SK: PROFILE_SK },
          });
        },
        signIn: async (userId, tier) => {
          callerToken = await harness.token(userId, tier ? { tier } : {});
        },
      }),
      requestFilter,
      // The SDK's pact also holds the socket frames and push payloads it consumes, built by the
      // WebSocket lane's and the push notifiers' own code.
      messageProviders: { ...socketFrameProviders, ...pushPayloadProviders },
      afterEach: async () => {
        callerToken = undefined;
      },
      logLevel: 'warn',
    })
      .verifyProvider()
      .catch((error: unknown) => {
        throw failureSummary(error);
      });

  it('syncwell-mobile-sdk: every interaction', async () => {
    await verify();
  });

  // Same stack, same example ids: the states must be idempotent and POST replays its first answer.
  it('syncwell-mobile-sdk: every interaction again, on the same stack', async () => {
    await verify();
  });
});
