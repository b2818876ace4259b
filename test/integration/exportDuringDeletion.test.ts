// An export being built while its account is deleted (seed §3d: after deletion nothing of the user
// remains). The deletion erases the EXPORT item and sweeps the user's objects; a builder that
// writes after that sweep (a part, or the finished archive) must remove what it wrote once it
// finds its export gone, instead of leaving the user's health data in the bucket. Real DynamoDB
// (dynalite) and S3 (fauxqs); the part collector and the account's records are stand-ins that
// make the deletion land at the chosen moment.
import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import { clock } from '../../core/clock/clock.js';
import { createS3Client } from '../../core/aws/s3Client.js';
import type { AccountSources } from '../../core/export/accountRecords.js';
import { S3ExportArchiveStore } from '../../core/export/exportArchiveStore.js';
import { createLogger } from '../../core/logging/logger.js';
import type { UserNotifier } from '../../core/push/userNotifier.js';
import { createDocumentStore } from '../../core/store/dynamoClient.js';
import { ExportJobProgress } from '../../core/store/exportJobProgress.js';
import { exportKey, ExportJobRepository } from '../../core/store/exportJobRepository.js';
import { ExportJob } from '../../worker/export/exportJob.js';
import type { PartCollector } from '../../worker/export/partCollector.js';
import { getHarness } from './hooks.js';

describe('an export built while its account is deleted', () => {
  function setup(o: { collect?: PartCollector['collect']; beforeArchive?: () => Promise<void> }) {
    const h = getHarness();
    const config = h.config;
    const db = createDocumentStore(config);
    const bucket = config.EXPORT_BUCKET!;
    const store = new S3ExportArchiveStore(config, bucket);
    const exports = new ExportJobRepository(db, config.TABLE_NAME);
    const userId = h.newUserId();
    const jobId = `exp_${randomUUID()}`;
    /** What the account deletion does to this export: its item, then a sweep of the user's objects. */
    const deleteAccount = async () => {
      await db.delete({ TableName: config.TABLE_NAME, Key: exportKey(userId, jobId) });
      await store.deleteExport(userId, jobId);
    };
    const account: AccountSources = {
      profile: () => Promise.resolve(undefined),
      connections: () => Promise.resolve([]),
      devices: () => Promise.resolve([]),
      syncConfigs: () => Promise.resolve([]),
      syncJobs: () => Promise.resolve({ jobs: [], nextCursor: null }),
      exportJobs: async () => {
        await o.beforeArchive?.();
        return [];
      },
    };
    const notifier: UserNotifier = {
      notify: () => Promise.reject(new Error('a deleted account is never told')),
    } as unknown as UserNotifier;
    const job = new ExportJob({
      config,
      logger: createLogger({ level: 'silent', service: 'test' }),
      exports,
      progress: new ExportJobProgress(db, config.TABLE_NAME),
      store,
      connections: h.connections,
      collector: { collect: o.collect ?? (() => Promise.resolve()) } as unknown as PartCollector,
      account,
      notifier,
    });
    const s3 = createS3Client(config);
    const objectsOfUser = async () => {
      const out = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: `${userId}/` }));
      return (out.Contents ?? []).map((c) => c.Key);
    };
    const run = async () => {
      await exports.create({
        userId,
        jobId,
        createdAt: clock.date().toISOString(),
        expiresAt: Math.floor(clock.now() / 1000) + 86_400,
      });
      return job.handle(
        { schemaVersion: 1, userId, jobId, requestedAt: clock.date().toISOString() },
        { originMessageId: randomUUID(), receiveCount: 1, isLastAttempt: false },
        new AbortController().signal,
      );
    };
    return {
      store,
      userId,
      jobId,
      deleteAccount,
      objectsOfUser,
      run,
      close: () => (store.close(), s3.destroy()),
    };
  }

  it('removes a part written after the deletion swept the bucket', async () => {
    const ctx = setup({
      collect: async () => {
        await ctx.deleteAccount();
        // A window that was being uploaded when the deletion ran lands afterwards.
        await ctx.store.putPart(ctx.userId, ctx.jobId, 'workout-0000', Readable.from(['{"late":true}\n']));
      },
    });
    try {
      const result = await ctx.run();
      expect(result.outcome).to.deep.equal({ kind: 'done' });
      expect(await ctx.objectsOfUser()).to.deep.equal([]);
    } finally {
      ctx.close();
    }
  });

  it('removes the finished archive when the export vanished while it was assembled', async () => {
    const ctx = setup({
      collect: () => ctx.store.putPart(ctx.userId, ctx.jobId, 'steps-0000', Readable.from(['{"steps":1}\n'])),
      // The deletion lands while the ZIP is being written: the archive is uploaded after its sweep.
      beforeArchive: () => ctx.deleteAccount(),
    });
    try {
      const result = await ctx.run();
      expect(result.outcome).to.deep.equal({ kind: 'done' });
      expect(await ctx.objectsOfUser()).to.deep.equal([]);
    } finally {
      ctx.close();
    }
  });
});
