// The Google Fit REST (fitness/v1) shapes SyncWell reads. Google encodes int64 fields as JSON strings
// ("startTimeMillis": "1700000000000"); both forms are accepted. Nanosecond times stay strings
// (they exceed Number's exact range).
import { z } from 'zod';

const int64 = z.union([z.string().regex(/^-?\d+$/), z.number().int()]).transform((v) => Number(v));
const nanos = z
  .union([z.string().regex(/^\d+$/), z.number().int().nonnegative()])
  .transform((v) => String(v));

export const fitSessionSchema = z.object({
  id: z.string().min(1),
  name: z.string().optional(),
  description: z.string().optional(),
  startTimeMillis: int64,
  endTimeMillis: int64,
  modifiedTimeMillis: int64.optional(),
  activityType: z.number().int(),
  application: z.object({ packageName: z.string().optional(), name: z.string().optional() }).optional(),
  activeTimeMillis: int64.optional(),
});

export const fitSessionListSchema = z.object({
  session: z.array(fitSessionSchema).default([]),
  deletedSession: z.array(fitSessionSchema).optional(),
  nextPageToken: z.string().optional(),
  hasMoreData: z.boolean().optional(),
});

const fitValue = z.object({ intVal: z.number().int().optional(), fpVal: z.number().optional() });

export const fitPointSchema = z.object({
  startTimeNanos: nanos,
  endTimeNanos: nanos,
  dataTypeName: z.string(),
  originDataSourceId: z.string().optional(),
  value: z.array(fitValue).min(1),
  modifiedTimeMillis: int64.optional(),
});

export const fitDatasetSchema = z.object({
  point: z.array(fitPointSchema).default([]),
  nextPageToken: z.string().optional(),
});

export const fitAggregateSchema = z.object({
  bucket: z
    .array(
      z.object({
        startTimeMillis: int64,
        endTimeMillis: int64,
        dataset: z.array(z.object({ point: z.array(fitPointSchema).default([]) })),
      }),
    )
    .default([]),
});

export const fitDataSourceSchema = z.object({
  dataStreamId: z.string().min(1),
  dataStreamName: z.string().optional(),
  type: z.string(),
  dataType: z.object({ name: z.string() }),
});

export const fitDataSourceListSchema = z.object({ dataSource: z.array(fitDataSourceSchema).default([]) });

export type FitSession = z.infer<typeof fitSessionSchema>;
export type FitPoint = z.infer<typeof fitPointSchema>;
