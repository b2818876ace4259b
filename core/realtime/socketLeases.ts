// The per-user WebSocket limit across every API process (seed §2.9): one Redis sorted set per user
// (`ws:conns:{userId}`, core/cache/redisKeys.ts), whose members are the ids of the user's sockets and
// whose scores are when their leases run out (epoch ms, from the process clock). A slot is taken
// atomically (one script drops the expired leases, counts the others and adds one only under the
// limit), renewed at each heartbeat by the process holding the socket and given back when it closes.
// A process that dies renews nothing: its sockets stop counting when their leases run out.
import { createHash } from 'node:crypto';
import type { Redis } from '../cache/redis.js';
import { socketLeasesKey } from '../cache/redisKeys.js';
import { clock } from '../clock/clock.js';

/** A lease outlives this many heartbeats: a renewal or two may be missed without losing the slot. */
export const LEASE_HEARTBEATS = 3;
/** Never shorter: an event loop busy for a moment must not drop live sockets from the count. */
export const MIN_LEASE_MS = 10_000;

/** The lease for a lane that renews every `heartbeatMs`. */
export const leaseMsFor = (heartbeatMs: number): number =>
  Math.max(LEASE_HEARTBEATS * heartbeatMs, MIN_LEASE_MS);

// KEYS[1]: the user's leases. ARGV: now, the new lease's expiry, the limit, its connection id, the
// key's time to live (ms). Returns 1 when the lease was taken, 0 when the user is at the limit.
const RESERVE_SCRIPT = `
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[3]) then return 0 end
redis.call('ZADD', KEYS[1], ARGV[2], ARGV[4])
if redis.call('PTTL', KEYS[1]) < tonumber(ARGV[5]) then redis.call('PEXPIRE', KEYS[1], ARGV[5]) end
return 1
`;

// KEYS[1]: the user's leases. ARGV: the new expiry, the key's time to live (ms), then the connection
// ids. A lease Redis no longer holds (flushed, failed over, expired during a long pause) is added
// again: the socket is open, so it counts; only the process holding a socket renews it, and its
// release is sent after its last renewal on the same connection, so a closed socket never comes
// back. Returns how many leases were added again.
const RENEW_SCRIPT = `
local added = 0
for i = 3, #ARGV do added = added + redis.call('ZADD', KEYS[1], ARGV[1], ARGV[i]) end
if redis.call('PTTL', KEYS[1]) < tonumber(ARGV[2]) then redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return added
`;

interface Script {
  source: string;
  sha: string;
}

const script = (source: string): Script => ({
  source,
  sha: createHash('sha1').update(source).digest('hex'),
});
const RESERVE = script(RESERVE_SCRIPT);
const RENEW = script(RENEW_SCRIPT);

/** Redis could not answer: the caller cannot know the user's count. */
export class SocketLeasesUnavailableError extends Error {
  override readonly name = 'SocketLeasesUnavailableError';
}

export interface SocketLeasesOptions {
  /** A connection for commands (not one in subscriber mode). */
  redis: Redis;
  /** How long a lease lasts without renewal (see leaseMsFor). */
  leaseMs: number;
  /** Where lease times come from: the process clock unless a test drives its own. */
  now?: () => number;
  /** A command not answered by then fails (a half-open connection must not hold an upgrade). */
  timeoutMs?: number;
}

export class SocketLeases {
  private readonly now: () => number;
  private readonly timeoutMs: number;

  constructor(private readonly o: SocketLeasesOptions) {
    this.now = o.now ?? clock.now;
    this.timeoutMs = o.timeoutMs ?? 2000;
  }

  get leaseMs(): number {
    return this.o.leaseMs;
  }

  /**
   * Takes one of the user's `limit` slots for `connectionId`; false when the user already holds
   * `limit` live leases. Throws SocketLeasesUnavailableError when Redis does not answer.
   */
  async reserve(userId: string, connectionId: string, limit: number): Promise<boolean> {
    const now = Math.floor(this.now());
    try {
      const taken = await this.run(RESERVE, socketLeasesKey(userId), [
        now,
        now + this.o.leaseMs,
        limit,
        connectionId,
        this.o.leaseMs,
      ]);
      return taken === 1;
    } catch (error) {
      // The script may still have run (a timeout): the lease goes once the connection answers again,
      // or runs out.
      void this.release(userId, connectionId);
      throw error;
    }
  }

  /** Extends the leases of the sockets still open, by user; returns how many Redis had lost. */
  async renew(
    connections: Iterable<readonly [userId: string, connectionIds: readonly string[]]>,
  ): Promise<number> {
    const expiresAt = Math.floor(this.now()) + this.o.leaseMs;
    const renewals: Promise<unknown>[] = [];
    for (const [userId, ids] of connections)
      if (ids.length)
        renewals.push(this.run(RENEW, socketLeasesKey(userId), [expiresAt, this.o.leaseMs, ...ids]));
    const added = await Promise.all(renewals);
    return added.reduce<number>((sum, n) => sum + Number(n), 0);
  }

  /** Gives a slot back. Never throws: a lease that could not be removed runs out on its own. */
  async release(userId: string, connectionId: string): Promise<boolean> {
    try {
      return (await this.withTimeout(this.o.redis.zrem(socketLeasesKey(userId), connectionId))) === 1;
    } catch {
      return false;
    }
  }

  /** EVALSHA, loading the script on NOSCRIPT (EVAL caches it). */
  private run(s: Script, key: string, args: (string | number)[]): Promise<unknown> {
    const call = async () => {
      try {
        return await this.o.redis.evalsha(s.sha, 1, key, ...args);
      } catch (error) {
        if (error instanceof Error && error.message.startsWith('NOSCRIPT'))
          return await this.o.redis.eval(s.source, 1, key, ...args);
        throw error;
      }
    };
    return this.withTimeout(call());
  }

  private async withTimeout<T>(command: Promise<T>): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(
            new SocketLeasesUnavailableError(
              `socket leases: Redis did not answer within ${this.timeoutMs} ms`,
            ),
          ),
        this.timeoutMs,
      );
    });
    try {
      return await Promise.race([command, timeout]);
    } catch (error) {
      if (error instanceof SocketLeasesUnavailableError) throw error;
      throw new SocketLeasesUnavailableError(`socket leases unavailable: ${(error as Error).message}`, {
        cause: error,
      });
    } finally {
      clearTimeout(timer);
    }
  }
}
