// Account deletion end to end (issue 13 §1, seed §3d): accounts with data everywhere (connections
// to providers with their secrets, configurations, jobs, ledger, cursors, a cloud → device job
// parked with its records staged in S3, an export, a polling chain and rate-limit buckets in Redis,
// a device with its push token, an unfinished authorization), then DELETE /v1/users/me:
// - jobs, chunks, webhooks and poll checks of the account queued before the deletion do nothing;
// - the worker erases every trace (a Scan of the table, a SCAN of Redis, every bucket, the secret
//   store, every queue find nothing of it) and revokes its grants at the providers, while another
//   account's data stays exactly as it was; the deleted account's valid token gets 410 and brings
//   nothing back, and a webhook of its provider accounts is dropped;
// - a worker killed in the middle of the deletion, and a second delivery of the request, end in the
//   same state; a provider that cannot take the revocation is retried, then given up on, and the
//   tokens are deleted anyway.
import { spawn, type ChildProcess } from 'node:child_process';
import { S3Client } from '@aws-sdk/client-s3';
import { expect } from 'chai';
import { Redis } from 'ioredis';
import { clock, clockEnvForChild } from '../../core/clock/clock.js';
import { readLocalEvents } from '../../core/events/localEventBus.js';
import { SqsMessageProducer } from '../../core/messaging/producer.js';
import { createSqsJsonClient } from '../../core/queue/sqs.js';
import { DeletedUserRepository, type AccountDeletion } from '../../core/store/deletedUserRepository.js';
import { createDocumentStore } from '../../core/store/dynamoClient.js';
import { startPushFakes, type PushFakes } from '../../infra/local/push/pushFakes.js';
import { sendGarminPing } from '../../infra/local/sandbox/webhooks.js';
import { startWorker, type RunningWorker } from '../../worker/main.js';
import { DynamoFaultProxy } from '../support/dynamoFaultProxy.js';
import {
  dynamoTraces,
  mentions,
  redisTraces,
  s3Traces,
  scanTable,
  secretTraces,
  drainQueues,
} from './accountTraces.js';
import { accountWithData, type Account } from './accountFixtures.js';
import {
  connectedUser,
  sendScheduledJob,
  shortenWebhookBuffer,
  sleep,
  startE2E,
  until,
  type E2E,
} from './support.js';

const DAY_MS = 86_400_000;
const isoDay = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/** The kinds of item an account has: the partition's sort-key prefixes and the singletons' key prefixes. */
function itemKinds(items: string[]): Set<string> {
  return new Set(
    items.map((text) => {
      const { PK, SK } = JSON.parse(text) as { PK: string; SK: string };
      return (PK.startsWith('USER#') ? SK : PK).split('#')[0]!;
    }),
  );
}

