// The Google Health API (health.googleapis.com/v4) as a DataProvider: workouts (`exercise`), sleep,
// daily steps and weight, all read with users.dataTypes.dataPoints.list (AIP-160 time filter,
// newest first, nextPageToken) and written with dataPoints.create. Mapping both ways is
// googleHealthMapping.ts; Google's error bodies are read in googleHealthErrors.ts.
//
// Writes are idempotent: exercise, sleep and weight are created under a client-chosen data point
// id derived from the source record (clientDataPointId), so a retried create is 409 ALREADY_EXISTS,
// reported as a conflict. Steps points cannot be named: a day is read from the source that counted
// most, and written only where no other source counts it, a retry adding only what is missing
// (googleHealthSteps.ts).
//
// Zones: the user's settings zone (googlehealth.settings.readonly) is not requested, so records
// carry the fixed-offset zone of their UTC offset (`Etc/GMT+5`), or none for half-hour offsets.
import type {
  CanonicalByDataType,
  CanonicalRecord,
  CanonicalSleepSession,
  CanonicalSteps,
  CanonicalWeight,
  CanonicalWorkout,
  DataType,
} from '../../domain/types.js';
import { canonicalSummary } from '../canonicalSummary.js';
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
import {
  ProviderNotFoundError,
  ProviderPayloadError,
  ProviderRequestError,
  ProviderUnavailableError,
} from '../errors.js';
import { jobSlot } from '../jobCache.js';
import { parsePayload, type ProviderRequest, type ProviderResponse } from '../providerHttp.js';
import { GOOGLE_ERROR_STATUSES, googleHealthError } from './googleHealthErrors.js';
import { planStepsWrite, stepsDayRange, stepsDays } from './googleHealthSteps.js';
import {
  clientDataPointId,
  dataPointName,
  exerciseCreateBody,
  sleepCreateBody,
  sleepFromDataPoint,
  stepsCreateBodies,
  weightCreateBody,
  weightFromDataPoint,
  workoutFromDataPoint,
  type GoogleHealthDataType,
  type GoogleHealthSource,
} from './googleHealthMapping.js';
import {
  exerciseDataPointSchema,
  exerciseListSchema,
  googleErrorSchema,
  sleepDataPointSchema,
  sleepListSchema,
  stepsListSchema,
  weightDataPointSchema,
  weightListSchema,
} from './googleHealthSchemas.js';
import { googleHealthProfile } from './profile.js';
import { z } from 'zod';

export { parseGoogleHealthRateLimit } from './googleHealthErrors.js';

const PROVIDER = 'google_health';
const USER = '/v4/users/me';
const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
/** Google accepts UTC offsets up to ±18 h: the margin between an instant and any civil reading of it. */
const MAX_OFFSET_MS = 18 * HOUR_MS;
/** Longer than any night: sleep is selected by END time, so the query runs this far past `until`. */
const MAX_SLEEP_MS = 2 * DAY_MS;
/** A local day is at most 25 h long (the day a DST change repeats an hour). */
const MAX_LOCAL_DAY_MS = 25 * HOUR_MS;
/** hasNewData also looks this far back, for records uploaded (or edited) after they started. */
const LATE_UPLOAD_MS = DAY_MS;
/** A listing that has not ended after this many pages is Google's bug, not data. */
const MAX_PAGES = 1000;
/** hasNewData reads one page of this size (the exercise and sleep maximum). */
const PREFLIGHT_PAGE_SIZE = 25;
/** google.rpc.Code → HTTP status, for an Operation that ended in an error. */
const HTTP_OF_RPC_CODE: Readonly<Record<number, number>> = {
  3: 400,
  5: 404,
  6: 409,
  7: 403,
  8: 429,
  9: 400,
  10: 409,
  11: 400,
  16: 401,
};

const HEALTH_TYPE: Record<DataType, GoogleHealthDataType> = {
  workout: 'exercise',
  sleep_session: 'sleep',
  steps: 'steps',
  weight: 'weight',
};
/** Largest page each list accepts (larger values are truncated by Google). */
const MAX_PAGE_SIZE: Record<GoogleHealthDataType, number> = {
  exercise: 25,
  sleep: 25,
  steps: 10_000,
  weight: 10_000,
};

