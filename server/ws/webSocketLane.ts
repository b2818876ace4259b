// The WebSocket lane (seed §2.9, ARCHITECTURE decision 9): `GET /v1/ws` on the API's own HTTP server.
// The seed's API Gateway routes map onto one process:
//   $connect    the upgrade: authenticated like any HTTP call and refused with problem+json (401, 429,
//               503) before a socket exists; then the socket is registered for its user, whose job
//               status channel this process subscribes to.
//   $disconnect the socket's close: unregistered, the channel released with the user's last socket.
//   $default    every frame: parsed, validated against the contract, routed on `action`.
// One timer pings every socket (dropping those that did not answer the last ping), closes idle
// ones and those whose token has expired, and renews the leases that count the sockets towards the
// per-user limit of the whole fleet (core/realtime/socketLeases.ts).
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { decodeJwt } from 'jose';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import type { Config } from '../../core/config/config.js';
import { AppError, serviceUnavailable } from '../../core/errors/AppError.js';
import type { Logger } from '../../core/logging/logger.js';
import { JobStatusSubscriber } from '../../core/realtime/jobStatusSubscriber.js';
import { leaseMsFor, SocketLeases } from '../../core/realtime/socketLeases.js';
import type { Redis } from '../../core/cache/redis.js';
import type { IdempotencyRepository } from '../../core/store/idempotencyRepository.js';
import type { AuthUser, TokenVerifier } from '../auth/tokenVerifier.js';
import type { HandlerDependencies } from '../handlers/dependencies.js';
import { toAppError, toProblem } from '../http/problem.js';
import type { RequestBudget } from '../middleware/rateLimit.js';
import { accountDeleted } from '../middleware/accountGate.js';
import { clock } from '../../core/clock/clock.js';
import { INVALIDATE_ALL } from '../../core/cache/userConfigCache.js';
import { CLOSE } from './closeCodes.js';
import { parseClientFrame, type ClientAction, type ClientFrame } from './frames.js';
import { JobSubscriptions } from './jobSubscriptions.js';
import { JobUpdateDelivery, updateFromChange, updateFromRecord } from './jobUpdateDelivery.js';
import { SessionRegistry } from './sessionRegistry.js';
import { SocketSession } from './socketSession.js';
import { SyncRequests, type ForegroundRunner } from './syncRequests.js';
import { authorizationOf, refuseUpgrade, selectProtocol, WS_PATH } from './upgrade.js';

export interface WebSocketLaneOptions {
  config: Config;
  logger: Logger;
  tokenVerifier: TokenVerifier;
  dependencies: HandlerDependencies;
  idempotency: IdempotencyRepository;
  /** A dedicated Redis connection for the job status channels (subscriber mode). */
  subscriberRedis: Redis;
  /** The process's command connection: the per-user socket leases (core/realtime/socketLeases.ts). */
  redis: Redis;
  /** Runs socket-requested syncs in this process when it has room (./foregroundSyncRunner.ts). */
  runner?: ForegroundRunner;
  /** Each user's frame budget across the fleet (lane `ws`, server/middleware/rateLimit.ts). */
  requestBudget: RequestBudget;
}

export interface WebSocketLaneStats {
  opened: number;
  refused: number;
  framesReceived: number;
  framesSent: number;
  /** Sockets closed for a protocol error (4400, 4404, 4422). */
  invalidFrames: number;
  heartbeatTimeouts: number;
  slowConsumers: number;
}

const CORRELATION_ID = /^[A-Za-z0-9._-]{8,128}$/;
/** How long a closing socket may take to complete the close handshake. */
const CLOSE_GRACE_MS = 5_000;

type FrameHandlers = {
  [A in ClientAction]: (
    session: SocketSession,
    frame: Extract<ClientFrame, { action: A }>,
    correlationId: string,
  ) => Promise<void>;
};

export class WebSocketLane {
  readonly stats: WebSocketLaneStats = {
    opened: 0,
    refused: 0,
    framesReceived: 0,
    framesSent: 0,
    invalidFrames: 0,
    heartbeatTimeouts: 0,
    slowConsumers: 0,
  };
  private readonly wss: WebSocketServer;
  private readonly sessions: SessionRegistry;
  private readonly subscriber: JobStatusSubscriber;
  /** The per-user limit, across every API process. */
  private readonly leases: SocketLeases;
  private readonly delivery: JobUpdateDelivery;
  private readonly handlers: FrameHandlers;
  private readonly budget: RequestBudget;
  private heartbeat: NodeJS.Timeout | undefined;
  private closing: Promise<void> | undefined;

