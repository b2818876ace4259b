// Two promises of the sync engine that cut across everything: no raw health data is persisted
// anywhere (DynamoDB, Redis, logs), and without Redis the worker makes no third-party call and
// loses nothing — jobs wait in the queue and finish once Redis is back.
import type { ChildProcess } from 'node:child_process';
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { expect } from 'chai';
import { Redis } from 'ioredis';
import { createDocumentClient } from '../../core/store/dynamoClient.js';
import type { Persona } from '../../infra/local/sandbox/persona.js';
import { startRedis, type RedisHandle } from '../../infra/local/redis.js';
import {
  connectedUser,
  createSyncConfig,
  inJobWindow,
  requestSync,
  startE2E,
  waitForJob,
  type E2E,
  spawnWorkerProcess,
} from './support.js';

/** Values only a copy of the person's health records could contain. */
function fingerprints(persona: Persona): string[] {
  const values = new Set<string>();
  for (const w of persona.workouts) {
    values.add(w.title);
    values.add(w.device);
    if (w.distanceMeters && !Number.isInteger(w.distanceMeters)) values.add(String(w.distanceMeters));
  }
  for (const w of persona.weights) values.add(`"weightKg"`).add(`${w.weightKg}kg`);
  for (const field of [
    'distanceMeters',
    'heartRateSamples',
    'averageHeartRate',
    'stageSummary',
    'sleepStages',
    'bodyFatPercentage',
    'elevationGainMeters',
  ])
    values.add(`"${field}"`);
  return [...values];
}

function leaks(text: string, persona: Persona): string[] {
  return fingerprints(persona).filter((f) => text.includes(f));
}

async function redisDump(url: string): Promise<string> {
  const redis = new Redis(url);
  try {
    const parts: string[] = [];
    for (const key of await redis.keys('*')) {
      const type = await redis.type(key);
      if (type === 'string') parts.push(key, (await redis.get(key)) ?? '');
      else if (type === 'hash') parts.push(key, JSON.stringify(await redis.hgetall(key)));
      else if (type === 'list') parts.push(key, JSON.stringify(await redis.lrange(key, 0, -1)));
      else if (type === 'set') parts.push(key, JSON.stringify(await redis.smembers(key)));
      else if (type === 'zset') parts.push(key, JSON.stringify(await redis.zrange(key, 0, -1)));
      else parts.push(key, type);
    }
    return parts.join('\n');
  } finally {
    redis.disconnect();
  }
}

describe('no raw health data is persisted (DynamoDB, Redis, logs)', function () {
  this.timeout(120_000);
  let e: E2E;
  let child: ChildProcess | undefined;
  let logs = '';

  before(async () => {
    e = await startE2E({}, { worker: false });
    // A worker process with every log line on, so the scan sees everything it could have logged.
    child = spawnWorkerProcess(e, 'trace', ['ignore', 'pipe', 'pipe']);
    child.stdout!.on('data', (c: Buffer) => (logs += c.toString('utf8')));
    child.stderr!.on('data', (c: Buffer) => (logs += c.toString('utf8')));
  });
  after(async () => {
    child?.kill('SIGTERM');
    await e?.stop();
  });

  it('after real syncs of every data type, none of the records’ contents is in any store or log', async () => {
    const { token, person, connections } = await connectedUser(e, [
      'garmin',
      'strava',
      'fitbit',
      'google_fit',
    ]);
    const runs: [string, string, 'workout' | 'sleep_session' | 'weight' | 'steps'][] = [
      [connections.garmin, connections.strava, 'workout'],
      [connections.fitbit, connections.google_fit, 'sleep_session'],
      [connections.fitbit, connections.google_fit, 'weight'],
      [connections.google_fit, connections.fitbit, 'workout'],
    ];
    let written = 0;
    for (const [source, destination, dataType] of runs) {
      await createSyncConfig(e.h, token, source, destination, dataType);
      const job = await waitForJob(
        e.h,
        token,
        await requestSync(e.h, token, source, destination, dataType),
        60_000,
      );
      expect(job.status, `${dataType}: ${JSON.stringify(job.error)}`).to.equal('SUCCEEDED');
      written += job.result?.recordsWritten ?? 0;
    }
    expect(written, 'the syncs moved real records').to.be.greaterThan(5);
    // The fingerprints are real: the destination sandbox holds them now.
    expect(JSON.stringify(e.h.stack.sandbox.records('strava', person.sandboxUserId, 'workout'))).to.include(
      'Morning Run',
    );

    const db = createDocumentClient(e.h.config);
    let items = '';
    try {
      let start: Record<string, unknown> | undefined;
      do {
        const page = await db.send(
          new ScanCommand({ TableName: e.h.config.TABLE_NAME, ExclusiveStartKey: start }),
        );
        items += JSON.stringify(page.Items ?? []);
        start = page.LastEvaluatedKey;
      } while (start);
    } finally {
      db.destroy();
    }
    expect(items).to.include('LEDGER#'); // the ledger was written: ids and timestamps only
    expect(leaks(items, person.persona), 'DynamoDB').to.deep.equal([]);
    expect(leaks(await redisDump(e.h.config.REDIS_URL), person.persona), 'Redis').to.deep.equal([]);
    expect(logs, 'the worker logged its jobs').to.include('sync succeeded');
    expect(leaks(logs, person.persona), 'worker logs').to.deep.equal([]);
  });
});

describe('degraded mode: Redis unavailable', function () {
  this.timeout(120_000);
  let e: E2E;
  let redis: RedisHandle | undefined;

  before(async () => {
    e = await startE2E({}, { worker: false });
  });
  after(async () => {
    await e?.stop();
    await redis?.stop();
  });

  it('makes no third-party call while Redis is down, keeps the job queued, and finishes it when Redis returns', async () => {
    redis = await startRedis();
    const port = redis.port;
    await e.startWorker({ REDIS_URL: redis.url });
    const { token, person, connections } = await connectedUser(e, ['garmin', 'strava']);
    await redis.stop();
    const before = e.h.stack.sandbox.requestCounts();
    const jobId = await requestSync(e.h, token, connections.garmin, connections.strava, 'workout');
    await new Promise((r) => setTimeout(r, 3000));
    const waiting = await e.h.request<{ status: string }>('GET', `/v1/sync-jobs/${jobId}`, { token });
    expect(waiting.body.status).to.equal('QUEUED');
    expect(e.h.stack.sandbox.requestCounts()).to.deep.equal(before);

    redis = await startRedis({ port });
    const job = await waitForJob(e.h, token, jobId, 60_000);
    expect(job.status).to.equal('SUCCEEDED');
    const inWindow = inJobWindow(job);
    const expected = person.persona.workouts.filter(
      (w) => w.recordedBy.includes('garmin') && !w.recordedBy.includes('strava') && inWindow(w.start),
    );
    expect(
      e.h.stack.sandbox
        .records('strava', person.sandboxUserId, 'workout')
        .filter((v) => v.createdBy === 'api'),
    ).to.have.length(expected.length);
  });
});
