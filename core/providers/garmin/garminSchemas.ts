// The Garmin Health API shapes SyncWell reads (summary pull endpoints). Only the fields the mapping
// uses are checked; Garmin adds fields over time, and unknown ones are dropped, not rejected.
import { z } from 'zod';

const seconds = z.number().int();

export const garminActivitySchema = z.object({
  summaryId: z.string().min(1),
  activityId: z.number().optional(),
  activityName: z.string().optional(),
  activityType: z.string(),
  startTimeInSeconds: seconds,
  startTimeOffsetInSeconds: seconds,
  durationInSeconds: z.number().nonnegative(),
  movingDurationInSeconds: z.number().nonnegative().optional(),
  distanceInMeters: z.number().nonnegative().optional(),
  activeKilocalories: z.number().nonnegative().optional(),
  averageHeartRateInBeatsPerMinute: z.number().optional(),
  maxHeartRateInBeatsPerMinute: z.number().optional(),
  totalElevationGainInMeters: z.number().optional(),
  deviceName: z.string().optional(),
});

export const garminDailySchema = z.object({
  summaryId: z.string().min(1),
  calendarDate: z.string().regex(/^\d{4}-\d{2}-\d{2}$/),
  startTimeInSeconds: seconds,
  startTimeOffsetInSeconds: seconds,
  durationInSeconds: z.number().nonnegative(),
  steps: z.number().int().nonnegative(),
});

export const garminSleepSchema = z.object({
  summaryId: z.string().min(1),
  calendarDate: z.string().optional(),
  startTimeInSeconds: seconds,
  startTimeOffsetInSeconds: seconds,
  durationInSeconds: z.number().nonnegative(),
  deepSleepDurationInSeconds: z.number().nonnegative().optional(),
  lightSleepDurationInSeconds: z.number().nonnegative().optional(),
  remSleepInSeconds: z.number().nonnegative().optional(),
  awakeDurationInSeconds: z.number().nonnegative().optional(),
});

export const garminBodyCompSchema = z.object({
  summaryId: z.string().min(1),
  measurementTimeInSeconds: seconds,
  measurementTimeOffsetInSeconds: seconds,
  weightInGrams: z.number().positive(),
  bodyFatInPercent: z.number().min(0).max(100).optional(),
  bodyMassIndex: z.number().optional(),
});

export const garminUserIdSchema = z.object({ userId: z.string().min(1) });

export type GarminActivity = z.infer<typeof garminActivitySchema>;
export type GarminDaily = z.infer<typeof garminDailySchema>;
export type GarminSleep = z.infer<typeof garminSleepSchema>;
export type GarminBodyComp = z.infer<typeof garminBodyCompSchema>;