/** An RFC 3339 instant for a filter literal. */
const instant = (ms: number) => new Date(ms).toISOString();
/** A civil `YYYY-MM-DDTHH:mm:ss` literal: the UTC reading of `ms` (callers widen by MAX_OFFSET_MS). */
const civil = (ms: number) => new Date(ms).toISOString().slice(0, 19);
const and = (...terms: string[]) => terms.join(' AND ');

/** create's answer: a long-running Operation, done at once, holding the DataPoint. */
const operationSchema = z.object({
  name: z.string().optional(),
  done: z.boolean().optional(),
  error: z.object({ code: z.number().int(), message: z.string().default('') }).optional(),
  response: z.looseObject({ name: z.string().optional() }).optional(),
});

type Schema<T> = Parameters<typeof parsePayload<T>>[2];

/** What one job has learned: the canonical records its listings returned, by data type and id. */
const GOOGLE_HEALTH_JOB = jobSlot(PROVIDER, () => ({
  records: new Map<DataType, Map<string, CanonicalRecord>>(),
}));

export interface GoogleHealthProviderOptions {
  /** Points per list page; capped at Google's maximum per data type (25 for exercise and sleep). */
  pageSize?: number;
}

export class GoogleHealthProvider implements DataProvider {
  readonly id = googleHealthProfile.id;
  readonly changeNotifications = changeNotificationsOf(googleHealthProfile);
  readonly capabilities: ProviderCapabilities = googleHealthProfile.capabilities;

  private readonly pageSize: number | undefined;

  constructor(options: GoogleHealthProviderOptions = {}) {
    this.pageSize = options.pageSize !== undefined ? Math.max(1, options.pageSize) : undefined;
  }

  // ---- HTTP -----------------------------------------------------------------------------------

  /** One request; Google's 4xx answers become ProviderErrors here, `accept`ed statuses are returned. */
  private async send(
    ctx: ProviderContext,
    req: ProviderRequest,
    accept: readonly number[] = [],
  ): Promise<ProviderResponse> {
    const res = await ctx.http.request({ ...req, allowStatus: GOOGLE_ERROR_STATUSES });
    if ((res.status >= 200 && res.status < 300) || accept.includes(res.status)) return res;
    throw googleHealthError(res, `${req.method ?? 'GET'} ${req.path}`);
  }

  private async get<T>(
    ctx: ProviderContext,
    req: ProviderRequest,
    what: string,
    schema: Schema<T>,
  ): Promise<T> {
    return parsePayload(PROVIDER, what, schema, (await this.send(ctx, req)).body);
  }

  /** Every page of a dataPoints.list. */
  private async list<T>(
    ctx: ProviderContext,
    type: GoogleHealthDataType,
    filter: string,
    schema: Schema<{ dataPoints: T[]; nextPageToken?: string | undefined }>,
    pageSize = this.pageSize ?? MAX_PAGE_SIZE[type],
  ): Promise<T[]> {
    const points: T[] = [];
    let pageToken: string | undefined;
    for (let page = 0; page < MAX_PAGES; page += 1) {
      const body = await this.get(
        ctx,
        {
          path: `${USER}/dataTypes/${type}/dataPoints`,
          query: { filter, pageSize: Math.min(pageSize, MAX_PAGE_SIZE[type]), pageToken },
        },
        `${type} data points`,
        schema,
      );
      points.push(...body.dataPoints);
      if (!body.nextPageToken) return points;
      pageToken = body.nextPageToken;
    }
    throw new ProviderPayloadError(
      PROVIDER,
      `${PROVIDER}: ${type} list did not end after ${MAX_PAGES} pages`,
    );
  }

  private source(ctx: ProviderContext): GoogleHealthSource {
    return { sourceId: ctx.connection.connectionId, provider: PROVIDER, userZone: null };
  }

  private cached(ctx: ProviderContext, dataType: DataType): Map<string, CanonicalRecord> {
    const records = ctx.job.get(GOOGLE_HEALTH_JOB).records;
    let byId = records.get(dataType);
    if (!byId) records.set(dataType, (byId = new Map()));
    return byId;
  }

