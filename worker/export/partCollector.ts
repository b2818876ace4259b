// Phase 1 of an export: read every stream of the plan (one connection, one data type) window by
// window, live from the provider at `low` priority (the cold path's share of the rate limits, like
// historical chunks), and stream each window's records into one part in the export bucket as they
// arrive. Each written part is checkpointed on the export item, so a delivery that is deferred
// (rate limit), retried (provider down) or lost (crash) resumes at the first window not yet
// written and never fetches a window twice. Memory stays bounded whatever the history: one window
// of one provider at a time (a new provider context per window, so its job cache goes with it),
// hydrated in slices.
import { Readable } from 'node:stream';
import type { Logger } from '../../core/logging/logger.js';
import type { DataProvider, TimeWindow } from '../../core/providers/dataProvider.js';
import type { ProviderManager } from '../../core/providers/providerManager.js';
import type { ProviderContexts } from '../../core/sync/providerContexts.js';
import { classifyFailure } from '../../core/sync/jobErrors.js';
import type { ConnectionRepository, ConnectionRecord } from '../../core/store/connectionRepository.js';
import type { ExportJobProgress } from '../../core/store/exportJobProgress.js';
import { streamKey } from '../../core/store/exportJobProgress.js';
import type { ExportJobRecord } from '../../core/store/exportJobRepository.js';
import type { ExportArchiveStore } from '../../core/export/exportArchiveStore.js';
import { partId, streamWindow, type ExportPlan, type ExportStream } from '../../core/export/exportPlan.js';
import { ndjsonLines } from '../../core/export/jsonLines.js';
import { clock } from '../../core/clock/clock.js';

/** Records hydrated per provider call batch: what one window holds in memory at most. */
const HYDRATE_SLICE = 50;

export interface PartCollectorDeps {
  logger: Logger;
  progress: ExportJobProgress;
  store: ExportArchiveStore;
  connections: ConnectionRepository;
  providers: ProviderManager;
  contexts: ProviderContexts;
}

export interface CollectRun {
  record: ExportJobRecord;
  plan: ExportPlan;
  owner: string;
  /** The last delivery the queue gives this message: a provider still failing is then left out. */
  lastAttempt: boolean;
  signal: AbortSignal;
  /** Provider requests made, for logs and the benchmark. */
  calls: { calls: number };
}

/** A provider's failure while reading one stream (as opposed to the bucket's or the table's). */
class StreamReadError extends Error {
  constructor(readonly failure: unknown) {
    super('reading the stream failed', { cause: failure });
  }
}

export class PartCollector {
  constructor(private readonly d: PartCollectorDeps) {}

  /** Writes every part not yet checkpointed; streams that fail for good are marked missing. */
  async collect(run: CollectRun): Promise<void> {
    for (const stream of run.plan.streams) {
      run.signal.throwIfAborted();
      if (run.record.missing[streamKey(stream.index)]) continue;
      const pending = Array.from({ length: stream.windows }, (_, w) => w).filter(
        (w) => !run.record.doneParts.has(partId(stream.index, w)),
      );
      if (pending.length === 0) continue;
      const readable = await this.readableConnection(run, stream);
      if (!readable) continue;
      try {
        for (const window of pending) await this.writePart(run, stream, readable, window);
      } catch (error) {
        if (!(error instanceof StreamReadError)) throw error;
        const failure = classifyFailure(error.failure);
        const forGood = failure.kind === 'fail' || (failure.kind === 'retry' && run.lastAttempt);
        if (!forGood) throw error.failure;
        await this.missing(run, stream, failure.code, failure.message);
      }
    }
  }

  /** The stream's connection and provider, or undefined when the stream is left out (and marked so). */
  private async readableConnection(
    run: CollectRun,
    stream: ExportStream,
  ): Promise<{ connection: ConnectionRecord; provider: DataProvider } | undefined> {
    if (stream.unreadable) {
      await this.missing(run, stream, stream.unreadable, 'the connection needs to be reconnected');
      return undefined;
    }
    const connection = await this.d.connections.get(run.record.userId, stream.connectionId);
    if (!connection) {
      await this.missing(run, stream, 'connection_not_found', 'the connection was removed during the export');
      return undefined;
    }
    if (connection.status === 'needs_reauth' || connection.status === 'revoked') {
      await this.missing(run, stream, 'provider_auth_revoked', `the connection is ${connection.status}`);
      return undefined;
    }
    if (connection.status !== 'active') {
      await this.missing(run, stream, 'connection_not_active', `the connection is ${connection.status}`);
      return undefined;
    }
    const provider = this.d.providers.get(connection.provider);
    if (!provider?.capabilities[stream.dataType]?.read) {
      await this.missing(run, stream, 'unsupported_data_type', `${connection.provider} cannot read it`);
      return undefined;
    }
    return { connection, provider };
  }

  private async writePart(
    run: CollectRun,
    stream: ExportStream,
    source: { connection: ConnectionRecord; provider: DataProvider },
    window: number,
  ): Promise<void> {
    const part = partId(stream.index, window);
    const counter = { records: 0 };
    let readFailure: unknown;
    const records = async function* (d: PartCollectorDeps) {
      try {
        // A context per window: what the provider caches for the job (listings) goes with it.
        const ctx = d.contexts.forConnection(source.connection, 'low', run.calls, run.signal);
        yield* windowRecords(source.provider, ctx, stream, streamWindow(run.plan, stream, window));
      } catch (error) {
        readFailure = error;
        throw error;
      }
    };
    try {
      await this.d.store.putPart(
        run.record.userId,
        run.record.jobId,
        part,
        Readable.from(ndjsonLines(records(this.d), counter), { objectMode: false }),
        run.signal,
      );
    } catch (error) {
      if (readFailure !== undefined) throw new StreamReadError(readFailure);
      throw error;
    }
    await this.d.progress.recordPart(
      run.record.userId,
      run.record.jobId,
      run.owner,
      part,
      counter.records,
      clock.date(),
    );
  }

  private async missing(run: CollectRun, stream: ExportStream, code: string, message: string): Promise<void> {
    this.d.logger.warn(
      { jobId: run.record.jobId, provider: stream.provider, dataType: stream.dataType, code },
      'export: a stream is left out',
    );
    await this.d.progress.markMissing(
      run.record.userId,
      run.record.jobId,
      run.owner,
      stream.index,
      { code, message: message.slice(0, 300) },
      clock.date(),
    );
  }
}

/** One window's records: light summaries first, then the full records a slice at a time. */
async function* windowRecords(
  provider: DataProvider,
  ctx: Parameters<DataProvider['fetchMetadata']>[0],
  stream: ExportStream,
  window: TimeWindow,
): AsyncGenerator<unknown> {
  const summaries = await provider.fetchMetadata(ctx, stream.dataType, window);
  for (let i = 0; i < summaries.length; i += HYDRATE_SLICE)
    yield* await provider.fetchPayloads(ctx, stream.dataType, summaries.slice(i, i + HYDRATE_SLICE));
}
