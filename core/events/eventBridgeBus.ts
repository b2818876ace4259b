// EventBridge adapter of the event bus: PutEvents on EVENT_BUS_NAME with Source `syncwell.worker`,
// DetailType = the message name and Detail = the validated payload as JSON. PutEvents takes at most
// 10 entries and may accept some and reject others (FailedEntryCount, a per-entry ErrorCode): only
// the rejected entries are sent again, with backoff (core/retry/backoff.ts), up to `maxAttempts`
// attempts in all; what still failed is then thrown as one EventPublishError listing each event. Entries
// accepted before a failure stay published (at-least-once: consumers deduplicate on `eventId`).
import { EventBridgeClient, PutEventsCommand, type PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import { awsClientOptions, type Config } from '../config/config.js';
import type { Logger } from '../logging/logger.js';
import { retryingWhile } from '../retry/backoff.js';
import { assertSyncEvents, type EventBus, type SyncEvent } from './eventBus.js';
import { EVENT_SOURCE } from './eventRoutes.js';

/** PutEvents accepts at most 10 entries per call. */
export const PUT_EVENTS_MAX_ENTRIES = 10;

export function createEventBridgeClient(
  config: Pick<Config, 'AWS_REGION' | 'AWS_ACCESS_KEY_ID' | 'AWS_SECRET_ACCESS_KEY' | 'EVENTBRIDGE_ENDPOINT'>,
): EventBridgeClient {
  return new EventBridgeClient({
    ...awsClientOptions(config),
    ...(config.EVENTBRIDGE_ENDPOINT ? { endpoint: config.EVENTBRIDGE_ENDPOINT } : {}),
  });
}

export interface FailedEvent {
  type: SyncEvent['type'];
  eventId: string;
  errorCode: string;
  errorMessage: string;
}

export class EventPublishError extends Error {
  override readonly name = 'EventPublishError';
  constructor(
    readonly failed: FailedEvent[],
    readonly total: number,
    readonly attempts: number,
  ) {
    super(
      `${failed.length} of ${total} events were not published after ${attempts} attempts: ` +
        failed.map((f) => `${f.type} ${f.eventId} (${f.errorCode}: ${f.errorMessage})`).join('; '),
    );
  }
}

export interface EventBridgeEventBusOptions {
  client: EventBridgeClient;
  eventBusName: string;
  source?: string;
  /** Attempts per entry in all, the first included (default 3). */
  maxAttempts?: number;
  /** The n-th retry waits up to base × 2^(n−1) (full jitter; default 100 ms). */
  baseDelayMs?: number;
  logger?: Logger;
}

interface Pending {
  event: SyncEvent;
  entry: PutEventsRequestEntry;
}

export class EventBridgeEventBus implements EventBus {
  private readonly client: EventBridgeClient;
  private readonly eventBusName: string;
  private readonly source: string;
  private readonly maxAttempts: number;
  private readonly baseDelayMs: number;
  private readonly logger: Logger | undefined;

  constructor(options: EventBridgeEventBusOptions) {
    this.client = options.client;
    this.eventBusName = options.eventBusName;
    this.source = options.source ?? EVENT_SOURCE;
    this.maxAttempts = Math.max(1, options.maxAttempts ?? 3);
    this.baseDelayMs = options.baseDelayMs ?? 100;
    this.logger = options.logger;
  }

  async publish(events: SyncEvent[]): Promise<void> {
    assertSyncEvents(events);
    const pending: Pending[] = events.map((event) => ({
      event,
      entry: {
        Source: this.source,
        DetailType: event.type,
        Detail: JSON.stringify(event.detail),
        EventBusName: this.eventBusName,
      },
    }));
    const chunks: Pending[][] = [];
    for (let i = 0; i < pending.length; i += PUT_EVENTS_MAX_ENTRIES)
      chunks.push(pending.slice(i, i + PUT_EVENTS_MAX_ENTRIES));
    const failed = (await Promise.all(chunks.map((chunk) => this.sendChunk(chunk)))).flat();
    if (failed.length > 0) throw new EventPublishError(failed, events.length, this.maxAttempts);
  }

  /** Sends one chunk, retrying the rejected entries; resolves with what still failed. */
  private async sendChunk(chunk: Pending[]): Promise<FailedEvent[]> {
    let pending = chunk;
    let failed: FailedEvent[] = [];
    let attempt = 0;
    await retryingWhile(
      async () => {
        attempt += 1;
        ({ retry: pending, failed } = await this.sendOnce(pending));
        if (pending.length > 0)
          this.logger?.warn(
            { attempt, failed: failed.map((f) => ({ eventId: f.eventId, errorCode: f.errorCode })) },
            'PutEvents rejected entries',
          );
        return pending;
      },
      (left) => left.length > 0,
      {
        attempts: this.maxAttempts,
        baseMs: this.baseDelayMs,
        maxMs: this.baseDelayMs * 2 ** (this.maxAttempts - 1),
      },
    );
    return pending.length > 0 ? failed : [];
  }

  /** One PutEvents call: the entries to send again, and why each failed. */
  private async sendOnce(pending: Pending[]): Promise<{ retry: Pending[]; failed: FailedEvent[] }> {
    const retry: Pending[] = [];
    const failed: FailedEvent[] = [];
    try {
      const out = await this.client.send(new PutEventsCommand({ Entries: pending.map((p) => p.entry) }));
      if ((out.FailedEntryCount ?? 0) > 0 || (out.Entries?.length ?? 0) !== pending.length) {
        pending.forEach((p, i) => {
          const result = out.Entries?.[i];
          if (result && !result.ErrorCode && result.EventId) return;
          retry.push(p);
          failed.push(
            failure(p.event, result?.ErrorCode ?? 'MissingResult', result?.ErrorMessage ?? 'no result'),
          );
        });
      }
    } catch (err) {
      // The SDK already retried the call itself; count every entry of it as failed once.
      const e = err as Error;
      for (const p of pending) {
        retry.push(p);
        failed.push(failure(p.event, e.name || 'Error', e.message));
      }
    }
    return { retry, failed };
  }
}

function failure(event: SyncEvent, errorCode: string, errorMessage: string): FailedEvent {
  return { type: event.type, eventId: event.detail.eventId, errorCode, errorMessage };
}
