// Garmin Health API (pull side). Garmin serves summaries by UPLOAD time, at most 86400 s per request,
// and only what its users uploaded: there is no "records that started between A and B" query and no
// write access for partners. A record that STARTED in [since, until) was uploaded at or after
// `since` (a device cannot upload before the record began) and, unless the watch went unsynced for
// a long time, within `maxUploadLagSeconds` after `until`. So the provider scans the upload windows
// [since, min(now, until + lag)] one day at a time and keeps the summaries whose start lies in the
// window. A recent window costs (now − since) / 1 day requests; an old one (historical sync) at
// most (until − since + lag) / 1 day. History older than what was uploaded since the user
// connected needs Garmin's backfill (`requestBackfill`), which pushes data later.
import { z } from 'zod';
import type { CanonicalByDataType, CanonicalRecord, CloudProvider, DataType } from '../../domain/types.js';
import type { RateLimitObservation } from '../../ratelimit/types.js';
import { garminProfile } from './profile.js';
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
import { canonicalSummary } from '../canonicalSummary.js';
import { ProviderNotFoundError, ProviderRequestError } from '../errors.js';
import { parsePayload } from '../providerHttp.js';
import {
  activityToWorkout,
  bodyCompToWeight,
  dailyToSteps,
  sleepToCanonical,
  stepsSummary,
} from './garminMapping.js';
import {
  garminActivitySchema,
  garminBodyCompSchema,
  garminDailySchema,
  garminSleepSchema,
  garminUserIdSchema,
} from './garminSchemas.js';
import { clock } from '../../clock/clock.js';

export const GARMIN_MAX_UPLOAD_WINDOW_SECONDS = 86_400;
export const GARMIN_MAX_BACKFILL_SECONDS = 90 * 86_400;
const DEFAULT_MAX_UPLOAD_LAG_SECONDS = 14 * 86_400;

/**
 * Summaries this job's scans returned, by data type and summary id, so fetchPayloads needs no
 * second scan (Garmin has no get-by-id).
 */
const GARMIN_JOB = jobSlot('garmin', () => new Map<DataType, Map<string, { summaryId: string }>>());

interface SummaryKind<Raw> {
  path: string;
  schema: z.ZodType<Raw>;
  id(raw: Raw): string;
  /** When the record happened (epoch seconds): the window filter. */
  start(raw: Raw): number;
  toCanonical(raw: Raw, sourceId: string): CanonicalRecord;
  toSummary(raw: Raw, canonical: CanonicalRecord): RecordSummary;
}

type AnyKind = SummaryKind<{ summaryId: string }>;

const kind = <Raw extends { summaryId: string }>(k: SummaryKind<Raw>) => k as unknown as AnyKind;

const KINDS: Record<DataType, AnyKind> = {
  workout: kind({
    path: 'activities',
    schema: garminActivitySchema,
    id: (r) => r.summaryId,
    start: (r) => r.startTimeInSeconds,
    toCanonical: activityToWorkout,
    toSummary: (_r, c) => canonicalSummary('workout', c as CanonicalByDataType['workout']),
  }),
  sleep_session: kind({
    path: 'sleeps',
    schema: garminSleepSchema,
    id: (r) => r.summaryId,
    start: (r) => r.startTimeInSeconds,
    toCanonical: sleepToCanonical,
    toSummary: (_r, c) => canonicalSummary('sleep_session', c as CanonicalByDataType['sleep_session']),
  }),
  steps: kind({
    path: 'dailies',
    schema: garminDailySchema,
    id: (r) => r.summaryId,
    start: (r) => r.startTimeInSeconds,
    toCanonical: dailyToSteps,
    toSummary: (r, c) => stepsSummary(c as CanonicalByDataType['steps'], r.startTimeInSeconds),
  }),
  weight: kind({
    path: 'bodyComps',
    schema: garminBodyCompSchema,
    id: (r) => r.summaryId,
    start: (r) => r.measurementTimeInSeconds,
    toCanonical: bodyCompToWeight,
    toSummary: (_r, c) => canonicalSummary('weight', c as CanonicalByDataType['weight']),
  }),
};

export interface GarminProviderOptions {
  now?: () => Date;
  /** How long after a record ends its upload may still arrive (a watch left unsynced). Default 14 days. */
  maxUploadLagSeconds?: number;
}

const toSeconds = (d: Date) => Math.floor(d.getTime() / 1000);

/**
 * Garmin documents no rate-limit response headers (only 429s), so there is nothing to observe: the
 * limiter runs on its configured budget for Garmin.
 */
export function parseGarminRateLimit(_headers: Headers): RateLimitObservation | undefined {
  return undefined;
}

export class GarminProvider implements DataProvider {
  readonly id: CloudProvider = garminProfile.id;
  readonly changeNotifications = changeNotificationsOf(garminProfile);
  readonly capabilities: ProviderCapabilities = garminProfile.capabilities;

  private readonly now: () => Date;
  private readonly maxUploadLagSeconds: number;

  constructor(options: GarminProviderOptions = {}) {
    this.now = options.now ?? (() => clock.date());
    this.maxUploadLagSeconds = options.maxUploadLagSeconds ?? DEFAULT_MAX_UPLOAD_LAG_SECONDS;
  }

  /** The Garmin user id of the connection (the profile's user-id call). */
  async fetchUserId(ctx: ProviderContext): Promise<string> {
    const res = await ctx.http.request({ path: garminProfile.oauth.userId.path });
    return parsePayload('garmin', 'user id', garminUserIdSchema, res.body).userId;
  }

