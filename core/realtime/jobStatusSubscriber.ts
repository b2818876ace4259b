// The receiving side of `ws:user:{userId}`: one Redis connection in subscriber mode per API process,
// subscribed to the channels of the users whose sockets the process holds (counted, so a user's
// last socket unsubscribes). Every update is validated against the contract and checked against
// the channel it came on, so one user's update can never reach another user's sockets.
import type { JobStatusChanged } from '../../generated/messages.gen.js';
import type { Redis } from '../cache/redis.js';
import type { Logger } from '../logging/logger.js';
import { assertMessage } from '../messaging/messageSchemas.js';
import { jobStatusChannel } from './jobStatusChannel.js';

export interface JobStatusSubscriberOptions {
  /** A dedicated connection: subscriber mode allows no other command. */
  redis: Redis;
  logger: Logger;
  onUpdate(update: JobStatusChanged): void;
  /** Called after a reconnection: updates published while disconnected are lost, re-read what matters. */
  onResubscribed(): void;
}

export class JobStatusSubscriber {
  /** userId → sockets of that user in this process. */
  private readonly users = new Map<string, number>();
  private connectedOnce = false;

  constructor(private readonly o: JobStatusSubscriberOptions) {
    o.redis.on('message', (channel: string, text: string) => this.receive(channel, text));
    o.redis.on('ready', () => void this.resubscribe());
    this.connectedOnce = o.redis.status === 'ready';
  }

  /** Whether updates can arrive now; while not, new sockets are refused (they would miss them). */
  get ready(): boolean {
    return this.o.redis.status === 'ready';
  }

  /** Resolves once the user's channel is subscribed (at once when another socket of the user holds it). */
  async add(userId: string): Promise<void> {
    const count = (this.users.get(userId) ?? 0) + 1;
    this.users.set(userId, count);
    if (count === 1) {
      try {
        await this.o.redis.subscribe(jobStatusChannel(userId));
      } catch (error) {
        this.remove(userId);
        throw error;
      }
    }
  }

  remove(userId: string): void {
    const count = (this.users.get(userId) ?? 0) - 1;
    if (count > 0) {
      this.users.set(userId, count);
      return;
    }
    this.users.delete(userId);
    // Commands on one connection run in order: a later add() subscribes again after this.
    this.o.redis.unsubscribe(jobStatusChannel(userId)).catch((error: unknown) => {
      this.o.logger.debug({ err: error }, 'job status unsubscribe failed (the connection is gone)');
    });
  }

  close(): void {
    this.o.redis.disconnect();
  }

  private receive(channel: string, text: string): void {
    let update: JobStatusChanged;
    try {
      update = assertMessage('JobStatusChanged', JSON.parse(text));
    } catch (error) {
      this.o.logger.warn({ err: error, channel }, 'job status update off the contract: dropped');
      return;
    }
    if (channel !== jobStatusChannel(update.userId)) {
      this.o.logger.warn({ channel, jobId: update.jobId }, 'job status update on the wrong channel: dropped');
      return;
    }
    // Still in flight when the user's last socket unsubscribed: nobody here wants it.
    if (this.users.has(update.userId)) this.o.onUpdate(update);
  }

  /** After a reconnection: subscribe again to every channel in use, then let the sockets catch up. */
  private async resubscribe(): Promise<void> {
    if (!this.connectedOnce) {
      this.connectedOnce = true;
      return;
    }
    const channels = [...this.users.keys()].map(jobStatusChannel);
    try {
      if (channels.length) await this.o.redis.subscribe(...channels);
    } catch (error) {
      this.o.logger.warn({ err: error }, 'job status resubscribe failed');
      return;
    }
    this.o.onResubscribed();
  }
}