describe('account deletion end to end', function () {
  this.timeout(300_000);
  let e: E2E;
  let push: PushFakes;
  let s3: S3Client;
  let redis: Redis;
  let worker: RunningWorker | undefined;
  let a: Account;
  let b: Account;
  /** Deleted in the crash test and the provider-down test. */
  const alsoDeleted: Account[] = [];
  let bKeys: string[];

  let store: ReturnType<typeof createDocumentStore>;
  const deletionOf = (userId: string): Promise<AccountDeletion | undefined> =>
    new DeletedUserRepository(store, e.h.config.TABLE_NAME).get(userId);
  const buckets = () => [e.h.config.STAGING_BUCKET!, e.h.config.EXPORT_BUCKET!];
  const stopWorker = async () => {
    await worker?.stop();
    worker = undefined;
  };
  /** A worker; without the deletion consumer when `deleting` is false (the deletion then waits). */
  const runWorker = async (deleting = true) => {
    await stopWorker();
    worker = await startWorker({
      ...e.workerEnv,
      ...(deleting ? {} : { USER_DELETION_QUEUE_URL: undefined }),
    });
    return worker.worker;
  };
  const deleteAccount = async (account: Account) => {
    const r = await e.h.request<{ status: string; requestedAt: string }>('DELETE', '/v1/users/me', {
      token: account.token,
    });
    expect(r.status, r.text).to.equal(202);
    return r.body;
  };
  const waitUntilDeleted = async (account: Account, timeoutMs = 60_000) =>
    until(
      async () => (await deletionOf(account.userId))?.completedAt !== undefined,
      timeoutMs,
      `the deletion of ${account.userId} to complete`,
    );
  /** No trace of the account in the table, Redis, the buckets or the secret store. */
  const expectErased = async (account: Account) => {
    expect(await dynamoTraces(e.h.config, account), 'DynamoDB').to.deep.equal([]);
    expect(await redisTraces(redis, account), 'Redis').to.deep.equal([]);
    expect(await s3Traces(s3, buckets(), account), 'S3').to.deep.equal([]);
    expect(await secretTraces(e.h.config.SECRET_STORE_DIR, account), 'secret store').to.deep.equal([]);
  };
  const itemKeysOf = async (account: Account) =>
    (await dynamoTraces(e.h.config, account))
      .map((text) => {
        const { PK, SK } = JSON.parse(text) as { PK: string; SK: string };
        return `${PK} ${SK}`;
      })
      .sort();

  before(async () => {
    push = await startPushFakes();
    e = await startE2E(
      {
        ...push.env,
        SYNC_INITIAL_LOOKBACK_DAYS: '7',
        USER_DELETION_SETTLE_SECONDS: '1',
        USER_DELETION_REVOCATION_WINDOW_SECONDS: '4',
        REVOCATION_RETRY_BASE_SECONDS: '1',
        REVOCATION_RETRY_MAX_SECONDS: '1',
        POLL_MIN_INTERVAL_SECONDS: '1',
        POLL_MAX_INTERVAL_SECONDS: '3',
        POLL_MAX_HOP_SECONDS: '1',
      },
      { worker: false },
    );
    await shortenWebhookBuffer(e);
    s3 = new S3Client({
      region: e.h.config.AWS_REGION,
      endpoint: e.h.config.S3_ENDPOINT!,
      forcePathStyle: true,
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    });
    store = createDocumentStore(e.h.config);
    redis = new Redis(e.h.config.REDIS_URL, { lazyConnect: false, maxRetriesPerRequest: 1 });
  });
  after(async () => {
    await stopWorker();
    redis?.disconnect();
    s3?.destroy();
    store?.destroy();
    await e?.stop();
    await push?.close();
  });

  it('does nothing for jobs, chunks, webhooks and poll checks of an account once it is deleted', async () => {
    await runWorker(false);
    a = await accountWithData(e, s3, redis, true);
    b = await accountWithData(e, s3, redis, true);
    // Data everywhere, to begin with.
    expect([...itemKinds(await dynamoTraces(e.h.config, a))]).to.include.members([
      'PROFILE',
      'CONN',
      'SYNCCONFIG',
      'JOB',
      'LEDGER',
      'CURSOR',
      'DEVICE',
      'DEVICEREQ',
      'PROVIDERUSER',
      'PUSHTOKEN',
      'IDEM',
      'OAUTHSTATE',
    ]);
    const keys = await redisTraces(redis, a);
    expect(keys).to.include(`poll:${a.connections.google_fit}`);
    expect(keys.some((k) => k.startsWith('ratelimit##'))).to.equal(true);
    expect(await s3Traces(s3, buckets(), a)).to.have.length(2);
    expect(await secretTraces(e.h.config.SECRET_STORE_DIR, a)).to.have.length(3);

    // Work queued before the deletion, delivered after it: a historical job's chunks, a scheduled
    // job, a Garmin webhook (and the poll chain's next check).
    await stopWorker();
    const historical = await e.h.request<{ jobId: string }>('POST', '/v1/sync-jobs', {
      token: a.token,
      body: {
        sourceConnectionId: a.connections.garmin!,
        destinationConnectionId: a.connections.strava!,
        dataType: 'workout',
        mode: 'historical',
        dateRange: { startDate: isoDay(clock.now() - 14 * DAY_MS), endDate: isoDay(clock.now() - DAY_MS) },
      },
    });
    expect(historical.status, historical.text).to.equal(202);
    const chunks = (await e.h.syncJobs.get(a.userId, historical.body.jobId))!.progress!.totalChunks;
    const scheduled = await sendScheduledJob(e, {
      userId: a.userId,
      sourceConnectionId: a.connections.garmin!,
      destinationConnectionId: a.connections.strava!,
    });
    const ping = await sendGarminPing(
      e.h.api.url,
      e.h.stack.endpoints.sandbox,
      'activities',
      a.person.providerUserIds.garmin,
    );
    expect(ping.status).to.equal(200);
    await deleteAccount(a);

    const calls = e.h.stack.sandbox.requestCounts();
    const eventsOfA = async () =>
      (await readLocalEvents(e.h.config.EVENT_LOG_FILE)).filter((ev) => ev.detail.userId === a.userId).length;
    const eventsBefore = await eventsOfA();
    const w = await runWorker(false);
    const historicalConsumer = w.consumers.find((c) => c.channel === 'historicalSync')!;
    await until(() => w.stats.jobs >= 1, 20_000, 'the scheduled job to be handled');
    await until(() => historicalConsumer.stats.done >= chunks, 20_000, 'the chunks to be handled');
    await until(() => w.coalescer!.stats.deletedAccounts >= 1, 20_000, 'the webhook to be dropped');
    await until(() => w.preflight!.stats.stopped >= 1, 20_000, "the poll chain's next check");

    expect(await e.h.syncJobs.get(a.userId, scheduled), 'a JOB item for the scheduled job').to.equal(
      undefined,
    );
    const backfill = await e.h.syncJobs.get(a.userId, historical.body.jobId);
    expect(backfill?.status).to.equal('QUEUED');
    expect(backfill?.progress?.processedChunks).to.equal(0);
    expect(w.coalescer!.stats.jobs).to.equal(0);
    const after = e.h.stack.sandbox.requestCounts();
    expect(after.garmin, 'calls to Garmin').to.equal(calls.garmin);
    expect(after.strava, 'calls to Strava').to.equal(calls.strava);
    expect(await eventsOfA(), 'sync events of the deleted account').to.equal(eventsBefore);
    expect(w.accountDeletion.completed).to.equal(0);
    // The user's token is still valid: it gets 410, whatever it asks.
    const me = await e.h.request<{ code: string }>('GET', '/v1/users/me', { token: a.token });
    expect(me.status).to.equal(410);
    expect(me.body.code).to.equal('account_deleted');
    await stopWorker();
  });

  it("erases every trace of the account, revokes its grants, and leaves another account's data as it was", async () => {
    bKeys = await itemKeysOf(b);
    const bObjects = await s3Traces(s3, buckets(), b);
    const bSecrets = await secretTraces(e.h.config.SECRET_STORE_DIR, b);
    const w = await runWorker();
    await waitUntilDeleted(a);
    expect(w.accountDeletion.completed).to.equal(1);
    await expectErased(a);

    // What is left: the tombstone, keyed by a hash, holding two instants.
    const tombstones = (await scanTable(e.h.config))
      .map((t) => JSON.parse(t) as Record<string, unknown>)
      .filter((i) => String(i.PK).startsWith('DELETEDUSER#'));
    expect(tombstones.map((t) => Object.keys(t).sort())).to.deep.include([
      'CompletedAt',
      'Entity',
      'PK',
      'RequestedAt',
      'SK',
    ]);

    // Every grant revoked at its provider; the other account's still work.
    for (const provider of ['garmin', 'strava', 'google_fit'] as const) {
      const grants = e.h.stack.sandbox.oauth[provider];
      expect(
        grants.grants(a.person.sandboxUserId).active,
        `${provider} grants of the deleted account`,
      ).to.equal(0);
      expect(
        grants.grants(b.person.sandboxUserId).active,
        `${provider} grants of the other account`,
      ).to.be.greaterThan(0);
    }
    // The other account: every item, object and secret as before, its poll chain alive.
    expect(await itemKeysOf(b)).to.deep.equal(bKeys);
    expect(await s3Traces(s3, buckets(), b)).to.have.members(bObjects);
    expect(await secretTraces(e.h.config.SECRET_STORE_DIR, b)).to.have.members(bSecrets);
    expect(await redis.exists(`poll:${b.connections.google_fit}`)).to.equal(1);

    // The deleted account's valid token brings nothing back.
    const me = await e.h.request<{ code: string }>('GET', '/v1/users/me', { token: a.token });
    expect(me.status).to.equal(410);
    // A webhook for its Garmin account is accepted and dropped: no owner any more, no job.
    const unknownBefore = w.coalescer!.stats.unknownOwners;
    const ping = await sendGarminPing(
      e.h.api.url,
      e.h.stack.endpoints.sandbox,
      'activities',
      a.person.providerUserIds.garmin,
    );
    expect(ping.status).to.equal(200);
    await until(() => w.coalescer!.stats.unknownOwners > unknownBefore, 20_000, 'the webhook to be dropped');
    expect(w.coalescer!.stats.jobs).to.equal(0);

    // Asked again: the same answer, one more (idempotent) run, the same state.
    const first = await deletionOf(a.userId);
    const again = await deleteAccount(a);
    expect(again.requestedAt).to.equal(first!.requestedAt);
    await until(() => w.accountDeletion.completed >= 2, 30_000, 'the repeated request to be handled');
    expect((await deletionOf(a.userId))?.completedAt).to.equal(first!.completedAt);
    await expectErased(a);
    expect(await itemKeysOf(b)).to.deep.equal(bKeys);
  });

  it('ends in the same state after a worker dies in the middle of a deletion, and after a second delivery', async () => {
    await runWorker();
    const c = await accountWithData(e, s3, redis, false);
    alsoDeleted.push(c);
    await stopWorker();

    // A worker in a process of its own, its DynamoDB calls through a proxy that holds the first
    // batch of the partition's deletes (step 2, after the connections were removed and revoked).
    const proxy = await DynamoFaultProxy.start();
    proxy.forwardTo(e.h.config.DYNAMODB_ENDPOINT!);
    const held = proxy.hold({
      operation: 'BatchWriteItem',
      body: (text) => text.includes(`USER#${c.userId}`) && text.includes('LEDGER#'),
    });
    const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', 'worker/main.ts'], {
      env: {
        ...process.env,
        ...e.workerEnv,
        ...clockEnvForChild(),
        DYNAMODB_ENDPOINT: proxy.url,
        LOG_LEVEL: 'silent',
      },
      stdio: 'ignore',
    });
    const exited = new Promise((resolve) => child.once('exit', resolve));
    try {
      await deleteAccount(c);
      await Promise.race([
        held.caught,
        sleep(60_000).then(() => {
          throw new Error('the deletion never reached the partition');
        }),
      ]);
      expect(e.h.stack.sandbox.oauth.strava.grants(c.person.sandboxUserId).active).to.equal(0);
      expect((await deletionOf(c.userId))?.completedAt).to.equal(undefined);
      child.kill('SIGKILL');
      await exited;
    } finally {
      held.release();
      child.kill('SIGKILL');
      await proxy.stop();
    }

    // Another worker gets the message again when its visibility lapses, and finishes.
    const w = await runWorker();
    await waitUntilDeleted(c);
    await expectErased(c);
    expect(await itemKeysOf(b)).to.deep.equal(bKeys);

    // A second delivery of the same request: one more run, the same state.
    const sqs = createSqsJsonClient(e.h.config);
    try {
      const producer = new SqsMessageProducer(sqs, { userDeletion: e.h.config.USER_DELETION_QUEUE_URL! }, 0);
      await producer.send('userDeletion', { userId: c.userId, requestedAt: clock.date().toISOString() });
    } finally {
      sqs.destroy();
    }
    await until(() => w.accountDeletion.completed >= 2, 30_000, 'the second delivery to be handled');
    await expectErased(c);
    expect(await itemKeysOf(b)).to.deep.equal(bKeys);
  });

  it('retries a revocation the provider cannot take, then deletes the tokens anyway', async () => {
    const w = worker!.worker;
    const user = await connectedUser(e, ['strava']);
    const [connection] = await e.h.connections.listByUser(user.userId);
    const account: Account = {
      userId: user.userId,
      token: user.token,
      person: user.person,
      connections: user.connections,
      ids: [connection!.connectionId],
      secretRefs: [connection!.credentialRef!],
      providerUserIds: [user.person.providerUserIds.strava],
    };
    alsoDeleted.push(account);
    const sandbox = e.h.stack.sandbox;
    const faultsBefore = sandbox.faults.applied.status;
    const abandonedBefore = w.accountDeletion.revocationsAbandoned;
    sandbox.faults.add({
      provider: 'strava',
      kind: 'status',
      status: 503,
      pathPrefix: '/oauth/deauthorize',
      times: Number.POSITIVE_INFINITY,
    });
    try {
      await deleteAccount(account);
      await waitUntilDeleted(account, 60_000);
    } finally {
      sandbox.faults.clear();
    }
    // Asked more than once (the removal, then at least one retry), given up after the window.
    expect(sandbox.faults.applied.status - faultsBefore).to.be.at.least(2);
    expect(w.accountDeletion.revocationsAbandoned - abandonedBefore).to.equal(1);
    // The grant still works at Strava (nobody could end it), but SyncWell holds no token any more.
    expect(sandbox.oauth.strava.grants(user.person.sandboxUserId).active).to.be.greaterThan(0);
    await expectErased(account);
  });

  it('leaves no message of a deleted account on any queue', async () => {
    await stopWorker();
    const bodies = await drainQueues(e.h.sqs, 5000);
    for (const account of [a, ...alsoDeleted])
      expect(bodies.filter((body) => mentions(body, account))).to.deep.equal([]);
    // The other account's poll chain was still running: the search does see live accounts.
    expect(bodies.some((body) => mentions(body, b))).to.equal(true);
  });
});
