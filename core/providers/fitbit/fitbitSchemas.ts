// The Fitbit Web API's documented response shapes, only the fields SyncWell reads. z.object strips
// what it does not list, so Fitbit adding fields never breaks a sync; a missing or mistyped field we
// rely on is a permanent ProviderPayloadError (through parsePayload).
import { z } from 'zod';

const date = z.string().regex(/^\d{4}-\d{2}-\d{2}$/);
/** A local date-time, optionally with an offset: `2026-11-20T07:00:00.000-05:00`, `2026-11-20T22:30:00.000`. */
const localDateTime = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:?\d{2})?$/);
const instant = z.string().refine((v) => !Number.isNaN(Date.parse(v)), 'not a date-time');

/** GET /1/user/-/profile.json: the only place the user's time zone is stated. */
export const FitbitProfileSchema = z.object({
  user: z.object({
    encodedId: z.string(),
    timezone: z.string().optional(),
    offsetFromUTCMillis: z.number().optional(),
  }),
});
export type FitbitProfile = z.infer<typeof FitbitProfileSchema>['user'];

export const FitbitActivityLogSchema = z.object({
  logId: z.number(),
  activityName: z.string(),
  activityTypeId: z.number().optional(),
  /** Local time with the offset the logging device had: `2026-11-20T07:00:00.000-05:00`. */
  startTime: localDateTime,
  originalStartTime: z.string().optional(),
  /** Milliseconds, elapsed. */
  duration: z.number().nonnegative(),
  /** Milliseconds, moving. */
  activeDuration: z.number().nonnegative().optional(),
  distance: z.number().nonnegative().optional(),
  distanceUnit: z.string().optional(),
  calories: z.number().optional(),
  averageHeartRate: z.number().optional(),
  elevationGain: z.number().optional(),
  lastModified: instant,
  logType: z.string().optional(),
  source: z.object({ name: z.string().optional(), type: z.string().optional() }).optional(),
});
export type FitbitActivityLog = z.infer<typeof FitbitActivityLogSchema>;

export const FitbitPaginationSchema = z.object({
  /** A full URL of the next page, or '' on the last page. */
  next: z.string().optional(),
  previous: z.string().optional(),
  limit: z.number().optional(),
  offset: z.number().optional(),
  sort: z.string().optional(),
});

/** GET /1/user/-/activities/list.json */
export const FitbitActivityListSchema = z.object({
  activities: z.array(FitbitActivityLogSchema),
  pagination: FitbitPaginationSchema.optional(),
});
export type FitbitActivityList = z.infer<typeof FitbitActivityListSchema>;

/** POST /1/user/-/activities.json (201) */
export const FitbitCreateActivitySchema = z.object({
  activityLog: z.object({ logId: z.number() }),
});

const stageMinutes = z.object({ minutes: z.number().nonnegative() });

export const FitbitSleepLogSchema = z.object({
  logId: z.number(),
  /** The day the sleep ended. */
  dateOfSleep: date,
  /** Floating local time, no offset: `2026-11-20T22:30:00.000`. */
  startTime: localDateTime,
  endTime: z.string().optional(),
  /** Milliseconds in bed. */
  duration: z.number().nonnegative(),
  minutesAsleep: z.number().nonnegative(),
  minutesAwake: z.number().nonnegative().optional(),
  timeInBed: z.number().optional(),
  efficiency: z.number().optional(),
  isMainSleep: z.boolean().optional(),
  /** `stages` (deep/light/rem/wake) or `classic` (asleep/restless/awake; manual logs, short naps). */
  type: z.string().optional(),
  levels: z
    .object({
      summary: z.record(z.string(), stageMinutes).optional(),
      data: z
        .array(z.object({ dateTime: localDateTime, level: z.string(), seconds: z.number().nonnegative() }))
        .optional(),
    })
    .optional(),
});
export type FitbitSleepLog = z.infer<typeof FitbitSleepLogSchema>;

/** GET /1.2/user/-/sleep/date/{start}/{end}.json */
export const FitbitSleepRangeSchema = z.object({ sleep: z.array(FitbitSleepLogSchema) });

/** POST /1.2/user/-/sleep.json (201); some API versions answer with a one-element array. */
export const FitbitCreateSleepSchema = z.object({
  sleep: z.union([z.object({ logId: z.number() }), z.array(z.object({ logId: z.number() })).min(1)]),
});

export const FitbitWeightLogSchema = z.object({
  logId: z.number(),
  /** In the unit system of the request's Accept-Language: kilograms without one, pounds for en_US. */
  weight: z.number().positive(),
  bmi: z.number().optional(),
  fat: z.number().optional(),
  date,
  time: z
    .string()
    .regex(/^\d{2}:\d{2}(:\d{2})?$/)
    .optional(),
  source: z.string().optional(),
});
export type FitbitWeightLog = z.infer<typeof FitbitWeightLogSchema>;

/** GET /1/user/-/body/log/weight/date/{start}/{end}.json */
export const FitbitWeightRangeSchema = z.object({ weight: z.array(FitbitWeightLogSchema) });

/** POST /1/user/-/body/log/weight.json (201) */
export const FitbitCreateWeightSchema = z.object({ weightLog: z.object({ logId: z.number() }) });

/** POST /1/user/-/body/log/fat.json (201) */
export const FitbitCreateFatSchema = z.object({ fatLog: z.object({ logId: z.number() }) });

export const FitbitStepsDaySchema = z.object({
  dateTime: date,
  /** Fitbit sends the count as a string ("10432"). */
  value: z.union([z.string().regex(/^\d+$/), z.number().int().nonnegative()]).transform(Number),
});
export type FitbitStepsDay = z.infer<typeof FitbitStepsDaySchema>;

/** GET /1/user/-/activities/steps/date/{start}/{end}.json */
export const FitbitStepsSeriesSchema = z.object({ 'activities-steps': z.array(FitbitStepsDaySchema) });
