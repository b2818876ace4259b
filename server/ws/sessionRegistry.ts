// The sockets this API process holds, by user: whom a job update or an account deletion concerns,
// what the heartbeat walks, what shutdown closes. The per-user limit is not counted here but across
// the fleet, in Redis (core/realtime/socketLeases.ts, reserved in webSocketLane.ts).
import type { SocketSession } from './socketSession.js';

export class SessionRegistry {
  private readonly byUser = new Map<string, Set<SocketSession>>();

  add(session: SocketSession): void {
    const { userId } = session.user;
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
