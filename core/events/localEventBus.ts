// Local adapter of the event bus: one JSON line per event, `{type, detail, publishedAt}`, appended
// to EVENT_LOG_FILE. Each publish is a single write(2) on a descriptor opened with O_APPEND, so
// several processes can share the file: their lines never interleave or overwrite each other. The
// write is synchronous: appending a few hundred bytes to a regular file takes microseconds, while
// handing it to libuv's thread pool cost the worker about 250 µs of CPU per job (bench:worker's
// profile of 2026-12-06: the pool's wake-up, not the write).
// There is no EventBridge locally, so this adapter also does what the rules of
// infra/terraform/events.tf do (core/events/eventRoutes.ts): each event a route matches is sent to
// the route's queue with the body the rule's target gets in AWS, its detail.
import { closeSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { QueueSender } from '../queue/QueueSender.js';
import { assertSyncEvents, type EventBus, type SyncEvent } from './eventBus.js';
import { routedBody, routeMatches, type EventRoute } from './eventRoutes.js';
import { clock } from '../clock/clock.js';

export type LocalEventRecord = SyncEvent & { publishedAt: string };

/** A rule's target as the local bus serves it: the rule's pattern and the queue its events go to. */
export interface LocalRouteTarget {
  pattern: EventRoute['pattern'];
  queue: QueueSender;
}

export interface LocalEventBusOptions {
  routes?: readonly LocalRouteTarget[];
  /** Releases what the routes hold (their SQS client). */
  onClose?: () => void;
}

export class LocalEventBus implements EventBus {
  /** One O_APPEND descriptor for the process's lifetime: opening the file per event costs more than writing. */
  private fd: number | undefined;

  constructor(
    private readonly file: string,
    private readonly now: () => Date = () => clock.date(),
    private readonly options: LocalEventBusOptions = {},
  ) {}

  private open(): number {
    if (this.fd === undefined) {
      mkdirSync(path.dirname(path.resolve(this.file)), { recursive: true });
      this.fd = openSync(this.file, 'a');
    }
    return this.fd;
  }

  async publish(events: SyncEvent[]): Promise<void> {
    assertSyncEvents(events);
    if (events.length === 0) return;
    const publishedAt = this.now().toISOString();
    const text = events
      .map((e) => `${JSON.stringify({ type: e.type, detail: e.detail, publishedAt })}\n`)
      .join('');
    const data = Buffer.from(text, 'utf8');
    const bytesWritten = writeSync(this.open(), data, 0, data.length);
    // A regular file takes the whole buffer in one write; anything else would break the log.
    if (bytesWritten !== data.length)
      throw new Error(`short write to ${this.file}: ${bytesWritten} of ${data.length} bytes`);
    // Like EventBridge, after the event is on the bus; a failed send fails the publish (the caller
    // retries it, and consumers are idempotent as they must be for EventBridge's at-least-once).
    await Promise.all(
      (this.options.routes ?? []).flatMap((route) =>
        events.filter((e) => routeMatches(route, e)).map((e) => route.queue.send({ body: routedBody(e) })),
      ),
    );
  }

  async close(): Promise<void> {
    const fd = this.fd;
    this.fd = undefined;
    await Promise.all((this.options.routes ?? []).map((r) => r.queue.drain().catch(() => undefined)));
    this.options.onClose?.();
    if (fd !== undefined) closeSync(fd);
  }
}

/** Every event in a local event log, oldest first; [] when the file does not exist yet. */
export async function readLocalEvents(file: string): Promise<LocalEventRecord[]> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  return text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as LocalEventRecord);
}
