// The sockets this API process holds, by user, and the per-user limit. A slot is reserved when an
// upgrade is authenticated (before the asynchronous steps that follow), so concurrent upgrades of one
// user cannot pass the limit together. The limit is per process: it bounds what one user can hold
// of this process's memory and file descriptors (fleet-wide limits belong to the edge).
import type { SocketSession } from './socketSession.js';

export class SessionRegistry {
  private readonly byUser = new Map<string, Set<SocketSession>>();
  private readonly reserved = new Map<string, number>();

  constructor(private readonly maxPerUser: number) {}

  /** Takes a slot for an upgrade in progress; false when the user is at the limit. */
  reserve(userId: string): boolean {
    const open = this.byUser.get(userId)?.size ?? 0;
    const pending = this.reserved.get(userId) ?? 0;
    if (open + pending >= this.maxPerUser) return false;
    this.reserved.set(userId, pending + 1);
    return true;
  }

  /** Gives back a slot whose upgrade did not complete. */
  unreserve(userId: string): void {
    const pending = (this.reserved.get(userId) ?? 0) - 1;
    if (pending > 0) this.reserved.set(userId, pending);
    else this.reserved.delete(userId);
  }

  /** The reserved slot becomes an open socket. */
  add(session: SocketSession): void {
    const { userId } = session.user;
    this.unreserve(userId);
    let sessions = this.byUser.get(userId);
    if (!sessions) this.byUser.set(userId, (sessions = new Set()));
    sessions.add(session);
  }

  remove(session: SocketSession): boolean {
    const sessions = this.byUser.get(session.user.userId);
    if (!sessions?.delete(session)) return false;
    if (sessions.size === 0) this.byUser.delete(session.user.userId);
    return true;
  }

  ofUser(userId: string): Iterable<SocketSession> {
    return this.byUser.get(userId) ?? [];
  }

  /** Users with at least one socket here. */
  users(): Iterable<string> {
    return this.byUser.keys();
  }

  *all(): Iterable<SocketSession> {
    for (const sessions of this.byUser.values()) yield* sessions;
  }

  get size(): number {
    let n = 0;
    for (const sessions of this.byUser.values()) n += sessions.size;
    return n;
  }
}
