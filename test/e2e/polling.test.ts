// Adaptive polling with pre-flight checks end to end (seed §3f), for Google Fit, which has no
// webhooks: a sync starts the connection's poll chain; due checks ask Google Fit one cheap question
// and enqueue nothing while nothing changed; long waits hop through the queue; a session recorded
// on the phone is found by the next check, which enqueues exactly one full sync that writes it to
// Strava; a newer chain replaces an older one. Intervals are seconds here instead of minutes.
import { expect } from 'chai';
import type { SyncJob } from '../../core/domain/types.js';
import { providerEndpoints } from '../../core/providers/endpoints.js';
import { issueTokens } from '../../infra/local/sandbox/testTokens.js';
import type { PreflightStats } from '../../worker/polling/preflightChecker.js';
import {
  connectedUser,
  createSyncConfig,
  inJobWindow,
  requestSync,
  startE2E,
  waitForJob,
  type E2E,
} from './support.js';
import { clock } from '../../core/clock/clock.js';

async function until(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 30_000) {
  const deadline = clock.now() + timeoutMs;
  while (!(await check())) {
    if (clock.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('adaptive polling with pre-flight checks end to end', function () {
  this.timeout(120_000);
  let e: E2E;
  let stats: PreflightStats;

  before(async () => {
    e = await startE2E({
      POLL_MIN_INTERVAL_SECONDS: '1',
      POLL_MAX_INTERVAL_SECONDS: '6',
      POLL_MAX_HOP_SECONDS: '2',
    });
    stats = e.worker!.worker.preflight!.stats;
  });
  after(async () => {
    await e?.stop();
  });

  it('checks cheaply while nothing changes and syncs exactly once when a new session appears', async () => {
    const { token, person, connections } = await connectedUser(e, ['google_fit', 'strava'], 'poller');
    const source = connections.google_fit;
    await createSyncConfig(e.h, token, source, connections.strava, 'workout');
    const redis = e.worker!.worker.redis;

    // The first sync (a manual one) starts the chain: the connection's next check is in Redis.
    const first = await waitForJob(
      e.h,
      token,
      await requestSync(e.h, token, source, connections.strava, 'workout'),
    );
    expect(first.status).to.equal('SUCCEEDED');
    await until('a scheduled check', async () => (await redis.hget(`poll:${source}`, 'next')) !== null);

    // Idle: several checks, growing apart (and hopping once waits exceed 2 s), and no job.
    const before = { ...stats };
    const gfCalls = () => e.h.stack.sandbox.requestCounts().google_fit;
    const callsBefore = gfCalls();
    await until('four empty checks', () => stats.checks >= before.checks + 4, 40_000);
    await until('a wait long enough to hop', () => stats.hops > before.hops, 40_000);
    expect(stats.jobs).to.equal(before.jobs);
    expect(stats.checksWithNewData).to.equal(before.checksWithNewData);
    // One light request per check (one data type), nothing else at Google Fit.
    const checks = stats.checks - before.checks;
    expect(gfCalls() - callsBefore).to.be.within(checks, checks + 1);
    const stravaBefore = e.h.stack.sandbox.records('strava', person.sandboxUserId, 'workout').length;

    // Right after a check, the phone records a run.
    const checksNow = stats.checks;
    await until('the next check', () => stats.checks > checksNow, 20_000);
    const end = clock.now();
    const start = end - 40 * 60_000;
    const grant = issueTokens(e.h.stack.sandbox, 'google_fit', person.sandboxUserId);
    const base = providerEndpoints('google_fit', e.h.config.PROVIDER_SANDBOX_URL).apiBaseUrl;
    const put = await fetch(`${base}/users/me/sessions/run-${start}`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${grant.accessToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        id: `run-${start}`,
        name: 'Lunch run',
        startTimeMillis: String(start),
        endTimeMillis: String(end),
        activityType: 8,
        application: { packageName: 'com.google.android.apps.fitness' },
      }),
    });
    expect(put.status).to.equal(200);

    await until('a check that finds it and enqueues its job', () => stats.jobs > before.jobs, 20_000);
    expect(stats.jobs).to.equal(before.jobs + 1);
    expect(stats.checksWithNewData).to.equal(before.checksWithNewData + 1);
    let pollJob: SyncJob | undefined;
    await until('the poll-triggered job', async () => {
      const list = await e.h.request<{ syncJobs: SyncJob[] }>('GET', '/v1/sync-jobs', { token });
      pollJob = list.body.syncJobs.find((j) => j.trigger === 'poll');
      return pollJob?.status === 'SUCCEEDED';
    });
    // Skipped: what the first sync already wrote and the poll job's window (the watermark less the
    // overlap) reads again.
    const inWindow = inJobWindow(pollJob!);
    const alreadyWritten = person.persona.workouts.filter(
      (w) => w.recordedBy.includes('google_fit') && inWindow(w.start),
    );
    expect(pollJob!.result).to.deep.include({ recordsWritten: 1, recordsSkipped: alreadyWritten.length });
    const strava = e.h.stack.sandbox.records('strava', person.sandboxUserId, 'workout');
    expect(strava).to.have.length(stravaBefore + 1);
    expect(strava.filter((v) => Math.abs(Date.parse(v.startTime) - start) < 1000)).to.have.length(1);

    // The chain goes on (active again: short waits), and finds nothing more.
    const afterJob = stats.checks;
    await until('two more checks', () => stats.checks >= afterJob + 2, 20_000);
    expect(stats.jobs).to.equal(before.jobs + 1);
  });

  it('keeps one chain per connection: a newer schedule replaces the older chain', async () => {
    const { token, connections } = await connectedUser(e, ['google_fit', 'strava'], 'two-chains');
    const source = connections.google_fit;
    await createSyncConfig(e.h, token, source, connections.strava, 'workout');
    const redis = e.worker!.worker.redis;
    await waitForJob(e.h, token, await requestSync(e.h, token, source, connections.strava, 'workout'));
    await until('a scheduled check', async () => (await redis.hget(`poll:${source}`, 'next')) !== null);
    const firstChain = await redis.hget(`poll:${source}`, 'next');
    // A second sync schedules a second chain; the first is dropped at its next hop.
    const superseded = stats.superseded;
    await waitForJob(e.h, token, await requestSync(e.h, token, source, connections.strava, 'workout'));
    await until('a new chain head', async () => (await redis.hget(`poll:${source}`, 'next')) !== firstChain);
    await until('the old chain dropped', () => stats.superseded > superseded, 20_000);
  });

  it('ends the chain of a connection that nothing syncs from any more', async () => {
    const { token, connections } = await connectedUser(e, ['google_fit', 'strava'], 'leaver');
    const source = connections.google_fit;
    const config = await createSyncConfig(e.h, token, source, connections.strava, 'workout');
    const redis = e.worker!.worker.redis;
    await waitForJob(e.h, token, await requestSync(e.h, token, source, connections.strava, 'workout'));
    await until('a scheduled check', async () => (await redis.hget(`poll:${source}`, 'next')) !== null);
    const stopped = stats.stopped;
    const removed = await e.h.request('DELETE', `/v1/sync-configs/${config}`, { token });
    expect(removed.status, removed.text).to.equal(204);
    await until('the chain ended', () => stats.stopped > stopped, 20_000);
    expect(await redis.exists(`poll:${source}`)).to.equal(0);
  });
});