  // ---- reads ----------------------------------------------------------------------------------

  /** Canonical records of the data points listed for [since, until), before the window filter. */
  private async read(ctx: ProviderContext, dataType: DataType, since: number, until: number) {
    const source = this.source(ctx);
    switch (dataType) {
      case 'workout': {
        // Exercise filters by civil start only: widen by the largest offset, then filter by instant.
        const field = 'exercise.interval.civil_start_time';
        const filter = and(
          `${field} >= "${civil(since - MAX_OFFSET_MS)}"`,
          `${field} < "${civil(until + MAX_OFFSET_MS)}"`,
        );
        const points = await this.list(ctx, 'exercise', filter, exerciseListSchema);
        return points.map((p): CanonicalRecord => workoutFromDataPoint(p, source));
      }
      case 'sleep_session': {
        // Sleep filters by end time: a night starting in the window ends within MAX_SLEEP_MS of it.
        const field = 'sleep.interval.end_time';
        const filter = and(
          `${field} >= "${instant(since)}"`,
          `${field} < "${instant(until + MAX_SLEEP_MS)}"`,
        );
        const points = await this.list(ctx, 'sleep', filter, sleepListSchema);
        return points.map((p): CanonicalRecord => sleepFromDataPoint(p, source));
      }
      case 'weight': {
        const field = 'weight.sample_time.physical_time';
        const filter = and(`${field} >= "${instant(since)}"`, `${field} < "${instant(until)}"`);
        const points = await this.list(ctx, 'weight', filter, weightListSchema);
        return points.flatMap((p): CanonicalRecord[] => {
          const weight = weightFromDataPoint(p, source);
          return weight ? [weight] : [];
        });
      }
      case 'steps': {
        // Every interval of each local day that can start in the window, whatever its offset.
        const field = 'steps.interval.start_time';
        const filter = and(
          `${field} >= "${instant(since - MAX_OFFSET_MS)}"`,
          `${field} < "${instant(until + MAX_LOCAL_DAY_MS + MAX_OFFSET_MS)}"`,
        );
        const points = await this.list(ctx, 'steps', filter, stepsListSchema);
        return stepsDays(points, source);
      }
    }
  }

  async fetchMetadata(
    ctx: ProviderContext,
    dataType: DataType,
    window: TimeWindow,
  ): Promise<RecordSummary[]> {
    const since = window.since.getTime();
    const until = window.until.getTime();
    if (until <= since) return [];
    const cache = this.cached(ctx, dataType);
    const summaries = new Map<string, RecordSummary>();
    for (const record of await this.read(ctx, dataType, since, until)) {
      const summary = canonicalSummary(dataType, record);
      const start = Date.parse(summary.startTime);
      if (start < since || start >= until) continue;
      cache.set(summary.recordId, record);
      summaries.set(summary.recordId, summary);
    }
    return [...summaries.values()].sort(
      (a, b) => a.startTime.localeCompare(b.startTime) || a.recordId.localeCompare(b.recordId),
    );
  }

  /**
   * The listings already hold every canonical field, so payloads come from what fetchMetadata
   * cached for this job; others are listed again, and an identifiable point still missing is read
   * by name (dataPoints.get: 404 → ProviderNotFoundError).
   */
  async fetchPayloads<T extends DataType>(
    ctx: ProviderContext,
    dataType: T,
    summaries: readonly RecordSummary[],
  ): Promise<CanonicalByDataType[T][]> {
    if (summaries.length === 0) return [];
    const cache = this.cached(ctx, dataType);
    const missing = summaries.filter((s) => !cache.has(s.recordId));
    if (missing.length) {
      const starts = missing.map((s) => Date.parse(s.startTime));
      await this.fetchMetadata(ctx, dataType, {
        since: new Date(Math.min(...starts)),
        until: new Date(Math.max(...starts) + 1),
      });
    }
    for (const s of summaries)
      if (!cache.has(s.recordId) && dataType !== 'steps')
        cache.set(s.recordId, await this.readOne(ctx, dataType, s.recordId));
    return summaries.map((s) => {
      const record = cache.get(s.recordId);
      if (!record)
        throw new ProviderNotFoundError(PROVIDER, `${PROVIDER}: ${dataType} ${s.recordId} not found`);
      return record as CanonicalByDataType[T];
    });
  }

