// Google Fit REST (fitness/v1). Workouts and sleep are sessions (sleep: activityType 72), read by a
// time range and written with PUT by id (so a retried or updated push replaces, never duplicates:
// new ids are derived from the source record). Steps are daily totals from `dataset:aggregate`;
// weight is the merged weight stream. Writes go to raw data sources SyncWell owns, one per data type,
// found by listing (`dataStreamName` = SyncWell) or created with POST users/me/dataSources on first
// use. Google Fit has no time zones: workouts, sleep and weight read back with `timezone: null`, and
// step days are those of the configured zone (UTC days without one).
import { createHash } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import type {
  CanonicalByDataType,
  CanonicalSleepSession,
  CanonicalSteps,
  CanonicalWeight,
  CanonicalWorkout,
  CloudProvider,
  DataType,
} from '../../domain/types.js';
import type { RateLimitObservation } from '../../ratelimit/types.js';
import { googleFitProfile } from './profile.js';
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
import { jobSlot } from '../jobCache.js';
import { ProviderNotFoundError, ProviderPayloadError } from '../errors.js';
import { parsePayload } from '../providerHttp.js';
import {
  FIT_SLEEP,
  isWorkoutSession,
  localDateOf,
  localMidnight,
  midnightAtOrAfter,
  nextDate,
  sessionSummary,
  sessionToSleep,
  sessionToWorkout,
  sleepToSession,
  workoutToSession,
} from './googleFitMapping.js';
import {
  fitAggregateSchema,
  fitDatasetSchema,
  fitDataSourceListSchema,
  fitDataSourceSchema,
  fitSessionListSchema,
  type FitSession,
} from './googleFitSchemas.js';
import { clock } from '../../clock/clock.js';

export const FIT_STEPS = 'com.google.step_count.delta';
export const FIT_WEIGHT = 'com.google.weight';
export const FIT_MERGE_WEIGHT = 'derived:com.google.weight:com.google.android.gms:merge_weight';
const DAY_MS = 86_400_000;
/** Sessions longer than this are not workouts or nights; it bounds the "ends after the window" query. */
const MAX_SESSION_MS = 2 * DAY_MS;
const AGGREGATE_CHUNK_DAYS = 31;
const MAX_PAGES = 100;
const NS = 1_000_000n;
const nanosOf = (ms: number) => (BigInt(ms) * NS).toString();

/** Sessions this job listed, by id: hydration needs no second listing (no get-by-id for sessions). */
const FIT_JOB = jobSlot('google_fit', () => new Map<string, FitSession>());

const FIELD_OF: Record<string, { name: string; format: 'integer' | 'floatPoint' }> = {
  [FIT_STEPS]: { name: 'steps', format: 'integer' },
  [FIT_WEIGHT]: { name: 'weight', format: 'floatPoint' },
};

export interface GoogleFitProviderOptions {
  now?: () => Date;
  /** IANA zone whose calendar days step totals follow (the user's home zone); UTC days when absent. */
  timezone?: string;
  /** Name of the raw streams SyncWell writes to. */
  dataStreamName?: string;
  applicationName?: string;
  /** Data-source ids kept across jobs (entries). */
  sourceIdCacheSize?: number;
}

/** Google sends no quota headers on Fitness API responses; only 429 RESOURCE_EXHAUSTED. */
export function parseGoogleFitRateLimit(_headers: Headers): RateLimitObservation | undefined {
  return undefined;
}

export class GoogleFitProvider implements DataProvider {
  readonly id: CloudProvider = googleFitProfile.id;
  readonly changeNotifications = changeNotificationsOf(googleFitProfile);
  readonly capabilities: ProviderCapabilities = googleFitProfile.capabilities;

  private readonly now: () => Date;
  private readonly timezone: string | null;
  private readonly streamName: string;
  private readonly appName: string;
  /**
   * Connection + data type → id of the data source SyncWell writes to. It outlives the job on
   * purpose: the id never changes once created, and knowing it saves a listing on every push job.
   * Bounded (one entry per connection and written data type) and expiring, so a source the user
   * deleted at Google is looked up again within the hour.
   */
  private readonly sourceIds: LRUCache<string, string>;

