// Strava as a DataProvider: workouts only (Strava has no sleep, steps or weight API). Reads page
// through GET /athlete/activities (summaries are enough for the engine's decisions), hydrates with
// GET /activities/{id}, and writes with POST /activities (createActivity; Strava cannot update an
// activity's times or type, so `update` is false). Rate limits are per application (seed §3c):
// a 15-minute and a daily window, reported on every response.
import type { CanonicalByDataType, CanonicalWorkout, DataType } from '../../domain/types.js';
import type { RateLimitObservation, RateLimitWindowObservation } from '../../ratelimit/types.js';
import { stravaProfile } from './profile.js';
import {
  changeNotificationsOf,
  type DataProvider,
  type ProviderCapabilities,
  type ProviderContext,
  type PushOutcome,
  type PushWrite,
  type RecordSummary,
  type TimeWindow,
} from '../dataProvider.js';
import { ProviderRateLimitedError, ProviderRequestError } from '../errors.js';
import { parsePayload, type ProviderRequest, type ProviderResponse } from '../providerHttp.js';
import { canonicalFromStrava, stravaCreateForm, summaryFromStrava } from './stravaMapping.js';
import {
  StravaDetailedActivitySchema,
  StravaFaultSchema,
  StravaSummaryActivityListSchema,
  StravaSummaryActivitySchema,
} from './stravaSchemas.js';
import { clock } from '../../clock/clock.js';

const SHORT_WINDOW_MS = 15 * 60_000;
const DAY_MS = 86_400_000;

function pair(raw: string | null): [number, number] | undefined {
  const parts = raw?.split(',').map((p) => Number(p.trim()));
  if (parts?.length !== 2 || !parts.every((n) => Number.isFinite(n) && n >= 0)) return undefined;
  return [parts[0]!, parts[1]!];
}

/** The window (overall or read) with the least headroom, so the limiter honours the tighter one. */
function tighter(
  a: RateLimitWindowObservation,
  b: RateLimitWindowObservation | undefined,
): RateLimitWindowObservation {
  return b && b.limit - b.used < a.limit - a.used ? b : a;
}

/**
 * Strava's `X-RateLimit-Limit: 200,2000` / `X-RateLimit-Usage: 12,345` (15 minutes, then the UTC
 * day; both per application). When the read ("non-upload") headers are present too, each window
 * reports whichever of the two has less room left. Windows reset at the next quarter hour and at
 * UTC midnight, as Strava documents.
 */
export function parseStravaRateLimit(
  headers: Headers,
  now: Date = clock.date(),
): RateLimitObservation | undefined {
  const limit = pair(headers.get('x-ratelimit-limit'));
  const usage = pair(headers.get('x-ratelimit-usage'));
  if (!limit || !usage) return undefined;
  const nowMs = now.getTime();
  const shortReset = Math.floor(nowMs / SHORT_WINDOW_MS) * SHORT_WINDOW_MS + SHORT_WINDOW_MS;
  const dayReset = Math.floor(nowMs / DAY_MS) * DAY_MS + DAY_MS;
  const window = (i: 0 | 1, l: [number, number], u: [number, number]): RateLimitWindowObservation => ({
    scope: 'app',
    limit: l[i],
    used: u[i],
    windowSeconds: i === 0 ? SHORT_WINDOW_MS / 1000 : DAY_MS / 1000,
    resetAt: i === 0 ? shortReset : dayReset,
  });
  const readLimit = pair(headers.get('x-readratelimit-limit'));
  const readUsage = pair(headers.get('x-readratelimit-usage'));
  const read = (i: 0 | 1) => (readLimit && readUsage ? window(i, readLimit, readUsage) : undefined);
  return { windows: [tighter(window(0, limit, usage), read(0)), tighter(window(1, limit, usage), read(1))] };
}

/** Seconds until Strava accepts requests again, from its usage headers (it sends no Retry-After). */
function retryAfterFromUsage(headers: Headers, now: Date): number | undefined {
  const retryAfter = Number(headers.get('retry-after') ?? Number.NaN);
  if (Number.isFinite(retryAfter) && retryAfter >= 0) return retryAfter;
  const observed = parseStravaRateLimit(headers, now);
  if (!observed) return undefined;
  const exhausted = observed.windows.filter((w) => w.used >= w.limit && w.resetAt !== undefined);
  const until = exhausted.length
    ? Math.max(...exhausted.map((w) => w.resetAt!))
    : // 429 without an exhausted window (an over-limit burst elsewhere): wait for the short window.
      observed.windows[0]!.resetAt!;
  return Math.max(1, Math.ceil((until - now.getTime()) / 1000));
}