  constructor(private readonly o: WebSocketLaneOptions) {
    const { config } = o;
    this.wss = new WebSocketServer({
      noServer: true,
      maxPayload: config.WS_MAX_FRAME_BYTES,
      handleProtocols: selectProtocol,
      perMessageDeflate: false,
      clientTracking: false,
    });
    this.sessions = new SessionRegistry();
    this.leases = new SocketLeases({
      redis: o.redis,
      leaseMs: leaseMsFor(config.WS_HEARTBEAT_INTERVAL_MS),
    });
    this.delivery = new JobUpdateDelivery(o.dependencies.syncJobs, o.logger);
    this.subscriber = new JobStatusSubscriber({
      redis: o.subscriberRedis,
      logger: o.logger,
      onUpdate: (change) => {
        for (const session of this.sessions.ofUser(change.userId))
          this.background(session, this.delivery.apply(session, updateFromChange(change)));
      },
      onResubscribed: () => this.catchUp(),
    });
    // Frames take from a per-user budget of their own, as large as the HTTP one.
    this.budget = o.requestBudget;
    const subscriptions = new JobSubscriptions(
      o.dependencies.syncJobs,
      this.delivery,
      config.WS_MAX_JOBS_PER_CONNECTION,
    );
    const syncRequests = new SyncRequests({
      dependencies: o.dependencies,
      idempotency: o.idempotency,
      delivery: this.delivery,
      maxJobs: config.WS_MAX_JOBS_PER_CONNECTION,
      ...(o.runner ? { runner: o.runner } : {}),
    });
    // A deleted account's sockets close at once here, and in other processes when the deletion's
    // invalidation arrives (each heartbeat asks again, should it have been missed).
    o.dependencies.accountStatus.onChange((userId) => {
      if (userId === INVALIDATE_ALL) for (const user of [...this.sessions.users()]) this.closeIfDeleted(user);
      else this.closeIfDeleted(userId);
    });
    this.handlers = {
      sync: (session, frame, correlationId) => syncRequests.handle(session, frame, correlationId),
      subscribe_job: (session, frame) => subscriptions.subscribe(session, frame),
      unsubscribe_job: (session, frame) => subscriptions.unsubscribe(session, frame),
    };
  }

