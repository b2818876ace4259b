// Producer of HistoricalChunkRequested (AsyncAPI channel historicalSync, the standard queue
// syncwell-historical-sync). One message per chunk of a historical job. A standard queue has no
// deduplication: a chunk delivered twice is made harmless by the job's record of finished chunks
// (SyncJobRepository.recordChunk) and the ledger's idempotent writes.
import type { HistoricalChunkRequested } from '../../generated/messages.gen.js';
import type { QueueSender } from '../queue/QueueSender.js';
import { assertMessage } from './messageSchemas.js';

export type HistoricalChunkInput = Omit<HistoricalChunkRequested, 'schemaVersion'>;

export function buildHistoricalChunkRequested(input: HistoricalChunkInput): HistoricalChunkRequested {
  return assertMessage<HistoricalChunkRequested>('HistoricalChunkRequested', { schemaVersion: 1, ...input });
}

/** The consumer side: JSON, then the AsyncAPI schema (the message pact verifies both ends). */
export function parseHistoricalChunk(body: string): HistoricalChunkRequested {
  return assertMessage<HistoricalChunkRequested>('HistoricalChunkRequested', JSON.parse(body) as unknown);
}

export class HistoricalQueue {
  constructor(private readonly sender: QueueSender) {}

  /** Sends every chunk (the sender batches them 10 per SendMessageBatch). */
  async sendChunks(chunks: readonly HistoricalChunkInput[]): Promise<void> {
    const messages = chunks.map(buildHistoricalChunkRequested);
    await Promise.all(messages.map((m) => this.sender.send({ body: JSON.stringify(m) })));
  }

  drain(): Promise<void> {
    return this.sender.drain();
  }
}