async function mapLimited<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await fn(items[index]!, index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

export interface StravaProviderOptions {
  /** Activities per list page (Strava's maximum, 200, keeps requests down). */
  pageSize?: number;
  /** Parallel GET /activities/{id} calls while hydrating. */
  detailConcurrency?: number;
  now?: () => Date;
}

export class StravaProvider implements DataProvider {
  readonly id = stravaProfile.id;
  readonly changeNotifications = changeNotificationsOf(stravaProfile);
  readonly capabilities: ProviderCapabilities = stravaProfile.capabilities;
  private readonly pageSize: number;
  private readonly detailConcurrency: number;
  private readonly now: () => Date;

  constructor(options: StravaProviderOptions = {}) {
    this.pageSize = Math.min(200, Math.max(1, options.pageSize ?? 200));
    this.detailConcurrency = Math.max(1, options.detailConcurrency ?? 4);
    this.now = options.now ?? (() => clock.date());
  }

  private supported(dataType: DataType): void {
    if (dataType !== 'workout')
      throw new ProviderRequestError('strava', 400, `strava: data type ${dataType} is not supported`);
  }

  /** A request whose 429 carries the wait derived from Strava's usage headers. */
  private async call<T>(ctx: ProviderContext, req: ProviderRequest): Promise<ProviderResponse<T>> {
    const res = await ctx.http.request<T>({ ...req, allowStatus: [...(req.allowStatus ?? []), 429] });
    if (res.status === 429)
      throw new ProviderRateLimitedError(
        'strava',
        retryAfterFromUsage(res.headers, this.now()),
        `${req.method ?? 'GET'} ${req.path} answered 429`,
      );
    return res;
  }

  async fetchMetadata(
    ctx: ProviderContext,
    dataType: DataType,
    window: TimeWindow,
  ): Promise<RecordSummary[]> {
    this.supported(dataType);
    const sinceMs = window.since.getTime();
    const untilMs = window.until.getTime();
    if (untilMs <= sinceMs) return [];
    // Strava's after/before are exclusive epoch seconds; widen by a second and trim here so the
    // window stays exactly [since, until).
    const after = Math.floor(sinceMs / 1000) - 1;
    const before = Math.ceil(untilMs / 1000) + 1;
    const summaries = new Map<string, RecordSummary>();
    for (let page = 1; ; page += 1) {
      ctx.signal?.throwIfAborted();
      const res = await this.call<unknown>(ctx, {
        path: '/athlete/activities',
        query: { after, before, page, per_page: this.pageSize },
      });
      const activities = parsePayload('strava', 'activity list', StravaSummaryActivityListSchema, res.body);
      for (const activity of activities) {
        const summary = summaryFromStrava(activity);
        const start = Date.parse(summary.startTime);
        // A Map: an activity uploaded while paging can shift one onto the next page twice.
        if (start >= sinceMs && start < untilMs) summaries.set(summary.recordId, summary);
      }
      if (activities.length < this.pageSize) break;
    }
    return [...summaries.values()].sort(
      (a, b) => a.startTime.localeCompare(b.startTime) || a.recordId.localeCompare(b.recordId),
    );
  }

  async fetchPayloads<T extends DataType>(
    ctx: ProviderContext,
    dataType: T,
    summaries: readonly RecordSummary[],
  ): Promise<CanonicalByDataType[T][]> {
    this.supported(dataType);
    const sourceId = ctx.connection.connectionId;
    const workouts = await mapLimited(summaries, this.detailConcurrency, async (summary) => {
      ctx.signal?.throwIfAborted();
      const res = await this.call<unknown>(ctx, {
        path: `/activities/${encodeURIComponent(summary.recordId)}`,
      });
      const activity = parsePayload('strava', 'activity', StravaDetailedActivitySchema, res.body);
      return canonicalFromStrava(activity, sourceId);
    });
    return workouts as CanonicalByDataType[T][];
  }

  async push<T extends DataType>(
    ctx: ProviderContext,
    dataType: T,
    writes: readonly PushWrite<T>[],
  ): Promise<PushOutcome[]> {
    this.supported(dataType);
    const outcomes: PushOutcome[] = [];
    // One at a time: Strava's duplicate check then sees earlier writes of the same batch.
    for (const write of writes) {
      ctx.signal?.throwIfAborted();
      const record = write.record as CanonicalWorkout;
      if (write.replaces) {
        outcomes.push({
          sourceRecordId: record.recordId,
          status: 'conflict',
          destinationRecordId: write.replaces,
          reason: 'strava_update_not_supported',
        });
        continue;
      }
      const res = await this.call<unknown>(ctx, {
        method: 'POST',
        path: '/activities',
        form: stravaCreateForm(record),
        allowStatus: [409],
      });
      if (res.status === 409) {
        const fault = StravaFaultSchema.safeParse(res.body);
        const existing = fault.success
          ? /duplicate of activity (\d+)/.exec(fault.data.error ?? '')?.[1]
          : undefined;
        outcomes.push({
          sourceRecordId: record.recordId,
          status: 'conflict',
          ...(existing ? { destinationRecordId: existing } : {}),
          reason: 'strava_duplicate_activity',
        });
        continue;
      }
      const created = parsePayload('strava', 'created activity', StravaSummaryActivitySchema, res.body);
      outcomes.push({
        sourceRecordId: record.recordId,
        status: 'created',
        destinationRecordId: String(created.id),
      });
    }
    return outcomes;
  }

  /**
   * One list request for an activity that started after `since`. Strava filters on start time
   * only, so an old activity uploaded late is not seen here (its webhooks are the way to catch it).
   */
  async hasNewData(ctx: ProviderContext, dataType: DataType, since: Date): Promise<boolean> {
    this.supported(dataType);
    const res = await this.call<unknown>(ctx, {
      path: '/athlete/activities',
      query: { after: Math.floor(since.getTime() / 1000), per_page: 1 },
    });
    return parsePayload('strava', 'activity list', StravaSummaryActivityListSchema, res.body).length > 0;
  }
}