  constructor(options: GoogleFitProviderOptions = {}) {
    this.now = options.now ?? (() => clock.date());
    this.timezone = options.timezone ?? null;
    this.streamName = options.dataStreamName ?? 'SyncWell';
    this.appName = options.applicationName ?? 'SyncWell';
    this.sourceIds = new LRUCache({
      max: options.sourceIdCacheSize ?? 10_000,
      ttl: 3_600_000,
      perf: { now: () => this.now().getTime() },
    });
  }

  // ---- sessions (workouts, sleep) -----------------------------------------------------------

  /** Sessions that start in [since, until). Google selects by END time, so the query runs past `until`. */
  private async listSessions(
    ctx: ProviderContext,
    sleep: boolean,
    since: number,
    until: number,
  ): Promise<FitSession[]> {
    const out: FitSession[] = [];
    let pageToken: string | undefined;
    for (let page = 0; page < MAX_PAGES; page += 1) {
      const res = await ctx.http.request({
        path: '/users/me/sessions',
        query: {
          startTime: new Date(since).toISOString(),
          endTime: new Date(until + MAX_SESSION_MS).toISOString(),
          ...(sleep ? { activityType: FIT_SLEEP } : {}),
          pageToken,
        },
      });
      const body = parsePayload('google_fit', 'sessions list', fitSessionListSchema, res.body);
      for (const s of body.session) {
        if (s.startTimeMillis < since || s.startTimeMillis >= until) continue;
        if (sleep ? s.activityType !== FIT_SLEEP : !isWorkoutSession(s)) continue;
        out.push(s);
        ctx.job.get(FIT_JOB).set(s.id, s);
      }
      if (!body.hasMoreData || !body.nextPageToken) break;
      pageToken = body.nextPageToken;
    }
    return out.sort((a, b) => a.startTimeMillis - b.startTimeMillis);
  }

  private sessionId(sourceId: string, recordId: string): string {
    return `syncwell-${createHash('sha256').update(`${sourceId}|${recordId}`).digest('hex').slice(0, 32)}`;
  }

  // ---- data sources SyncWell owns -----------------------------------------------------------

  private async ownSource(ctx: ProviderContext, dataTypeName: string): Promise<string> {
    const key = `${ctx.connection.connectionId}|${dataTypeName}`;
    const cached = this.sourceIds.get(key);
    if (cached) return cached;
    const find = async () => {
      const res = await ctx.http.request({ path: '/users/me/dataSources', query: { dataTypeName } });
      const list = parsePayload('google_fit', 'data sources', fitDataSourceListSchema, res.body);
      return list.dataSource.find((s) => s.type === 'raw' && s.dataStreamName === this.streamName)
        ?.dataStreamId;
    };
    let id = await find();
    if (!id) {
      const res = await ctx.http.request({
        method: 'POST',
        path: '/users/me/dataSources',
        json: {
          dataStreamName: this.streamName,
          type: 'raw',
          application: { name: this.appName },
          dataType: { name: dataTypeName, field: [FIELD_OF[dataTypeName]] },
        },
        allowStatus: [409],
      });
      // 409: created concurrently by another job of this user; list again.
      id =
        res.status === 409
          ? await find()
          : parsePayload('google_fit', 'data source', fitDataSourceSchema, res.body).dataStreamId;
      if (!id)
        throw new ProviderPayloadError(
          'google_fit',
          `google_fit: no ${dataTypeName} data source after create`,
        );
    }
    this.sourceIds.set(key, id);
    return id;
  }

  private datasetPath(sourceId: string, fromNs: string, toNs: string): string {
    return `/users/me/dataSources/${encodeURIComponent(sourceId)}/datasets/${fromNs}-${toNs}`;
  }

  // ---- steps and weight reads ---------------------------------------------------------------

