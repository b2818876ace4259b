// The Google Health API (health.googleapis.com/v4) shapes SyncWell reads, from Google's discovery
// document (health.v4.json, revision 20260923). z.object strips what it does not list, so Google
// adding fields or enum values never breaks a sync; a missing or mistyped field we rely on is a
// permanent ProviderPayloadError (through parsePayload).
//
// Encodings (proto3 JSON): google-datetime is RFC 3339 (Google answers `…Z`, with up to nine
// fractional digits); google-duration is seconds with an `s` suffix (`"-18000s"` is UTC−5,
// `"1800.5s"`); int64 is a decimal string (`"480"`), numbers are accepted too; zero scalars may be
// omitted altogether.
import { z } from 'zod';

const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/i;
export const googleDatetime = z
  .string()
  .regex(RFC3339, 'not an RFC 3339 timestamp')
  .refine((v) => !Number.isNaN(Date.parse(v)), 'not a valid instant');
export const googleDuration = z.string().regex(/^-?\d+(\.\d{1,9})?s$/, 'not a google-duration');
const int64 = z
  .union([z.string().regex(/^-?\d+$/), z.number().int()])
  .transform((v) => Number(v))
  .refine((n) => Number.isSafeInteger(n), 'int64 beyond the exact range');
const nonNegativeInt64 = int64.refine((n) => n >= 0, 'must not be negative');

/** `users/{user}/dataTypes/{data-type}/dataPoints/{id}` of one data type (kebab-case in names). */
const dataPointName = (dataType: string) =>
  z
    .string()
    .regex(new RegExp(`^users/[^/]+/dataTypes/${dataType}/dataPoints/[^/]+$`), 'not a data point name');

// ---------------------------------------------------------------- civil time (output only)

/** google.type.Date; proto3 JSON leaves out zero fields. */
const civilDate = z.object({
  year: z.number().int().min(0).max(9999).default(0),
  month: z.number().int().min(0).max(12).default(0),
  day: z.number().int().min(0).max(31).default(0),
});
/** google.type.TimeOfDay: `{}` is midnight. */
const timeOfDay = z.object({
  hours: z.number().int().min(0).max(24).default(0),
  minutes: z.number().int().min(0).max(59).default(0),
  seconds: z.number().int().min(0).max(60).default(0),
  nanos: z.number().int().min(0).max(999_999_999).default(0),
});
export const civilDateTimeSchema = z.object({ date: civilDate, time: timeOfDay.optional() });

// ---------------------------------------------------------------- time intervals

// The offsets are documented as Required. A point without one still maps (to a zoneless record,
// processed as UTC and counted as InvalidTimezoneData_Omitted) instead of failing its whole page.
const intervalFields = {
  startTime: googleDatetime,
  startUtcOffset: googleDuration.optional(),
  endTime: googleDatetime,
  endUtcOffset: googleDuration.optional(),
  civilStartTime: civilDateTimeSchema.optional(),
  civilEndTime: civilDateTimeSchema.optional(),
};
const ordered = (i: { startTime: string; endTime: string }) =>
  Date.parse(i.startTime) <= Date.parse(i.endTime);

/** SessionTimeInterval (exercise, sleep) and ObservationTimeInterval (steps): the same fields. */
export const timeIntervalSchema = z.object(intervalFields).refine(ordered, 'interval ends before it starts');

/** ObservationSampleTime (weight). */
export const sampleTimeSchema = z.object({
  physicalTime: googleDatetime,
  utcOffset: googleDuration.optional(),
  civilTime: civilDateTimeSchema.optional(),
});

// ---------------------------------------------------------------- data source

export const dataSourceSchema = z.object({
  recordingMethod: z.string().optional(),
  platform: z.string().optional(),
  device: z
    .object({
      displayName: z.string().optional(),
      formFactor: z.string().optional(),
      manufacturer: z.string().optional(),
    })
    .optional(),
  application: z
    .object({
      packageName: z.string().optional(),
      webClientId: z.string().optional(),
      googleWebClientId: z.string().optional(),
    })
    .optional(),
});

// ---------------------------------------------------------------- exercise

export const metricsSummarySchema = z.object({
  caloriesKcal: z.number().optional(),
  distanceMillimeters: z.number().nonnegative().optional(),
  elevationGainMillimeters: z.number().optional(),
  averageHeartRateBeatsPerMinute: nonNegativeInt64.optional(),
  activeZoneMinutes: nonNegativeInt64.optional(),
  steps: nonNegativeInt64.optional(),
  averageSpeedMillimetersPerSecond: z.number().optional(),
  averagePaceSecondsPerMeter: z.number().optional(),
});

export const exerciseSchema = z.object({
  interval: timeIntervalSchema,
  // A plain string, not the enum: a type Google adds later maps to `other` instead of failing.
  exerciseType: z.string().min(1),
  // Required on create; Google fills it (the type's name) on what it returns.
  displayName: z.string().optional(),
  metricsSummary: metricsSummarySchema.default({}),
  activeDuration: googleDuration.optional(),
  notes: z.string().optional(),
  exerciseMetadata: z.object({ hasGps: z.boolean().optional() }).optional(),
  createTime: googleDatetime.optional(),
  updateTime: googleDatetime.optional(),
});

// Exercise, sleep and weight are identifiable types (get, patch, batchDelete): their points carry
// the name SyncWell uses as record id, so a point without one cannot be mapped.
export const exerciseDataPointSchema = z.object({
  name: dataPointName('exercise'),
  dataSource: dataSourceSchema.optional(),
  exercise: exerciseSchema,
});