  /** dataPoints.get of an identifiable point (exercise, sleep, weight). */
  private async readOne(
    ctx: ProviderContext,
    dataType: DataType,
    recordId: string,
  ): Promise<CanonicalRecord> {
    const type = HEALTH_TYPE[dataType];
    const req = { path: `/v4/${dataPointName(type, encodeURIComponent(recordId))}` };
    const source = this.source(ctx);
    if (type === 'exercise')
      return workoutFromDataPoint(
        await this.get(ctx, req, 'exercise data point', exerciseDataPointSchema),
        source,
      );
    if (type === 'sleep')
      return sleepFromDataPoint(await this.get(ctx, req, 'sleep data point', sleepDataPointSchema), source);
    const weight = weightFromDataPoint(
      await this.get(ctx, req, 'weight data point', weightDataPointSchema),
      source,
    );
    if (!weight)
      throw new ProviderNotFoundError(PROVIDER, `${PROVIDER}: weight ${recordId} is outside 1–500 kg`);
    return weight;
  }

  // ---- writes ---------------------------------------------------------------------------------

  /**
   * One create per record (steps: per interval). Nothing is replaced in place (`update` is false),
   * so `replaces` is not used.
   */
  async push<T extends DataType>(
    ctx: ProviderContext,
    dataType: T,
    writes: readonly PushWrite<T>[],
  ): Promise<PushOutcome[]> {
    if (!this.capabilities[dataType]?.write)
      throw new ProviderRequestError(PROVIDER, 405, `${PROVIDER}: cannot write ${dataType}`);
    const outcomes: PushOutcome[] = [];
    for (const write of writes) {
      if (dataType === 'steps') {
        outcomes.push(await this.pushSteps(ctx, write.record as CanonicalSteps));
        continue;
      }
      const record = write.record as CanonicalWorkout | CanonicalSleepSession | CanonicalWeight;
      const id = clientDataPointId(record.sourceId, record.recordId);
      const body =
        dataType === 'workout'
          ? exerciseCreateBody(record as CanonicalWorkout, id)
          : dataType === 'sleep_session'
            ? sleepCreateBody(record as CanonicalSleepSession, id)
            : weightCreateBody(record as CanonicalWeight, id);
      outcomes.push(await this.create(ctx, HEALTH_TYPE[dataType], record.recordId, id, body));
    }
    return outcomes;
  }

  /** dataPoints.create under the client id `id`; ALREADY_EXISTS is this record, written before. */
  private async create(
    ctx: ProviderContext,
    type: GoogleHealthDataType,
    sourceRecordId: string,
    id: string,
    body: object,
  ): Promise<PushOutcome> {
    const path = `${USER}/dataTypes/${type}/dataPoints`;
    const what = `POST ${path}`;
    const conflict: PushOutcome = {
      sourceRecordId,
      status: 'conflict',
      destinationRecordId: id,
      reason: `Google Health already holds this ${type} data point (written before)`,
    };
    const res = await this.send(ctx, { method: 'POST', path, json: body }, [409]);
    if (res.status === 409) {
      // 409 ABORTED is a concurrent change, worth retrying; ALREADY_EXISTS is our own earlier write.
      const error = googleErrorSchema.safeParse(res.body);
      if (error.success && error.data.error.status === 'ABORTED')
        throw new ProviderUnavailableError(PROVIDER, `${PROVIDER}: ${what} answered 409 ABORTED`);
      return conflict;
    }
    const operation = parsePayload(PROVIDER, `${type} create operation`, operationSchema, res.body);
    if (operation.error) {
      const status = HTTP_OF_RPC_CODE[operation.error.code] ?? 503;
      const message = `${what}: the operation failed with code ${operation.error.code}`;
      if (status === 409) return conflict;
      if (status >= 500) throw new ProviderUnavailableError(PROVIDER, `${PROVIDER}: ${message}`);
      throw googleHealthError(
        { status, headers: res.headers, body: { error: { ...operation.error, code: status, status: '' } } },
        message,
      );
    }
    // A create not yet `done` has the id all the same (the API has no operations.get to poll).
    return { sourceRecordId, status: 'created', destinationRecordId: id };
  }

