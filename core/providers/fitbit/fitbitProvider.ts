// Fitbit as a DataProvider: workouts (activity logs), sleep (v1.2, with stages), weight and daily
// steps (read only: the Web API cannot write steps). Nothing can be updated in place. Fitbit's
// rate limit is 150 requests an hour per user, reported on every response.
//
// Units: Fitbit answers in the unit system named by Accept-Language (en_US: pounds, miles, feet).
// ProviderHttp sends no Accept-Language, and without one Fitbit answers metric, which is what the
// mapping assumes. If ProviderHttp ever sets a default Accept-Language, it must not be en_US.
//
// Times: the user's zone comes from the Fitbit profile, fetched once per job (on the job's cache).
import type { CanonicalByDataType, DataType } from '../../domain/types.js';
import type { RateLimitObservation } from '../../ratelimit/types.js';
import { fitbitProfile } from './profile.js';
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
import { ProviderNotFoundError, ProviderPayloadError, ProviderRequestError } from '../errors.js';
import { parsePayload, type ProviderRequest } from '../providerHttp.js';
import {
  activityForm,
  activityStart,
  addDays,
  dateChunks,
  profileZone,
  sleepFromLog,
  sleepQuery,
  sleepSummary,
  stepsFromSummary,
  stepsSummary,
  weightForm,
  weightFromLog,
  weightSummary,
  workoutFromLog,
  workoutSummary,
} from './fitbitMapping.js';
import { wallClock } from '../../domain/localTime.js';
import {
  FitbitActivityListSchema,
  FitbitCreateActivitySchema,
  FitbitCreateFatSchema,
  FitbitCreateSleepSchema,
  FitbitCreateWeightSchema,
  FitbitProfileSchema,
  FitbitSleepRangeSchema,
  FitbitStepsSeriesSchema,
  FitbitWeightRangeSchema,
  type FitbitActivityList,
  type FitbitActivityLog,
  type FitbitSleepLog,
  type FitbitStepsDay,
  type FitbitWeightLog,
} from './fitbitSchemas.js';
import { clock } from '../../clock/clock.js';

const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;
/** No zone is further than 14 h from UTC: the margin between an instant and any local reading of it. */
const MAX_OFFSET_MS = 14 * HOUR_MS;
/** Documented maximum ranges (inclusive days) per request. */
const MAX_DAYS = { sleep: 100, weight: 31, steps: 1095 } as const;
const MAX_PAGES = 1000;

/**
 * `Fitbit-Rate-Limit-Limit` / `-Remaining` / `-Reset` (seconds until the hourly window resets; the
 * window is per user).
 */
export function parseFitbitRateLimit(
  headers: Headers,
  now: Date = clock.date(),
): RateLimitObservation | undefined {
  const number = (name: string) => {
    const raw = headers.get(name);
    const value = raw === null || raw.trim() === '' ? NaN : Number(raw);
    return Number.isFinite(value) && value >= 0 ? value : undefined;
  };
  const limit = number('fitbit-rate-limit-limit');
  const remaining = number('fitbit-rate-limit-remaining');
  if (limit === undefined || remaining === undefined) return undefined;
  const reset = number('fitbit-rate-limit-reset');
  return {
    windows: [
      {
        scope: 'user',
        limit,
        used: Math.max(0, limit - remaining),
        windowSeconds: 3600,
        ...(reset !== undefined ? { resetAt: now.getTime() + reset * 1000 } : {}),
      },
    ],
  };
}

type Schema<T> = Parameters<typeof parsePayload<T>>[2];

type Native = FitbitActivityLog | FitbitSleepLog | FitbitWeightLog | FitbitStepsDay;

/** What one job has learned: the profile zone and the records it listed. */
const FITBIT_JOB = jobSlot('fitbit', () => ({
  zone: undefined as Promise<string> | undefined,
  records: new Map<DataType, Map<string, { native: Native; summary: RecordSummary }>>(),
}));

export interface FitbitProviderOptions {
  /** Activity-list page size (Fitbit's maximum is 100). */
  pageSize?: number;
  now?: () => Date;
}

