// One open socket: who it belongs to, what it follows, and the only way frames are written to it.
// Every write checks backpressure first: a client that does not read is closed (4429) rather than
// buffered without bound; a frame off the contract is a bug and closes the socket (1011).
import { randomUUID } from 'node:crypto';
import type { WebSocket } from 'ws';
import type { Logger } from '../../core/logging/logger.js';
import type { SyncJobError } from '../../generated/messages.gen.js';
import type { AuthUser } from '../auth/tokenVerifier.js';
import type { ProblemResponse } from '../http/problem.js';
import { clock } from '../../core/clock/clock.js';
import { CLOSE, type CloseCode } from './closeCodes.js';
import { encodeServerFrame, type ServerFrame } from './frames.js';
import { FollowedJobs, type JobUpdate } from './followedJobs.js';

export interface SessionOptions {
  /** The socket's id, the one its lease is held under (core/realtime/socketLeases.ts). */
  id?: string;
  maxBufferedBytes: number;
  maxJobs: number;
  /** How long a closing socket may take to answer the close frame before it is cut. */
  closeGraceMs: number;
  logger: Logger;
  /** The lane's counters this session adds to. */
  stats: { framesSent: number; slowConsumers: number };
}

export class SocketSession {
  readonly id: string;
  readonly follows: FollowedJobs;
  readonly logger: Logger;
  /** Cleared at each ping, set by the pong: a socket still false at the next ping is gone. */
  alive = true;
  /** Last application frame either way (pings do not count). */
  lastActivityMs = clock.now();
  private closing = false;

  constructor(
    readonly socket: WebSocket,
    readonly user: AuthUser,
    /** When the token the socket was opened with expires (epoch ms). */
    readonly tokenExpiresAtMs: number,
    private readonly o: SessionOptions,
  ) {
    this.id = o.id ?? randomUUID();
    this.follows = new FollowedJobs(o.maxJobs);
    this.logger = o.logger.child({ socketId: this.id, userId: user.userId });
    socket.on('pong', () => {
      this.alive = true;
    });
  }

  get isOpen(): boolean {
    return !this.closing && this.socket.readyState === this.socket.OPEN;
  }

  /** Writes one frame; false when it was not (closed, or closed now for backpressure). */
  send(frame: ServerFrame): boolean {
    if (!this.isOpen) return false;
    if (this.socket.bufferedAmount > this.o.maxBufferedBytes) {
      this.logger.warn({ buffered: this.socket.bufferedAmount }, 'socket does not read: closed');
      this.o.stats.slowConsumers += 1;
      this.close(CLOSE.slowConsumer);
      return false;
    }
    let text: string;
    try {
      text = encodeServerFrame(frame);
    } catch (error) {
      this.logger.error({ err: error, type: frame.type }, 'frame off the contract: not sent');
      this.close(CLOSE.internalError);
      return false;
    }
    this.socket.send(text);
    this.o.stats.framesSent += 1;
    this.lastActivityMs = clock.now();
    return true;
  }

  /** The close handshake, cut short after the grace period (a peer that never answers). */
  close(code: CloseCode): void {
    if (this.closing) return;
    this.closing = true;
    this.socket.close(code.code, code.reason);
    setTimeout(() => this.socket.terminate(), this.o.closeGraceMs).unref();
  }

  sendStatus(update: JobUpdate, requestId?: string): boolean {
    return this.send({
      schemaVersion: 1,
      type: 'job_status',
      ...(requestId ? { requestId } : {}),
      jobId: update.jobId,
      status: update.status,
      ...(update.recordsWritten !== undefined ? { recordsWritten: update.recordsWritten } : {}),
      ...(update.recordsSkipped !== undefined ? { recordsSkipped: update.recordsSkipped } : {}),
      ...(update.errorCode !== undefined ? { errorCode: update.errorCode } : {}),
      ...(update.retryable !== undefined ? { retryable: update.retryable } : {}),
    });
  }

  sendResult(requestId: string, update: JobUpdate, error: SyncJobError | null): boolean {
    return this.send({
      schemaVersion: 1,
      type: 'sync_result',
      requestId,
      jobId: update.jobId,
      status: update.status,
      recordsWritten: update.recordsWritten ?? 0,
      error: update.status === 'FAILED' ? error : null,
    });
  }

  sendProblem(problem: ProblemResponse['body'], ids: { requestId?: string; jobId?: string }): boolean {
    return this.send({
      schemaVersion: 1,
      type: 'error',
      ...(ids.requestId ? { requestId: ids.requestId } : {}),
      ...(ids.jobId ? { jobId: ids.jobId } : {}),
      problem,
    });
  }
}