  private async dailySteps(ctx: ProviderContext, from: number, to: number): Promise<RecordSummary[]> {
    const out: RecordSummary[] = [];
    const nowMs = this.now().getTime();
    let chunkStart = from;
    while (chunkStart < to) {
      let chunkEnd = chunkStart;
      for (let i = 0; i < AGGREGATE_CHUNK_DAYS && chunkEnd < to; i += 1)
        chunkEnd = localMidnight(nextDate(localDateOf(chunkEnd, this.timezone)), this.timezone);
      chunkEnd = Math.min(chunkEnd, to);
      const res = await ctx.http.request({
        method: 'POST',
        path: '/users/me/dataset:aggregate',
        json: {
          aggregateBy: [{ dataTypeName: FIT_STEPS }],
          bucketByTime: this.timezone
            ? { period: { type: 'day', value: 1, timeZoneId: this.timezone } }
            : { durationMillis: String(DAY_MS) },
          startTimeMillis: String(chunkStart),
          endTimeMillis: String(chunkEnd),
        },
      });
      const body = parsePayload('google_fit', 'steps aggregate', fitAggregateSchema, res.body);
      for (const bucket of body.bucket) {
        const steps = bucket.dataset
          .flatMap((d) => d.point)
          .reduce((sum, p) => sum + (p.value[0]?.intVal ?? 0), 0);
        if (steps <= 0) continue;
        const date = localDateOf(bucket.startTimeMillis, this.timezone);
        out.push({
          dataType: 'steps',
          recordId: date,
          startTime: new Date(bucket.startTimeMillis).toISOString(),
          endTime: null,
          date,
          value: steps,
          timezone: this.timezone,
          // Aggregates carry no modification time: a day's total is current as of the bucket's end.
          lastModified: new Date(Math.min(bucket.endTimeMillis, nowMs)).toISOString(),
        });
      }
      chunkStart = chunkEnd;
    }
    return out;
  }

  private async weightPoints(ctx: ProviderContext, fromNs: string, toNs: string) {
    const points = [];
    let pageToken: string | undefined;
    for (let page = 0; page < MAX_PAGES; page += 1) {
      const res = await ctx.http.request({
        path: this.datasetPath(FIT_MERGE_WEIGHT, fromNs, toNs),
        query: { pageToken },
      });
      const body = parsePayload('google_fit', 'weight dataset', fitDatasetSchema, res.body);
      points.push(...body.point);
      if (!body.nextPageToken) break;
      pageToken = body.nextPageToken;
    }
    return points;
  }

  // ---- DataProvider -------------------------------------------------------------------------

  async fetchMetadata(
    ctx: ProviderContext,
    dataType: DataType,
    window: TimeWindow,
  ): Promise<RecordSummary[]> {
    const since = window.since.getTime();
    const until = window.until.getTime();
    if (until <= since) return [];
    const sourceId = ctx.connection.connectionId;
    switch (dataType) {
      case 'workout':
        return (await this.listSessions(ctx, false, since, until)).map((s) =>
          sessionSummary('workout', sessionToWorkout(s, sourceId)),
        );
      case 'sleep_session':
        return (await this.listSessions(ctx, true, since, until)).map((s) =>
          sessionSummary('sleep_session', sessionToSleep(s, sourceId)),
        );
      case 'steps': {
        // Days whose local start lies in the window.
        const from = midnightAtOrAfter(since, this.timezone);
        const to = midnightAtOrAfter(until, this.timezone);
        return to > from ? this.dailySteps(ctx, from, to) : [];
      }
      case 'weight': {
        const points = await this.weightPoints(ctx, nanosOf(since), (BigInt(until) * NS - 1n).toString());
        return points
          .filter((p) => p.dataTypeName === FIT_WEIGHT && typeof p.value[0]?.fpVal === 'number')
          .map((p) => {
            const at = new Date(Number(BigInt(p.startTimeNanos) / NS)).toISOString();
            return {
              dataType: 'weight' as const,
              recordId: p.startTimeNanos,
              startTime: at,
              endTime: null,
              value: p.value[0]!.fpVal!,
              timezone: null,
              lastModified:
                p.modifiedTimeMillis !== undefined ? new Date(p.modifiedTimeMillis).toISOString() : at,
            };
          });
      }
    }
  }