const utcDate = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/** A `pagination.next` URL as a request below the API base (the sandbox adds a path prefix). */
export function nextPageRequest(next: string): ProviderRequest {
  let url: URL;
  try {
    url = new URL(next);
  } catch {
    throw new ProviderPayloadError('fitbit', `fitbit: pagination.next is not a URL: ${next.slice(0, 200)}`);
  }
  const at = url.pathname.search(/\/1(\.2)?\/user\//);
  if (at < 0)
    throw new ProviderPayloadError('fitbit', `fitbit: unexpected pagination.next path ${url.pathname}`);
  return { path: url.pathname.slice(at), query: Object.fromEntries(url.searchParams) };
}

export class FitbitProvider implements DataProvider {
  readonly id = fitbitProfile.id;
  readonly changeNotifications = changeNotificationsOf(fitbitProfile);
  readonly capabilities: ProviderCapabilities = fitbitProfile.capabilities;

  private readonly pageSize: number;
  private readonly now: () => Date;

  constructor(options: FitbitProviderOptions = {}) {
    this.pageSize = Math.min(100, Math.max(1, options.pageSize ?? 100));
    this.now = options.now ?? (() => clock.date());
  }

  private async get<T>(
    ctx: ProviderContext,
    req: ProviderRequest,
    what: string,
    schema: Schema<T>,
  ): Promise<T> {
    const res = await ctx.http.request(req);
    return parsePayload('fitbit', what, schema, res.body);
  }

  /** The user's zone, from the profile, once per job. */
  private zone(ctx: ProviderContext): Promise<string> {
    const cache = ctx.job.get(FITBIT_JOB);
    if (!cache.zone) {
      const zone = this.get(ctx, { path: '/1/user/-/profile.json' }, 'profile', FitbitProfileSchema).then(
        (p) => profileZone(p.user),
      );
      cache.zone = zone;
      // A failed lookup must not stick to the job: the next call asks again.
      zone.catch(() => {
        if (cache.zone === zone) cache.zone = undefined;
      });
    }
    return cache.zone;
  }

  private remember(ctx: ProviderContext, dataType: DataType, native: Native, summary: RecordSummary): void {
    const records = ctx.job.get(FITBIT_JOB).records;
    let byId = records.get(dataType);
    if (!byId) records.set(dataType, (byId = new Map()));
    byId.set(summary.recordId, { native, summary });
  }

  async fetchMetadata(
    ctx: ProviderContext,
    dataType: DataType,
    window: TimeWindow,
  ): Promise<RecordSummary[]> {
    const zone = await this.zone(ctx);
    const since = window.since.getTime();
    const until = window.until.getTime();
    const inWindow = (s: RecordSummary) => {
      const t = Date.parse(s.startTime);
      return t >= since && t < until;
    };
    const found: { native: Native; summary: RecordSummary }[] = [];
    const localDay = (ms: number) => wallClock(zone, new Date(ms)).slice(0, 10);

    switch (dataType) {
      case 'workout': {
        // The list filters by floating local time, so start a day early and filter by instant.
        let req: ProviderRequest | undefined = {
          path: '/1/user/-/activities/list.json',
          query: { afterDate: utcDate(since - DAY_MS), sort: 'asc', offset: 0, limit: this.pageSize },
        };
        for (let pages = 0; req && pages < MAX_PAGES; pages += 1) {
          const page: FitbitActivityList = await this.get(
            ctx,
            req,
            'activity log list',
            FitbitActivityListSchema,
          );
          for (const log of page.activities) found.push({ native: log, summary: workoutSummary(log, zone) });
          const last = page.activities.at(-1);
          const pastWindow =
            last !== undefined && activityStart(last, zone).start.getTime() >= until + DAY_MS;
          req = page.pagination?.next && !pastWindow ? nextPageRequest(page.pagination.next) : undefined;
        }
        break;
      }
      case 'sleep_session': {
        // dateOfSleep is the day a sleep ENDED: a sleep starting before `until` may end the next day.
        for (const chunk of dateChunks(localDay(since), addDays(localDay(until), 1), MAX_DAYS.sleep)) {
          const res = await this.get(
            ctx,
            { path: `/1.2/user/-/sleep/date/${chunk.start}/${chunk.end}.json` },
            'sleep log range',
            FitbitSleepRangeSchema,
          );
          for (const log of res.sleep) found.push({ native: log, summary: sleepSummary(log, zone) });
        }
        break;
      }
      case 'weight': {
        for (const chunk of dateChunks(localDay(since), localDay(until - 1), MAX_DAYS.weight)) {
          const res = await this.get(
            ctx,
            { path: `/1/user/-/body/log/weight/date/${chunk.start}/${chunk.end}.json` },
            'weight log range',
            FitbitWeightRangeSchema,
          );
          for (const log of res.weight) found.push({ native: log, summary: weightSummary(log, zone) });
        }
        break;
      }
      case 'steps': {
        const now = this.now();
        for (const chunk of dateChunks(localDay(since), localDay(until - 1), MAX_DAYS.steps)) {
          const res = await this.get(
            ctx,
            { path: `/1/user/-/activities/steps/date/${chunk.start}/${chunk.end}.json` },
            'steps time series',
            FitbitStepsSeriesSchema,
          );
          // Fitbit answers 0 for every day without data (device not worn, future days): no record.
          for (const day of res['activities-steps'])
            if (day.value > 0) found.push({ native: day, summary: stepsSummary(day, zone, now) });
        }
        break;
      }
      default:
        return [];
    }

    const seen = new Set<string>();
    const summaries: RecordSummary[] = [];
    for (const { native, summary } of found) {
      if (!inWindow(summary) || seen.has(summary.recordId)) continue;
      seen.add(summary.recordId);
      this.remember(ctx, dataType, native, summary);
      summaries.push(summary);
    }
    return summaries.sort((a, b) => a.startTime.localeCompare(b.startTime));
  }

  /**
   * Fitbit's list and range responses already hold every canonical field, so payloads come from
   * what fetchMetadata cached for this job; summaries it did not see are listed again.
   */
  async fetchPayloads<T extends DataType>(
    ctx: ProviderContext,
    dataType: T,
    summaries: readonly RecordSummary[],
  ): Promise<CanonicalByDataType[T][]> {
    if (summaries.length === 0) return [];
    const zone = await this.zone(ctx);
    const cached = () => ctx.job.get(FITBIT_JOB).records.get(dataType);
    const missing = summaries.filter((s) => !cached()?.has(s.recordId));
    if (missing.length) {
      const starts = missing.map((s) => Date.parse(s.startTime));
      await this.fetchMetadata(ctx, dataType, {
        since: new Date(Math.min(...starts)),
        until: new Date(Math.max(...starts) + 1),
      });
    }
    const sourceId = ctx.connection.connectionId;
    return summaries.map((summary) => {
      const entry = cached()?.get(summary.recordId);
      if (!entry)
        throw new ProviderNotFoundError('fitbit', `fitbit: ${dataType} ${summary.recordId} not found`);
      switch (dataType) {
        case 'workout':
          return workoutFromLog(entry.native as FitbitActivityLog, zone, sourceId);
        case 'sleep_session':
          return sleepFromLog(entry.native as FitbitSleepLog, zone, sourceId);
        case 'weight':
          return weightFromLog(entry.native as FitbitWeightLog, zone, sourceId);
        default:
          return stepsFromSummary(entry.summary, sourceId);
      }
    }) as CanonicalByDataType[T][];
  }

  /** Creates one log per write (Fitbit has no batch or update), local times in the profile zone. */
  async push<T extends DataType>(
    ctx: ProviderContext,
    dataType: T,
    writes: readonly PushWrite<T>[],
  ): Promise<PushOutcome[]> {
    if (!this.capabilities[dataType]?.write)
      throw new ProviderRequestError('fitbit', 405, `fitbit: the Web API cannot write ${dataType}`);
    if (writes.length === 0) return [];
    const zone = await this.zone(ctx);
    const outcomes: PushOutcome[] = [];
    for (const write of writes) {
      const sourceRecordId = write.record.recordId;
      let destinationRecordId: number;
      if (dataType === 'workout') {
        const record = write.record as CanonicalByDataType['workout'];
        const res = await this.get(
          ctx,
          { method: 'POST', path: '/1/user/-/activities.json', form: activityForm(record, zone) },
          'created activity log',
          FitbitCreateActivitySchema,
        );
        destinationRecordId = res.activityLog.logId;
      } else if (dataType === 'sleep_session') {
        const record = write.record as CanonicalByDataType['sleep_session'];
        const res = await this.get(
          ctx,
          { method: 'POST', path: '/1.2/user/-/sleep.json', query: sleepQuery(record, zone) },
          'created sleep log',
          FitbitCreateSleepSchema,
        );
        destinationRecordId = Array.isArray(res.sleep) ? res.sleep[0]!.logId : res.sleep.logId;
      } else {
        const record = write.record as CanonicalByDataType['weight'];
        const form = weightForm(record, zone);
        const res = await this.get(
          ctx,
          { method: 'POST', path: '/1/user/-/body/log/weight.json', form },
          'created weight log',
          FitbitCreateWeightSchema,
        );
        destinationRecordId = res.weightLog.logId;
        // Body fat is its own log; Fitbit shows it on the weight log taken at the same moment.
        if (record.bodyFatPercentage !== null && record.bodyFatPercentage !== undefined)
          await this.get(
            ctx,
            {
              method: 'POST',
              path: '/1/user/-/body/log/fat.json',
              form: { fat: String(record.bodyFatPercentage), date: form.date!, time: form.time! },
            },
            'created body fat log',
            FitbitCreateFatSchema,
          );
      }
      outcomes.push({ sourceRecordId, status: 'created', destinationRecordId: String(destinationRecordId) });
    }
    return outcomes;
  }

  /**
   * One request, without the profile: instants are judged zone-free. Floating times may be read
   * up to 14 h either way, so the check errs towards "yes" and never misses a record.
   */
  async hasNewData(ctx: ProviderContext, dataType: DataType, since: Date): Promise<boolean> {
    const sinceMs = since.getTime();
    const end = utcDate(this.now().getTime() + DAY_MS);
    // A floating local time that could denote an instant at or after `since`.
    const couldBeAfter = (floating: string) =>
      Date.parse(`${floating.slice(0, 19)}Z`) + MAX_OFFSET_MS >= sinceMs;
    const range = (maxDays: number) => {
      const start = utcDate(sinceMs - DAY_MS);
      return Date.parse(end) - Date.parse(start) < maxDays * DAY_MS ? { start, end } : undefined;
    };

    switch (dataType) {
      case 'workout': {
        // Floating afterDate: the earliest wall-clock reading of `since` anywhere.
        const page = await this.get(
          ctx,
          {
            path: '/1/user/-/activities/list.json',
            query: {
              afterDate: new Date(sinceMs - MAX_OFFSET_MS).toISOString().slice(0, 19),
              sort: 'asc',
              offset: 0,
              limit: this.pageSize,
            },
          },
          'activity log list',
          FitbitActivityListSchema,
        );
        return page.activities.some((log) => {
          const offset = /([+-]\d{2}:?\d{2}|Z)$/.test(log.startTime);
          const startsAfter = offset ? Date.parse(log.startTime) >= sinceMs : couldBeAfter(log.startTime);
          return startsAfter || Date.parse(log.lastModified) >= sinceMs;
        });
      }
      case 'sleep_session': {
        const r = range(MAX_DAYS.sleep);
        if (!r) return true; // older than one request can cover: let the sync look.
        const res = await this.get(
          ctx,
          { path: `/1.2/user/-/sleep/date/${r.start}/${r.end}.json` },
          'sleep log range',
          FitbitSleepRangeSchema,
        );
        return res.sleep.some((log) =>
          couldBeAfter(new Date(Date.parse(`${log.startTime.slice(0, 19)}Z`) + log.duration).toISOString()),
        );
      }
      case 'weight': {
        const r = range(MAX_DAYS.weight);
        if (!r) return true;
        const res = await this.get(
          ctx,
          { path: `/1/user/-/body/log/weight/date/${r.start}/${r.end}.json` },
          'weight log range',
          FitbitWeightRangeSchema,
        );
        return res.weight.some((log) => couldBeAfter(`${log.date}T${log.time ?? '23:59:59'}`));
      }
      case 'steps': {
        const r = range(MAX_DAYS.steps);
        if (!r) return true;
        const res = await this.get(
          ctx,
          { path: `/1/user/-/activities/steps/date/${r.start}/${r.end}.json` },
          'steps time series',
          FitbitStepsSeriesSchema,
        );
        // A day's total can grow until the day ends.
        return res['activities-steps'].some(
          (day) => day.value > 0 && couldBeAfter(`${addDays(day.dateTime, 1)}T00:00:00`),
        );
      }
      default:
        return false;
    }
  }
}