  /**
   * A steps day (its series intervals, or one interval over the local day). Points SyncWell wrote
   * before (platform GOOGLE_WEB_API, same interval and count) are not written again; steps of any
   * other source on that day make it a conflict, since Google would then hold the day twice.
   */
  private async pushSteps(ctx: ProviderContext, record: CanonicalSteps): Promise<PushOutcome> {
    let bodies;
    try {
      bodies = stepsCreateBodies(record);
    } catch (error) {
      throw new ProviderRequestError(PROVIDER, 400, `${PROVIDER}: ${(error as Error).message}`);
    }
    const { from, to } = stepsDayRange(record, bodies);
    const field = 'steps.interval.start_time';
    const existing = await this.list(
      ctx,
      'steps',
      and(`${field} >= "${instant(from)}"`, `${field} < "${instant(to)}"`),
      stepsListSchema,
      MAX_PAGE_SIZE.steps,
    );
    const plan = planStepsWrite(record, bodies, existing);
    if ('conflict' in plan)
      return {
        sourceRecordId: record.recordId,
        status: 'conflict',
        destinationRecordId: record.date,
        reason: plan.conflict,
      };
    for (const body of plan.write)
      await this.send(ctx, { method: 'POST', path: `${USER}/dataTypes/steps/dataPoints`, json: body });
    return { sourceRecordId: record.recordId, status: 'created', destinationRecordId: record.date };
  }

  // ---- pre-flight -----------------------------------------------------------------------------

  /**
   * One list request, newest first: anything that starts (sleep and steps: ends) at or after
   * `since`, or exercise and sleep created or edited since then (looking a day back for late
   * uploads; a full page of exercise or sleep with more behind it answers yes).
   */
  async hasNewData(ctx: ProviderContext, dataType: DataType, since: Date): Promise<boolean> {
    const from = since.getTime();
    const source = this.source(ctx);
    const after = (t: string) => Date.parse(t) >= from;
    const one = <T>(
      type: GoogleHealthDataType,
      filter: string,
      schema: Schema<{ dataPoints: T[]; nextPageToken?: string | undefined }>,
    ) =>
      this.get(
        ctx,
        { path: `${USER}/dataTypes/${type}/dataPoints`, query: { filter, pageSize: PREFLIGHT_PAGE_SIZE } },
        `${type} data points`,
        schema,
      );
    switch (dataType) {
      case 'workout': {
        const page = await one(
          'exercise',
          `exercise.interval.civil_start_time >= "${civil(from - LATE_UPLOAD_MS - MAX_OFFSET_MS)}"`,
          exerciseListSchema,
        );
        const changed = page.dataPoints
          .map((p) => workoutFromDataPoint(p, source))
          .some((w) => after(w.startTime) || after(w.lastModified));
        return changed || Boolean(page.nextPageToken);
      }
      case 'sleep_session': {
        const page = await one(
          'sleep',
          `sleep.interval.end_time >= "${instant(from - LATE_UPLOAD_MS)}"`,
          sleepListSchema,
        );
        const changed = page.dataPoints
          .map((p) => sleepFromDataPoint(p, source))
          .some((s) => after(s.endTime) || after(s.lastModified));
        return changed || Boolean(page.nextPageToken);
      }
      case 'weight': {
        const page = await one(
          'weight',
          `weight.sample_time.physical_time >= "${instant(from)}"`,
          weightListSchema,
        );
        return page.dataPoints.length > 0;
      }
      case 'steps': {
        // A day's total grows until its last interval ends; the newest intervals come first.
        const page = await one(
          'steps',
          `steps.interval.start_time >= "${instant(from - LATE_UPLOAD_MS)}"`,
          stepsListSchema,
        );
        return page.dataPoints.some((p) => after(p.steps.interval.endTime));
      }
    }
  }
}