  /** Asks Garmin to push history for a data type (answered 202; the data arrives by push later). */
  async requestBackfill(ctx: ProviderContext, dataType: DataType, window: TimeWindow): Promise<void> {
    const { path } = KINDS[dataType];
    for (
      let from = toSeconds(window.since);
      from < toSeconds(window.until);
      from += GARMIN_MAX_BACKFILL_SECONDS
    ) {
      const to = Math.min(from + GARMIN_MAX_BACKFILL_SECONDS, toSeconds(window.until));
      await ctx.http.request({
        path: `/wellness-api/rest/backfill/${path}`,
        query: { summaryStartTimeInSeconds: from, summaryEndTimeInSeconds: to },
        expectEmpty: true,
      });
    }
  }

  private seen(ctx: ProviderContext, dataType: DataType): Map<string, { summaryId: string }> {
    const byType = ctx.job.get(GARMIN_JOB);
    let byId = byType.get(dataType);
    if (!byId) byType.set(dataType, (byId = new Map()));
    return byId;
  }

  /** Every summary uploaded in [from, to), deduplicated by summaryId (a re-upload replaces). */
  private async scanUploads(
    ctx: ProviderContext,
    dataType: DataType,
    from: number,
    to: number,
  ): Promise<Map<string, { summaryId: string }>> {
    const k = KINDS[dataType];
    const found = new Map<string, { summaryId: string }>();
    const seen = this.seen(ctx, dataType);
    for (let start = from; start < to; start += GARMIN_MAX_UPLOAD_WINDOW_SECONDS) {
      const end = Math.min(start + GARMIN_MAX_UPLOAD_WINDOW_SECONDS, to);
      const res = await ctx.http.request({
        path: `/wellness-api/rest/${k.path}`,
        query: { uploadStartTimeInSeconds: start, uploadEndTimeInSeconds: end },
      });
      const list = parsePayload('garmin', `${k.path} summaries`, z.array(k.schema), res.body);
      for (const raw of list) {
        found.set(k.id(raw), raw);
        seen.set(k.id(raw), raw);
      }
    }
    return found;
  }

  async fetchMetadata(
    ctx: ProviderContext,
    dataType: DataType,
    window: TimeWindow,
  ): Promise<RecordSummary[]> {
    const k = KINDS[dataType];
    const since = toSeconds(window.since);
    const until = Math.ceil(window.until.getTime() / 1000);
    const uploadTo = Math.min(toSeconds(this.now()), until + this.maxUploadLagSeconds);
    if (uploadTo <= since) return [];
    const found = await this.scanUploads(ctx, dataType, since, uploadTo);
    return [...found.values()]
      .filter((raw) => k.start(raw) >= since && k.start(raw) < until)
      .sort((a, b) => k.start(a) - k.start(b))
      .map((raw) => k.toSummary(raw, k.toCanonical(raw, ctx.connection.connectionId)));
  }

  async fetchPayloads<T extends DataType>(
    ctx: ProviderContext,
    dataType: T,
    summaries: readonly RecordSummary[],
  ): Promise<CanonicalByDataType[T][]> {
    const k = KINDS[dataType];
    const byId = new Map<string, { summaryId: string }>();
    const missing: RecordSummary[] = [];
    const seen = this.seen(ctx, dataType);
    for (const s of summaries) {
      const hit = seen.get(s.recordId);
      if (hit) byId.set(s.recordId, hit);
      else missing.push(s);
    }
    if (missing.length > 0) {
      // Not seen by this job: rescan the uploads that can contain them.
      const starts = missing.map((s) => toSeconds(new Date(s.startTime)));
      const from = Math.min(...starts);
      const to = Math.min(toSeconds(this.now()), Math.max(...starts) + 2 * 86_400 + this.maxUploadLagSeconds);
      const found = await this.scanUploads(ctx, dataType, from, Math.max(to, from + 1));
      for (const s of missing) {
        const raw = found.get(s.recordId);
        if (raw) byId.set(s.recordId, raw);
      }
    }
    return summaries.map((s) => {
      const raw = byId.get(s.recordId);
      if (!raw)
        throw new ProviderNotFoundError('garmin', `garmin: ${k.path} summary ${s.recordId} not found`);
      return k.toCanonical(raw, ctx.connection.connectionId) as CanonicalByDataType[T];
    });
  }

  push<T extends DataType>(
    _ctx: ProviderContext,
    dataType: T,
    _writes: readonly PushWrite<T>[],
  ): Promise<PushOutcome[]> {
    return Promise.reject(
      new ProviderRequestError(
        'garmin',
        405,
        `garmin: the Health API is read-only (${dataType} cannot be written)`,
      ),
    );
  }

  /**
   * One request: anything uploaded since `since`? Garmin answers at most one day of uploads per
   * request, so a longer gap is answered "yes" without asking (the sync itself will find out).
   */
  async hasNewData(ctx: ProviderContext, dataType: DataType, since: Date): Promise<boolean> {
    const from = toSeconds(since);
    const to = toSeconds(this.now());
    if (to - from > GARMIN_MAX_UPLOAD_WINDOW_SECONDS) return true;
    if (to <= from) return false;
    const k = KINDS[dataType];
    const res = await ctx.http.request({
      path: `/wellness-api/rest/${k.path}`,
      query: { uploadStartTimeInSeconds: from, uploadEndTimeInSeconds: to },
    });
    return parsePayload('garmin', `${k.path} summaries`, z.array(k.schema), res.body).length > 0;
  }
}