  /** Serves upgrades on `server` and starts the heartbeat. */
  attach(server: Server): void {
    server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
      void this.connect(req, socket, head).catch((error: unknown) => {
        this.o.logger.error({ err: error }, 'WebSocket upgrade failed');
        socket.destroy();
      });
    });
    this.heartbeat = setInterval(() => this.beat(), this.o.config.WS_HEARTBEAT_INTERVAL_MS);
    this.heartbeat.unref();
  }

  /** Open sockets in this process. */
  get connections(): number {
    return this.sessions.size;
  }

  /** Closes every socket with 1001 (reconnect elsewhere), then the job status channel. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      clearInterval(this.heartbeat);
      const sessions = [...this.sessions.all()];
      await Promise.all(
        sessions.map(
          (session) =>
            new Promise<void>((resolve) => {
              if (session.socket.readyState === session.socket.CLOSED) return resolve();
              session.socket.once('close', () => resolve());
              session.close(CLOSE.goingAway);
            }),
        ),
      );
      this.wss.close();
      this.subscriber.close();
    })();
    return this.closing;
  }

  /** $connect: authenticate, check the limit, subscribe to the user's channel, then upgrade. */
  private async connect(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    // A client that resets during authentication must not take the process down.
    socket.on('error', () => socket.destroy());
    const offered = req.headers['x-correlation-id'];
    const correlationId =
      typeof offered === 'string' && CORRELATION_ID.test(offered) ? offered : randomUUID();
    const refuse = (error: AppError) => {
      this.stats.refused += 1;
      refuseUpgrade(socket, toProblem(error, WS_PATH, correlationId), correlationId);
    };
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    if (path !== WS_PATH)
      return refuse(new AppError(404, 'route_not_found', { params: { method: 'GET', path } }));
    if (this.closing) return refuse(serviceUnavailable(1));

    const authorization = authorizationOf(req);
    let user: AuthUser;
    try {
      user = await this.o.tokenVerifier.authenticate(authorization);
    } catch (error) {
      return refuse(toAppError(error, { method: 'GET', path }, this.o.config.BODY_LIMIT));
    }
    // A deleted account's tokens stay valid for up to an hour: they open nothing.
    try {
      if (await this.o.dependencies.accountStatus.isDeleted(user.userId)) return refuse(accountDeleted());
    } catch (error) {
      return refuse(serviceUnavailable(1, error));
    }
    // Without the channel, the socket would miss its jobs' updates: the app polls HTTP meanwhile.
    if (!this.subscriber.ready) return refuse(serviceUnavailable(5));
    // The per-user limit holds across the fleet: a lease in Redis, taken atomically before the
    // asynchronous steps below, so concurrent upgrades (here or in another process) cannot pass it
    // together. Without Redis the count is unknown: refused like a missing subscriber (503,
    // Retry-After 5) rather than opened uncounted, since the app falls back to polling anyway.
    const limit = this.o.config.WS_MAX_CONNECTIONS_PER_USER;
    const connectionId = randomUUID();
    let reserved: boolean;
    try {
      reserved = await this.leases.reserve(user.userId, connectionId, limit);
    } catch (error) {
      return refuse(serviceUnavailable(5, error));
    }
    if (!reserved)
      return refuse(
        new AppError(429, 'too_many_connections', { params: { limit }, headers: { 'Retry-After': '60' } }),
      );
    try {
      await this.subscriber.add(user.userId);
    } catch (error) {
      void this.leases.release(user.userId, connectionId);
      return refuse(serviceUnavailable(5, error));
    }
    const release = () => {
      void this.leases.release(user.userId, connectionId);
      this.subscriber.remove(user.userId);
    };
    if (socket.destroyed || this.closing) return release();
    // The verified token's own expiry: the socket must not outlive it (4401, reconnect with a fresh one).
    const token = authorization!.slice('Bearer '.length);
    const expiresAtMs = (decodeJwt(token).exp ?? 0) * 1000;
    let opened = false;
    // ws answers a malformed handshake itself (400) and never calls back: give the slot back then.
    socket.once('close', () => {
      if (!opened) release();
    });
    this.wss.handleUpgrade(req, socket, head, (ws) => {
      opened = true;
      this.open(ws, user, expiresAtMs, correlationId, connectionId);
    });
  }

  private open(
    ws: WebSocket,
    user: AuthUser,
    expiresAtMs: number,
    correlationId: string,
    connectionId: string,
  ): void {
    const session = new SocketSession(ws, user, expiresAtMs, {
      id: connectionId,
      maxBufferedBytes: this.o.config.WS_MAX_BUFFERED_BYTES,
      maxJobs: this.o.config.WS_MAX_JOBS_PER_CONNECTION,
      closeGraceMs: CLOSE_GRACE_MS,
      logger: this.o.logger.child({ correlationId }),
      stats: this.stats,
    });
    this.sessions.add(session);
    this.stats.opened += 1;
    ws.on('message', (data: RawData, isBinary: boolean) => this.receive(session, data, isBinary));
    // ws reports a protocol error (an oversized frame: 1009) here, then closes the socket itself.
    ws.on('error', (error) => session.logger.info({ err: error }, 'socket error'));
    ws.on('close', () => this.disconnect(session));
    session.logger.debug('socket opened');
  }

  /** $disconnect: the socket is gone; so is what it followed. */
  private disconnect(session: SocketSession): void {
    if (!this.sessions.remove(session)) return;
    this.subscriber.remove(session.user.userId);
    void this.leases.release(session.user.userId, session.id);
    session.logger.debug('socket closed');
  }

  /** $default: one frame from the app. */
  private receive(session: SocketSession, data: RawData, isBinary: boolean): void {
    this.stats.framesReceived += 1;
    session.lastActivityMs = clock.now();
    const parsed = parseClientFrame(data, isBinary);
    if (!parsed.ok) {
      this.stats.invalidFrames += 1;
      session.logger.info(
        { close: parsed.close.code, reason: parsed.reason },
        'invalid frame: socket closed',
      );
      session.close(parsed.close);
      return;
    }
    const { frame } = parsed;
    const correlationId = randomUUID();
    const handle = async () => {
      await this.budget.take(session.user.userId, session.user.tier);
      const handler = this.handlers[frame.action] as FrameHandlers[ClientAction] as (
        s: SocketSession,
        f: ClientFrame,
        c: string,
      ) => Promise<void>;
      await handler(session, frame, correlationId);
    };
    this.background(session, handle(), { frame, correlationId });
  }

  /** Runs a frame's work; its failure becomes an ErrorFrame (the socket stays open). */
  private background(
    session: SocketSession,
    work: Promise<void>,
    request?: { frame: ClientFrame; correlationId: string },
  ): void {
    work.catch((error: unknown) => {
      const appError = toAppError(error, { method: 'GET', path: WS_PATH }, this.o.config.BODY_LIMIT);
      if (appError.status >= 500) session.logger.error({ err: error }, 'frame failed');
      if (!request) return;
      const { frame, correlationId } = request;
      session.sendProblem(toProblem(appError, WS_PATH, correlationId).body, {
        ...('requestId' in frame && frame.requestId ? { requestId: frame.requestId } : {}),
        ...('jobId' in frame ? { jobId: frame.jobId } : {}),
      });
    });
  }

  /** Closes the user's sockets here with 4410 when the account was deleted (a cached answer, mostly). */
  private closeIfDeleted(userId: string): void {
    if (this.closing) return;
    const sessions = [...this.sessions.ofUser(userId)];
    if (sessions.length === 0) return;
    this.o.dependencies.accountStatus.isDeleted(userId).then(
      (deleted) => {
        if (!deleted) return;
        for (const session of sessions) if (session.isOpen) session.close(CLOSE.accountDeleted);
        this.o.logger.info({ sockets: sessions.length }, 'account deleted: its sockets closed');
      },
      // Unknown for now (DynamoDB unreachable): the next heartbeat asks again.
      (error: unknown) => this.o.logger.warn({ err: error }, 'account status unknown; sockets kept for now'),
    );
  }

  /** Heartbeat, idle timeout and token expiry, for every socket at once. */
  private beat(): void {
    for (const userId of [...this.sessions.users()]) this.closeIfDeleted(userId);
    const now = clock.now();
    for (const session of this.sessions.all()) {
      if (!session.isOpen) continue;
      if (!session.alive) {
        // No pong since the last ping: the peer is gone; no close handshake to wait for.
        this.stats.heartbeatTimeouts += 1;
        session.logger.info('no pong: socket dropped');
        session.socket.terminate();
        continue;
      }
      if (now >= session.tokenExpiresAtMs) {
        session.close(CLOSE.tokenExpired);
        continue;
      }
      if (now - session.lastActivityMs >= this.o.config.WS_IDLE_TIMEOUT_MS) {
        session.close(CLOSE.idleTimeout);
        continue;
      }
      session.alive = false;
      session.socket.ping();
    }
    this.renewLeases();
  }

  /**
   * Extends the lease of every socket still registered here (closing ones too: their close gives the
   * lease back after this, on the same connection). A renewal that fails is retried at the next
   * heartbeat; the lease outlasts a few of them.
   */
  private renewLeases(): void {
    const held = [...this.sessions.users()].map(
      (userId) => [userId, [...this.sessions.ofUser(userId)].map((s) => s.id)] as const,
    );
    if (held.length === 0) return;
    this.leases.renew(held).then(
      (lost) => {
        if (lost > 0) this.o.logger.warn({ lost }, 'socket leases lost by Redis: added again');
      },
      (error: unknown) =>
        this.o.logger.warn({ err: error }, 'socket leases not renewed; retried next heartbeat'),
    );
  }

  /** After missed updates (Redis reconnected): every followed job is re-read and reported as it is now. */
  private catchUp(): void {
    for (const session of this.sessions.all())
      for (const jobId of session.follows.jobIds())
        this.background(
          session,
          (async () => {
            const record = await this.o.dependencies.syncJobs.get(session.user.userId, jobId);
            if (record) await this.delivery.apply(session, updateFromRecord(record));
          })(),
        );
  }
}
