// The per-user WebSocket limit across API processes (seed §2.9, issue 12): two real API processes on
// the harness's redis-server share one count, kept as leases in Redis (core/realtime/socketLeases.ts).
// Lease expiry is reached by moving the process clock, never by waiting for it.
import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import { createRedis, waitForRedis, type Redis } from '../../core/cache/redis.js';
import { socketLeasesKey } from '../../core/cache/redisKeys.js';
import { clock, startProcessClockAt } from '../../core/clock/clock.js';
import { createLogger } from '../../core/logging/logger.js';
import { leaseMsFor, SocketLeases } from '../../core/realtime/socketLeases.js';
import { startApi, type RunningApi } from '../../server/main.js';
import { testEnv } from '../support/harness.js';
import { refusedUpgrade, TestSocket, type Refusal } from '../support/wsClient.js';
import { getHarness } from './hooks.js';

const logger = createLogger({ level: 'silent', service: 'test' });
const LIMIT = 3;
const HEARTBEAT_MS = 1000;
const LEASE_MS = leaseMsFor(HEARTBEAT_MS);

/** Until `predicate` holds (polls briefly; no wall-clock assertion). */
async function until(predicate: () => Promise<boolean>, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!(await predicate())) {
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('WebSocket per-user limit across API processes', function () {
  this.timeout(60_000);
  const h = () => getHarness();
  let a: RunningApi;
  let b: RunningApi;
  let redis: Redis;
  const sockets: TestSocket[] = [];

  const open = async (api: RunningApi, token: string) => {
    const socket = await TestSocket.open(api.url, { token });
    sockets.push(socket);
    return socket;
  };
  /** The server gives the slot back when its side of the close completes: retried until then. */
  const openOnceFree = async (api: RunningApi, token: string) => {
    let socket: TestSocket | undefined;
    await until(
      () =>
        open(api, token).then(
          (s) => ((socket = s), true),
          () => false,
        ),
      'a free slot',
    );
    return socket!;
  };
  const expectTooMany = (refusal: Refusal) => {
    expect(refusal.status).to.equal(429);
    expect(refusal.headers['retry-after']).to.equal('60');
    expect(refusal.body).to.include({ code: 'too_many_connections', status: 429 });
  };
  const leasesOf = async (userId: string) => {
    const flat = await redis.zrange(socketLeasesKey(userId), 0, -1, 'WITHSCORES');
    const leases = new Map<string, number>();
    for (let i = 0; i < flat.length; i += 2) leases.set(flat[i]!, Number(flat[i + 1]));
    return leases;
  };

  before(async () => {
    // Two API processes of one fleet, both with the same limit, on the harness's Redis.
    const env = testEnv(h().stack, {
      WS_MAX_CONNECTIONS_PER_USER: String(LIMIT),
      WS_HEARTBEAT_INTERVAL_MS: String(HEARTBEAT_MS),
    });
    [a, b] = await Promise.all([startApi(env), startApi(env)]);
    redis = createRedis(h().config.REDIS_URL, logger, 'test-socket-leases');
    expect(await waitForRedis(redis, 3000)).to.equal(true);
  });

  afterEach(async () => {
    await Promise.all(sockets.splice(0).map((s) => s.close()));
  });

  after(async () => {
    await Promise.allSettled([a?.stop(), b?.stop()]);
    redis?.disconnect();
  });

  it('refuses the (limit+1)-th socket of a user whichever process it asks, and a close frees a slot for the other', async () => {
    const userId = h().newUserId('wsfleet');
    const token = await h().token(userId);
    const onA = [await open(a, token), await open(a, token)];
    await open(b, token);
    expectTooMany(await refusedUpgrade(a.url, { token }));
    expectTooMany(await refusedUpgrade(b.url, { token }));
    expect((await leasesOf(userId)).size).to.equal(LIMIT);
    // Another user is not affected.
    await open(b, await h().token(h().newUserId('wsfleet')));

    // Closed on A, the slot is free on B; then the user is at the limit again, on both.
    await onA[0]!.close();
    await openOnceFree(b, token);
    expectTooMany(await refusedUpgrade(a.url, { token }));
    expectTooMany(await refusedUpgrade(b.url, { token }));
    // Each socket is one lease, under the id of its session.
    expect((await leasesOf(userId)).size).to.equal(LIMIT);
  });

  it('takes no more than the limit when upgrades race on both processes', async () => {
    const token = await h().token(h().newUserId('wsfleet'));
    const attempts = await Promise.allSettled(
      Array.from({ length: 4 * LIMIT }, (_, i) => open(i % 2 ? a : b, token)),
    );
    expect(attempts.filter((r) => r.status === 'fulfilled')).to.have.length(LIMIT);
  });

  it("stops counting a dead process's socket once its lease runs out, while live sockets keep theirs", async () => {
    const userId = h().newUserId('wsfleet');
    const token = await h().token(userId);
    // A third process reserved a slot and died: it never renews nor releases.
    const deadProcess = new SocketLeases({ redis, leaseMs: LEASE_MS });
    const deadSocket = randomUUID();
    expect(await deadProcess.reserve(userId, deadSocket, LIMIT)).to.equal(true);
    await open(a, token);
    await open(b, token);
    expectTooMany(await refusedUpgrade(a.url, { token }));

    // Past the dead lease (and past the live ones too until A and B renew them at their heartbeat).
    const shift = LEASE_MS + 1000;
    startProcessClockAt(clock.now() + shift);
    try {
      await until(async () => {
        const live = [...(await leasesOf(userId))].filter(([id]) => id !== deadSocket);
        return live.length === 2 && live.every(([, expiresAt]) => expiresAt > clock.now());
      }, 'both processes to renew their leases');
      // The dead socket's slot is free; the two live sockets still count.
      await open(b, token);
      expectTooMany(await refusedUpgrade(a.url, { token }));
      expectTooMany(await refusedUpgrade(b.url, { token }));
      expect((await leasesOf(userId)).has(deadSocket)).to.equal(false);
    } finally {
      startProcessClockAt(clock.now() - shift);
    }
  });
});
