// Benchmark users, created through the same repositories the API uses (as test/support/harness.ts
// does): each user gets two active connections and a dev token from the local issuer.
import { randomUUID } from 'node:crypto';
import { clock } from '../../core/clock/clock.js';
import { loadConfig } from '../../core/config/config.js';
import { newConnectionId } from '../../core/domain/ids.js';
import type { CloudProvider } from '../../core/domain/types.js';
import { BatchWriter } from '../../core/store/batchWriter.js';
import { ConnectionRepository } from '../../core/store/connectionRepository.js';
import { createDocumentStore } from '../../core/store/dynamoClient.js';
import { mintDevToken } from '../../infra/local/devIssuer.js';

export interface BenchUser {
  userId: string;
  /** `Bearer <token>` */
  authorization: string;
  sourceConnectionId: string;
  destinationConnectionId: string;
  /** The POST /v1/sync-jobs body for this user (a manual workout sync between its connections). */
  syncJobBody: string;
}

const PROVIDERS: [CloudProvider, CloudProvider] = ['strava', 'fitbit'];

async function inBatches<T, R>(items: T[], size: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = [];
  for (let i = 0; i < items.length; i += size)
    out.push(...(await Promise.all(items.slice(i, i + size).map(fn))));
  return out;
}

export async function createUsers(env: Record<string, string>, count: number): Promise<BenchUser[]> {
  const config = loadConfig(env);
  const db = createDocumentStore(config);
  const writer = new BatchWriter(db, config.TABLE_NAME, 0);
  const connections = new ConnectionRepository(db, config.TABLE_NAME, writer);
  const run = randomUUID().slice(0, 8);
  try {
    const ids = Array.from({ length: count }, (_, i) => `bench-${run}-${String(i).padStart(4, '0')}`);
    return await inBatches(ids, 25, async (userId) => {
      const now = clock.date().toISOString();
      const [source, destination] = await Promise.all(
        PROVIDERS.map((provider) =>
          connections.create({
            userId,
            connectionId: newConnectionId(),
            provider,
            status: 'active',
            credentialRef: randomUUID(),
            createdAt: now,
            updatedAt: now,
          }),
        ),
      );
      if (!source || !destination) throw new Error('fixture: connection not created');
      const token = await mintDevToken(userId, { tier: 'PRO', expiresInSeconds: 3 * 3600 });
      return {
        userId,
        authorization: `Bearer ${token}`,
        sourceConnectionId: source.connectionId,
        destinationConnectionId: destination.connectionId,
        syncJobBody: JSON.stringify({
          sourceConnectionId: source.connectionId,
          destinationConnectionId: destination.connectionId,
          mode: 'manual',
          dataType: 'workout',
        }),
      };
    });
  } finally {
    await writer.drain();
    db.destroy();
  }
}
