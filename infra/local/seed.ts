// `npm run seed`: the E2E reset script (spec §9). Empties the running local system's table and
// queues, then creates the same fixture users every time: a PRO and a FREE user, each with two
// connections and a sync configuration. Only ever touches the local stack `npm start` runs.
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SQSClient } from '@aws-sdk/client-sqs';
import { Redis } from 'ioredis';
import { INVALIDATE_ALL, INVALIDATION_CHANNEL } from '../../core/cache/userConfigCache.js';
import { loadConfig } from '../../core/config/config.js';
import type { CloudProvider, DataType, SubscriptionLevel } from '../../core/domain/types.js';
import { BatchWriter } from '../../core/store/batchWriter.js';
import { ConnectionRepository } from '../../core/store/connectionRepository.js';
import { createDocumentStore } from '../../core/store/dynamoClient.js';
import { ProfileRepository } from '../../core/store/profileRepository.js';
import { SyncConfigRepository } from '../../core/store/syncConfigRepository.js';
import { mintDevToken } from './devIssuer.js';
import { LOCAL_CREDENTIALS, LOCAL_REGION, purgeQueues, resetTable } from './resources.js';
import { readRuntimeState } from './runtimeState.js';
import { loadTerraformResources } from './terraform.js';
import { clock } from '../../core/clock/clock.js';

interface FixtureUser {
  userId: string;
  tier: SubscriptionLevel;
  connections: Array<{ connectionId: string; provider: CloudProvider }>;
  syncConfig: { configId: string; dataType: DataType };
}

// Fixed ids (valid UUIDv4 shapes) so tests and demos can rely on them across resets.
const id = (prefix: string, n: number) => `${prefix}_00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;

export const FIXTURE_USERS: FixtureUser[] = [
  {
    userId: 'demo-pro',
    tier: 'PRO',
    connections: [
      { connectionId: id('conn', 1), provider: 'fitbit' },
      { connectionId: id('conn', 2), provider: 'strava' },
    ],
    syncConfig: { configId: id('cfg', 1), dataType: 'workout' },
  },
  {
    userId: 'demo-free',
    tier: 'FREE',
    connections: [
      { connectionId: id('conn', 3), provider: 'garmin' },
      { connectionId: id('conn', 4), provider: 'google_fit' },
    ],
    syncConfig: { configId: id('cfg', 2), dataType: 'steps' },
  },
];

// The AWS SDK versions are pinned in package-lock.json; its notice that releases after January 2027
// need Node 22 is in the README, not in every reset's output.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

async function main(): Promise<void> {
  const state = readRuntimeState();
  const config = loadConfig(state.env);
  const model = await loadTerraformResources();

  const dynamodb = new DynamoDBClient({
    region: LOCAL_REGION,
    credentials: LOCAL_CREDENTIALS,
    endpoint: config.DYNAMODB_ENDPOINT,
  });
  const sqs = new SQSClient({
    region: LOCAL_REGION,
    credentials: LOCAL_CREDENTIALS,
    endpoint: config.SQS_ENDPOINT,
  });
  const deleted = await resetTable(dynamodb, model);
  await purgeQueues(sqs, state.resources);

  const db = createDocumentStore(config);
  const writer = new BatchWriter(db, config.TABLE_NAME, 0);
  const profiles = new ProfileRepository(db, config.TABLE_NAME, config.SCHEDULER_SHARDS);
  const connections = new ConnectionRepository(db, config.TABLE_NAME, writer);
  const syncConfigs = new SyncConfigRepository(db, config.TABLE_NAME, writer);
  const now = clock.date().toISOString();

  for (const user of FIXTURE_USERS) {
    await profiles.ensure(user.userId, { email: `${user.userId}@example.test`, tier: user.tier });
    for (const c of user.connections)
      await connections.create({
        userId: user.userId,
        ...c,
        status: 'active',
        credentialRef: null,
        createdAt: now,
        updatedAt: now,
      });
    const [source, destination] = user.connections;
    await syncConfigs.create({
      userId: user.userId,
      configId: user.syncConfig.configId,
      sourceConnectionId: source!.connectionId,
      destinationConnectionId: destination!.connectionId,
      dataType: user.syncConfig.dataType,
      conflictStrategy: 'newest_wins',
      isEnabled: true,
      version: 1,
      createdAt: now,
      updatedAt: now,
    });
  }

  // The API caches users' configuration: drop everything cached so it reads the new state.
  const redis = new Redis(config.REDIS_URL);
  await redis.flushdb();
  await redis.publish(INVALIDATION_CHANNEL, INVALIDATE_ALL);
  redis.disconnect();
  await writer.drain();
  dynamodb.destroy();
  sqs.destroy();
  db.destroy();

  console.log(`reset: ${deleted} items deleted, queues purged, cache flushed`);
  for (const user of FIXTURE_USERS) {
    const token = await mintDevToken(user.userId, { tier: user.tier });
    console.log(
      `\n${user.userId} (${user.tier}): ${user.connections.map((c) => `${c.provider} ${c.connectionId}`).join(', ')}`,
    );
    console.log(`  sync config ${user.syncConfig.configId} (${user.syncConfig.dataType})`);
    console.log(`  curl -H 'Authorization: Bearer ${token}' ${state.apiUrl}/v1/connections`);
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