  async fetchPayloads<T extends DataType>(
    ctx: ProviderContext,
    dataType: T,
    summaries: readonly RecordSummary[],
  ): Promise<CanonicalByDataType[T][]> {
    const sourceId = ctx.connection.connectionId;
    if (dataType === 'steps')
      // A day's total is all there is: the summary already holds it.
      return summaries.map((s): CanonicalSteps => ({
        recordId: s.recordId,
        sourceId,
        provider: 'google_fit',
        date: s.date ?? localDateOf(Date.parse(s.startTime), s.timezone),
        steps: s.value ?? 0,
        timezone: s.timezone,
        lastModified: s.lastModified,
      })) as CanonicalByDataType[T][];
    if (dataType === 'weight')
      return summaries.map((s): CanonicalWeight => ({
        recordId: s.recordId,
        sourceId,
        provider: 'google_fit',
        measuredAt: s.startTime,
        weightKg: s.value ?? 0,
        bodyFatPercentage: null,
        bmi: null,
        timezone: s.timezone,
        lastModified: s.lastModified,
      })) as CanonicalByDataType[T][];

    const sleep = dataType === 'sleep_session';
    const found = new Map<string, FitSession>();
    const missing: RecordSummary[] = [];
    const listed = ctx.job.get(FIT_JOB);
    for (const s of summaries) {
      const hit = listed.get(s.recordId);
      if (hit) found.set(s.recordId, hit);
      else missing.push(s);
    }
    if (missing.length > 0) {
      // No get-by-id for sessions: list the range the missing ones start in.
      const starts = missing.map((s) => Date.parse(s.startTime));
      for (const s of await this.listSessions(ctx, sleep, Math.min(...starts), Math.max(...starts) + 1))
        found.set(s.id, s);
    }
    return summaries.map((s) => {
      const session = found.get(s.recordId);
      if (!session)
        throw new ProviderNotFoundError('google_fit', `google_fit: session ${s.recordId} not found`);
      return (
        sleep ? sessionToSleep(session, sourceId) : sessionToWorkout(session, sourceId)
      ) as CanonicalByDataType[T];
    });
  }

  async push<T extends DataType>(
    ctx: ProviderContext,
    dataType: T,
    writes: readonly PushWrite<T>[],
  ): Promise<PushOutcome[]> {
    const outcomes: PushOutcome[] = [];
    for (const write of writes) {
      if (dataType === 'workout' || dataType === 'sleep_session') {
        const record = write.record as CanonicalWorkout | CanonicalSleepSession;
        const id = write.replaces ?? this.sessionId(record.sourceId, record.recordId);
        const body =
          dataType === 'workout'
            ? workoutToSession(record as CanonicalWorkout, id, this.appName)
            : sleepToSession(record as CanonicalSleepSession, id, this.appName);
        await ctx.http.request({
          method: 'PUT',
          path: `/users/me/sessions/${encodeURIComponent(id)}`,
          json: body,
        });
        outcomes.push({
          sourceRecordId: record.recordId,
          status: write.replaces ? 'updated' : 'created',
          destinationRecordId: id,
        });
      } else if (dataType === 'steps') {
        outcomes.push(await this.pushSteps(ctx, write as PushWrite<'steps'>));
      } else {
        outcomes.push(await this.pushWeight(ctx, write as PushWrite<'weight'>));
      }
    }
    return outcomes;
  }

  private async pushSteps(ctx: ProviderContext, write: PushWrite<'steps'>): Promise<PushOutcome> {
    const { record } = write;
    const start = localMidnight(record.date, record.timezone);
    const end = localMidnight(nextDate(record.date), record.timezone);
    if (!write.replaces) {
      // Google Fit sums every source's deltas: adding a day the phone already counted would double it.
      const res = await ctx.http.request({
        method: 'POST',
        path: '/users/me/dataset:aggregate',
        json: {
          aggregateBy: [{ dataTypeName: FIT_STEPS }],
          bucketByTime: { durationMillis: String(end - start) },
          startTimeMillis: String(start),
          endTimeMillis: String(end),
        },
      });
      const existing = parsePayload('google_fit', 'steps aggregate', fitAggregateSchema, res.body)
        .bucket.flatMap((b) => b.dataset.flatMap((d) => d.point))
        .reduce((sum, p) => sum + (p.value[0]?.intVal ?? 0), 0);
      if (existing > 0)
        return {
          sourceRecordId: record.recordId,
          status: 'conflict',
          destinationRecordId: record.date,
          reason: `Google Fit already counts ${existing} steps on ${record.date}`,
        };
    }
    const sourceId = await this.ownSource(ctx, FIT_STEPS);
    const [fromNs, toNs] = [nanosOf(start), nanosOf(end)];
    // Replacing: only SyncWell's own point for the day can go (other apps' counts stay).
    if (write.replaces)
      await ctx.http.request({
        method: 'DELETE',
        path: this.datasetPath(sourceId, fromNs, toNs),
        expectEmpty: true,
      });
    await ctx.http.request({
      method: 'PATCH',
      path: this.datasetPath(sourceId, fromNs, toNs),
      json: {
        dataSourceId: sourceId,
        minStartTimeNs: fromNs,
        maxEndTimeNs: toNs,
        point: [
          {
            startTimeNanos: fromNs,
            endTimeNanos: toNs,
            dataTypeName: FIT_STEPS,
            value: [{ intVal: record.steps }],
          },
        ],
      },
    });
    return {
      sourceRecordId: record.recordId,
      status: write.replaces ? 'updated' : 'created',
      destinationRecordId: record.date,
    };
  }

