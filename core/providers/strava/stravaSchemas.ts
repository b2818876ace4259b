// Zod schemas of the Strava API v3 shapes the provider reads (developers.strava.com/docs/reference).
// Only the fields we use are declared; everything else Strava adds is accepted and dropped, so a new
// field never breaks a sync. Nullable where Strava sends null (or omits) for manual activities.
import { z } from 'zod';

const nullableNumber = z.number().nullish();

/** `start_date_local`: wall-clock time that Strava nevertheless suffixes with `Z`. */
const localDateTime = z.string().regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}/, 'local date-time');

export const StravaSummaryActivitySchema = z.object({
  id: z.number().int().positive(),
  name: z.string(),
  /** Metres. */
  distance: z.number().nonnegative(),
  /** Seconds. */
  moving_time: z.number().nonnegative(),
  elapsed_time: z.number().nonnegative(),
  /** Metres. */
  total_elevation_gain: nullableNumber,
  /** Deprecated ActivityType; sport_type is authoritative when present. */
  type: z.string().optional(),
  sport_type: z.string().optional(),
  start_date: z.iso.datetime(),
  start_date_local: localDateTime,
  /** `(GMT-05:00) America/New_York`. */
  timezone: z.string().nullish(),
  /** Seconds east of UTC at the start. */
  utc_offset: nullableNumber,
  has_heartrate: z.boolean().optional(),
  average_heartrate: nullableNumber,
  max_heartrate: nullableNumber,
  manual: z.boolean().optional(),
  trainer: z.boolean().optional(),
  commute: z.boolean().optional(),
  external_id: z.string().nullish(),
  athlete: z.object({ id: z.number() }).optional(),
  /** In summaries since late 2025; always in DetailedActivity. */
  device_name: z.string().nullish(),
});
export type StravaSummaryActivity = z.infer<typeof StravaSummaryActivitySchema>;

export const StravaSummaryActivityListSchema = z.array(StravaSummaryActivitySchema);

export const StravaDetailedActivitySchema = StravaSummaryActivitySchema.extend({
  /** Kilocalories; 0 when Strava could not estimate them (manual entries). */
  calories: nullableNumber,
  description: z.string().nullish(),
});
export type StravaDetailedActivity = z.infer<typeof StravaDetailedActivitySchema>;

/** Strava's error body (`{message, errors: [{resource, field, code}]}`). */
export const StravaFaultSchema = z.object({
  message: z.string().optional(),
  errors: z
    .array(
      z.object({
        resource: z.string().optional(),
        field: z.string().optional(),
        code: z.string().optional(),
      }),
    )
    .optional(),
  /** Present on duplicate-activity answers: `duplicate of activity 123`. */
  error: z.string().optional(),
});
export type StravaFault = z.infer<typeof StravaFaultSchema>;

/** POST /oauth/token answer; `athlete` only on the authorization_code grant. */
export const StravaTokenResponseSchema = z.object({
  token_type: z.string(),
  access_token: z.string().min(1),
  refresh_token: z.string().min(1),
  /** Epoch seconds. */
  expires_at: z.number(),
  expires_in: z.number(),
  athlete: z.object({ id: z.number() }).loose().optional(),
});
export type StravaTokenResponse = z.infer<typeof StravaTokenResponseSchema>;
