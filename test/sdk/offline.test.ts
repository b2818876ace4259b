// The offline action queue against the real local API: queueing while offline (durably, in a file),
// replay in creation order with the stored keys, 404 discard, refresh after draining, and a crash
// (SIGKILL) mid-replay that neither loses an action nor applies one twice.
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import {
  MemoryOfflineActionStore,
  createSyncWellClient,
  type OfflineAction,
  type SyncWellEvent,
} from '../../client-sdk/dist/index.js';
import { FileOfflineActionStore } from '../../client-sdk/dist/node.js';
import { startHarness, type Harness } from '../support/harness.js';
import { connectionRefused, observingFetch, signedInUser } from './support.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('client SDK offline queue', () => {
  let h: Harness;
  let dir: string;
  before(async () => {
    h = await startHarness();
    dir = await mkdtemp(join(tmpdir(), 'syncwell-sdk-'));
  });
  after(async () => {
    await h?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  /** A client whose network can be switched off (connection refused before reaching the server). */
  async function offlineCapableClient(storePath: string) {
    const u = await signedInUser(h);
    let online = false;
    const observed = observingFetch(() => (online ? undefined : connectionRefused()));
    const events: SyncWellEvent[] = [];
    const store = new FileOfflineActionStore(storePath);
    const client = createSyncWellClient({
      baseUrl: h.api.url,
      getToken: u.getToken,
      fetch: observed.fetch,
      retry: { maxAttempts: 2, baseDelayMs: 5, maxDelayMs: 20 },
      offlineQueue: store,
      onEvent: (e) => events.push(e),
    });
    return { u, client, store, observed, events, goOnline: () => (online = true) };
  }

  /** Queues three actions: create a config, delete `doomedConfigId`, create a sync job. */
  async function queueThree(
    client: ReturnType<typeof createSyncWellClient>,
    u: Awaited<ReturnType<typeof signedInUser>>,
    doomedConfigId: string,
  ) {
    const created = await client.queueable.createSyncConfig({
      sourceConnectionId: u.strava.connectionId,
      destinationConnectionId: u.fitbit.connectionId,
      dataType: 'workout',
    });
    const deleted = await client.queueable.deleteSyncConfig(doomedConfigId);
    const job = await client.queueable.createSyncJob({
      sourceConnectionId: u.fitbit.connectionId,
      destinationConnectionId: u.strava.connectionId,
      dataType: 'workout',
      mode: 'manual',
    });
    const actions: OfflineAction[] = [];
    for (const r of [created, deleted, job]) {
      expect(r.queued).to.equal(true);
      if (r.queued) actions.push(r.action);
    }
    return actions;
  }

  it('queues state-changing calls while offline and replays them in order with the stored keys', async () => {
    const storePath = join(dir, 'queue-1.json');
    const { u, client, observed, events, goOnline } = await offlineCapableClient(storePath);
    const doomed = await h.syncConfig(u.userId, u.garmin.connectionId, u.fitbit.connectionId, 'steps');

    const actions = await queueThree(client, u, doomed.configId);
    expect(actions.map((a) => a.endpoint)).to.deep.equal([
      'POST /v1/sync-configs',
      `DELETE /v1/sync-configs/${doomed.configId}`,
      'POST /v1/sync-jobs',
    ]);
    for (const a of actions) {
      expect(a.id).to.match(UUID);
      expect(a.idempotencyKey).to.match(UUID);
      expect(a.createdAt).to.be.a('number');
    }
    expect(JSON.parse(actions[0]!.payload)).to.include({ dataType: 'workout' });
    expect(actions[1]!.payload).to.equal('');
    // Each queued call was attempted (and retried) with one key, the key the action keeps.
    expect(observed.seen.map((r) => r.idempotencyKey)).to.deep.equal(
      actions.flatMap((a) => [a.idempotencyKey, a.idempotencyKey]),
    );
    expect(events.filter((e) => e.type === 'action_queued')).to.have.length(3);

    // Durable: a new store object on the same file (a restarted app) sees the same three actions.
    expect(await new FileOfflineActionStore(storePath).list()).to.deep.equal(actions);
    const onDisk = JSON.parse(await readFile(storePath, 'utf8')) as { actions: OfflineAction[] };
    expect(onDisk.actions.map((a) => a.id)).to.deep.equal(actions.map((a) => a.id));

    // Meanwhile another device deletes the config the second action deletes.
    const removed = await h.request('DELETE', `/v1/sync-configs/${doomed.configId}`, { token: u.token });
    expect(removed.status).to.equal(204);

    goOnline();
    observed.seen.length = 0;
    const summary = await client.replayOfflineActions();
    const replayedKeys = observed.seen.filter((r) => r.method !== 'GET').map((r) => r.idempotencyKey);
    expect(replayedKeys).to.deep.equal(actions.map((a) => a.idempotencyKey));
    expect(summary.sent.map((s) => [s.action.id, s.status])).to.deep.equal([
      [actions[0]!.id, 201],
      [actions[2]!.id, 202],
    ]);
    expect(summary.discarded).to.have.length(1);
    expect(summary.discarded[0]!.action.id).to.equal(actions[1]!.id);
    expect(summary.discarded[0]!.error).to.include({ status: 404, code: 'not_found' });
    expect(events.some((e) => e.type === 'replay_discarded')).to.equal(true);
    expect(summary.stopped).to.equal(undefined);
    expect(summary.remaining).to.deep.equal([]);
    expect(await new FileOfflineActionStore(storePath).list()).to.deep.equal([]);

    // The refresh after draining is the server's state.
    expect(summary.refreshed?.connections).to.have.length(3);
    expect(summary.refreshed?.syncConfigs.map((c) => c.dataType)).to.deep.equal(['workout']);
    const jobs = await client.listSyncJobs();
    expect(jobs.syncJobs).to.have.length(1);
  });

  it('stops at a failure it cannot judge and keeps that action and the later ones', async () => {
    const storePath = join(dir, 'queue-2.json');
    const { u, client, goOnline, store } = await offlineCapableClient(storePath);
    const doomed = await h.syncConfig(u.userId, u.garmin.connectionId, u.fitbit.connectionId, 'steps');
    const actions = await queueThree(client, u, doomed.configId);
    // Still offline: replay stops at the first action and keeps all three.
    const offline = await client.replayOfflineActions();
    expect(offline.stopped?.action.id).to.equal(actions[0]!.id);
    expect(offline.remaining.map((a) => a.id)).to.deep.equal(actions.map((a) => a.id));
    expect(offline.refreshed).to.equal(undefined);
    goOnline();
    const online = await client.replayOfflineActions();
    expect(online.sent).to.have.length(3);
    expect(await store.list()).to.deep.equal([]);
  });

  it('queues without a request when the client is marked offline (memory store)', async () => {
    const u = await signedInUser(h);
    const observed = observingFetch();
    const store = new MemoryOfflineActionStore();
    const client = createSyncWellClient({
      baseUrl: h.api.url,
      getToken: u.getToken,
      fetch: observed.fetch,
      offlineQueue: store,
    });
    client.setOffline(true);
    const r = await client.queueable.updateUserSettings({ settings: { unitSystem: 'imperial' }, version: 1 });
    expect(r.queued).to.equal(true);
    expect(observed.seen).to.have.length(0);
    expect(await store.list()).to.have.length(1);
    client.setOffline(false);
    const summary = await client.replayOfflineActions();
    expect(summary.sent).to.have.length(1);
    const { data } = await client.getUserSettings();
    expect(data.settings.unitSystem).to.equal('imperial');
    // Online, a queueable call is just sent.
    const sent = await client.queueable.createSyncConfig({
      sourceConnectionId: u.strava.connectionId,
      destinationConnectionId: u.fitbit.connectionId,
      dataType: 'workout',
    });
    expect(sent.queued).to.equal(false);
    if (!sent.queued) expect(sent.result.etag).to.equal('"1"');
    expect(await store.list()).to.deep.equal([]);
  });

  it('survives a crash (SIGKILL) mid-replay: every action applied exactly once, none lost, stored keys', async () => {
    const storePath = join(dir, 'queue-crash.json');
    const { u, client, goOnline, observed } = await offlineCapableClient(storePath);
    const first = await client.queueable.createSyncConfig({
      sourceConnectionId: u.strava.connectionId,
      destinationConnectionId: u.fitbit.connectionId,
      dataType: 'workout',
    });
    const second = await client.queueable.createSyncConfig({
      sourceConnectionId: u.garmin.connectionId,
      destinationConnectionId: u.fitbit.connectionId,
      dataType: 'weight',
    });
    const third = await client.queueable.createSyncJob({
      sourceConnectionId: u.fitbit.connectionId,
      destinationConnectionId: u.strava.connectionId,
      dataType: 'workout',
      mode: 'manual',
    });
    const actions = [first, second, third].map((r) => {
      if (!r.queued) throw new Error('expected a queued action');
      return r.action;
    });

    const child = spawn(
      process.execPath,
      ['--import', 'tsx', 'test/sdk/fixtures/replayChild.ts', h.api.url, storePath, u.token],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const exit = await new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
      child.on('exit', (code, signal) => resolve({ code, signal })),
    );
    expect(exit.signal, stderr).to.equal('SIGKILL');
    expect(stdout.trim()).to.equal(`replayed ${actions[0]!.idempotencyKey}`);

    // The server applied the first action, but the crash left all three queued with their keys.
    const afterCrash = await new FileOfflineActionStore(storePath).list();
    expect(afterCrash).to.deep.equal(actions);
    const midway = await h.request<{ syncConfigs: unknown[] }>('GET', '/v1/sync-configs', { token: u.token });
    expect(midway.body.syncConfigs).to.have.length(1);

    goOnline();
    observed.seen.length = 0;
    const summary = await client.replayOfflineActions();
    expect(summary.stopped?.error, String(summary.stopped?.error)).to.equal(undefined);
    expect(observed.seen.filter((r) => r.method !== 'GET').map((r) => r.idempotencyKey)).to.deep.equal(
      actions.map((a) => a.idempotencyKey),
    );
    expect(summary.sent.map((s) => s.action.id)).to.deep.equal(actions.map((a) => a.id));
    expect(summary.discarded).to.deep.equal([]);
    expect(summary.remaining).to.deep.equal([]);
    // Exactly once: two configs (the first one not duplicated by the second replay) and one job.
    expect(summary.refreshed?.syncConfigs.map((c) => c.dataType).sort()).to.deep.equal(['weight', 'workout']);
    expect((await client.listSyncJobs()).syncJobs).to.have.length(1);
  });
});