  private async pushWeight(ctx: ProviderContext, write: PushWrite<'weight'>): Promise<PushOutcome> {
    const { record } = write;
    const at = nanosOf(Date.parse(record.measuredAt));
    if (!write.replaces) {
      const existing = await this.weightPoints(ctx, at, at);
      if (existing.length > 0)
        return {
          sourceRecordId: record.recordId,
          status: 'conflict',
          destinationRecordId: at,
          reason: 'Google Fit already holds a weight at this instant',
        };
    }
    const sourceId = await this.ownSource(ctx, FIT_WEIGHT);
    if (write.replaces && write.replaces !== at && /^\d+$/.test(write.replaces))
      await ctx.http.request({
        method: 'DELETE',
        path: this.datasetPath(sourceId, write.replaces, write.replaces),
        expectEmpty: true,
      });
    await ctx.http.request({
      method: 'PATCH',
      path: this.datasetPath(sourceId, at, at),
      json: {
        dataSourceId: sourceId,
        minStartTimeNs: at,
        maxEndTimeNs: at,
        point: [
          {
            startTimeNanos: at,
            endTimeNanos: at,
            dataTypeName: FIT_WEIGHT,
            value: [{ fpVal: record.weightKg }],
          },
        ],
      },
    });
    return {
      sourceRecordId: record.recordId,
      status: write.replaces ? 'updated' : 'created',
      destinationRecordId: at,
    };
  }

  async hasNewData(ctx: ProviderContext, dataType: DataType, since: Date): Promise<boolean> {
    const from = since.getTime();
    const to = this.now().getTime();
    if (to <= from) return false;
    if (dataType === 'workout' || dataType === 'sleep_session') {
      // Sessions MODIFIED since `since`: without a time range (and page token) sessions.list
      // returns the sessions modified in the last 30 days. A range would select by end time and
      // miss a session uploaded late (phone offline, watch synced the next day).
      const res = await ctx.http.request({
        path: '/users/me/sessions',
        query: dataType === 'sleep_session' ? { activityType: FIT_SLEEP } : {},
      });
      const body = parsePayload('google_fit', 'sessions list', fitSessionListSchema, res.body);
      const changed = body.session.some(
        (s) =>
          (dataType === 'sleep_session') === (s.activityType === FIT_SLEEP) &&
          // A session without a modification time counts by its end.
          Number(s.modifiedTimeMillis ?? s.endTimeMillis) > from,
      );
      // More than a page changed in 30 days: no need to read on, something is there to sync.
      return changed || body.hasMoreData === true;
    }
    if (dataType === 'steps') {
      const res = await ctx.http.request({
        method: 'POST',
        path: '/users/me/dataset:aggregate',
        json: {
          aggregateBy: [{ dataTypeName: FIT_STEPS }],
          bucketByTime: { durationMillis: String(to - from) },
          startTimeMillis: String(from),
          endTimeMillis: String(to),
        },
      });
      return parsePayload('google_fit', 'steps aggregate', fitAggregateSchema, res.body).bucket.some((b) =>
        b.dataset.some((d) => d.point.length > 0),
      );
    }
    const res = await ctx.http.request({
      path: this.datasetPath(FIT_MERGE_WEIGHT, nanosOf(from), nanosOf(to)),
      query: { limit: 1 },
    });
    return parsePayload('google_fit', 'weight dataset', fitDatasetSchema, res.body).point.length > 0;
  }
}