// ---------------------------------------------------------------- sleep

export const sleepStageSchema = z
  .object({
    startTime: googleDatetime,
    startUtcOffset: googleDuration.optional(),
    endTime: googleDatetime,
    endUtcOffset: googleDuration.optional(),
    /** AWAKE, LIGHT, DEEP, REM ("stages" sleep) or AWAKE, ASLEEP, RESTLESS ("classic"). */
    type: z.string().min(1),
    createTime: googleDatetime.optional(),
    updateTime: googleDatetime.optional(),
  })
  .refine(ordered, 'stage ends before it starts');

export const sleepSchema = z.object({
  interval: timeIntervalSchema,
  /** CLASSIC or STAGES. */
  type: z.string().optional(),
  stages: z.array(sleepStageSchema).default([]),
  metadata: z
    .object({
      externalId: z.string().optional(),
      mainSleep: z.boolean().optional(),
      nap: z.boolean().optional(),
      processed: z.boolean().optional(),
      manuallyEdited: z.boolean().optional(),
      stagesStatus: z.string().optional(),
    })
    .optional(),
  summary: z
    .object({
      minutesAsleep: nonNegativeInt64.optional(),
      minutesAwake: nonNegativeInt64.optional(),
      minutesInSleepPeriod: nonNegativeInt64.optional(),
      stagesSummary: z
        .array(z.object({ type: z.string(), minutes: nonNegativeInt64.default(0), count: int64.optional() }))
        .default([]),
    })
    .optional(),
  createTime: googleDatetime.optional(),
  updateTime: googleDatetime.optional(),
});

export const sleepDataPointSchema = z.object({
  name: dataPointName('sleep'),
  dataSource: dataSourceSchema.optional(),
  sleep: sleepSchema,
});

// ---------------------------------------------------------------- steps

export const stepsSchema = z.object({
  interval: timeIntervalSchema,
  // Documented range [0, 1000000]; a zero count is a "true zero" and proto3 JSON may omit it.
  count: nonNegativeInt64.refine((n) => n <= 1_000_000, 'more than 1000000 steps').default(0),
});

// Steps are not identifiable: their points usually have no name.
export const stepsDataPointSchema = z.object({
  name: z.string().optional(),
  dataSource: dataSourceSchema.optional(),
  steps: stepsSchema,
});

// ---------------------------------------------------------------- weight

export const weightSchema = z.object({
  sampleTime: sampleTimeSchema,
  weightGrams: z.number().min(0).max(1_000_000),
  notes: z.string().optional(),
});

export const weightDataPointSchema = z.object({
  name: dataPointName('weight'),
  dataSource: dataSourceSchema.optional(),
  weight: weightSchema,
});

// ---------------------------------------------------------------- lists, identity, errors

/** users.dataTypes.dataPoints.list: `nextPageToken` is empty (or absent) on the last page. */
export const listDataPointsSchema = <T extends z.ZodType>(point: T) =>
  z.object({ dataPoints: z.array(point).default([]), nextPageToken: z.string().optional() });

export const exerciseListSchema = listDataPointsSchema(exerciseDataPointSchema);
export const sleepListSchema = listDataPointsSchema(sleepDataPointSchema);
export const stepsListSchema = listDataPointsSchema(stepsDataPointSchema);
export const weightListSchema = listDataPointsSchema(weightDataPointSchema);

const userId = z.string().regex(/^[A-Za-z0-9-]{1,63}$/, 'not a Google Health user id');

/** users.getIdentity (`users/me/identity`); `legacyUserId` is the Fitbit user id, for migrated users only. */
export const identitySchema = z.object({
  name: z.string().optional(),
  healthUserId: userId,
  legacyUserId: userId.optional(),
});

/** Google's error body (google.rpc.Status in the REST envelope). */
export const googleErrorSchema = z.object({
  error: z.object({
    code: z.number().int(),
    message: z.string(),
    /** The google.rpc.Code name: INVALID_ARGUMENT, NOT_FOUND, RESOURCE_EXHAUSTED, ... */
    status: z.string(),
    details: z.array(z.looseObject({ '@type': z.string() })).optional(),
  }),
});

export type CivilDateTime = z.infer<typeof civilDateTimeSchema>;
export type TimeInterval = z.infer<typeof timeIntervalSchema>;
export type SampleTime = z.infer<typeof sampleTimeSchema>;
export type DataSource = z.infer<typeof dataSourceSchema>;
export type Exercise = z.infer<typeof exerciseSchema>;
export type ExerciseDataPoint = z.infer<typeof exerciseDataPointSchema>;
export type SleepStage = z.infer<typeof sleepStageSchema>;
export type Sleep = z.infer<typeof sleepSchema>;
export type SleepDataPoint = z.infer<typeof sleepDataPointSchema>;
export type Steps = z.infer<typeof stepsSchema>;
export type StepsDataPoint = z.infer<typeof stepsDataPointSchema>;
export type Weight = z.infer<typeof weightSchema>;
export type WeightDataPoint = z.infer<typeof weightDataPointSchema>;
export type ExerciseList = z.infer<typeof exerciseListSchema>;
export type SleepList = z.infer<typeof sleepListSchema>;
export type StepsList = z.infer<typeof stepsListSchema>;
export type WeightList = z.infer<typeof weightListSchema>;
export type Identity = z.infer<typeof identitySchema>;
export type GoogleError = z.infer<typeof googleErrorSchema>;
