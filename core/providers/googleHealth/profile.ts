// Google Health API (health.googleapis.com/v4), the successor of the Fitbit Web API and Google Fit
// REST: exercise, sleep, steps and weight read and written as data points. Nothing is updated in
// place (see `capabilities`).
import type { CloudProviderProfile } from '../profile.js';

/** Scopes come in `.readonly` / `.writeonly` pairs per area (discovery document, `auth.oauth2`). */
const GOOGLEHEALTH = 'https://www.googleapis.com/auth/googlehealth';

export const googleHealthProfile = {
  id: 'google_health',
  kind: 'cloud',
  displayName: 'Google Health',
  oauth: {
    authorizeUrl: 'https://accounts.google.com/o/oauth2/v2/auth',
    tokenUrl: 'https://oauth2.googleapis.com/token',
    clientAuth: 'body',
    pkce: true,
    scopeSeparator: ' ',
    // exercise and steps: activity_and_fitness; sleep: sleep; weight: health_metrics_and_measurements.
    // All are restricted scopes (Google's app verification is needed in production).
    scopes: [
      `${GOOGLEHEALTH}.activity_and_fitness.readonly`,
      `${GOOGLEHEALTH}.activity_and_fitness.writeonly`,
      `${GOOGLEHEALTH}.sleep.readonly`,
      `${GOOGLEHEALTH}.sleep.writeonly`,
      `${GOOGLEHEALTH}.health_metrics_and_measurements.readonly`,
      `${GOOGLEHEALTH}.health_metrics_and_measurements.writeonly`,
    ],
    // Offline access, or Google sends no refresh token; consent every time so a reconnect gets one
    // too; incremental consent keeps what the user granted earlier.
    extraAuthorizeParams: { access_type: 'offline', prompt: 'consent', include_granted_scopes: 'true' },
    appCredentials: { clientId: 'GOOGLE_HEALTH_CLIENT_ID', clientSecret: 'GOOGLE_HEALTH_CLIENT_SECRET' },
    // users.getIdentity: `healthUserId` is the id notifications name (the `{user}` of resource names).
    // Identity.legacyUserId: the person's Fitbit user id, which the migration checks (core/connections/providerMigration.ts).
    userId: {
      from: 'api',
      path: '/v4/users/me/identity',
      field: 'healthUserId',
      legacy: { field: 'legacyUserId', provider: 'fitbit' },
    },
    // Google's token revocation: no client authentication; revoking the refresh token ends its
    // access tokens too (400 `invalid_token` for one already expired or revoked).
    // https://developers.google.com/identity/protocols/oauth2/web-server#tokenrevoke
    revocation: { kind: 'rfc7009', url: 'https://oauth2.googleapis.com/revoke', clientAuth: 'none' },
  },
  apiBaseUrl: 'https://health.googleapis.com',
  // https://developers.google.com/health/rate-limits: 300 / minute per user, 120,000 / minute and
  // 86.4 million / day per project; then 429 RESOURCE_EXHAUSTED. The sandbox fake enforces the 300.
  rateLimits: [
    { scope: 'app', limit: 120_000, windowSeconds: 60 },
    { scope: 'app', limit: 86_400_000, windowSeconds: 86_400 },
    { scope: 'user', limit: 300, windowSeconds: 60 },
  ],
  // Subscriber notifications are batches of {healthUserId, dataType, operation, intervals}: no
  // values, the worker lists the intervals. Sent only for the data types the user granted. No
  // notification says that the user revoked SyncWell (a revoked grant shows as 401 / invalid_grant).
  changeNotifications: {
    style: 'notification_only',
    dataTypeOf: { exercise: 'workout', sleep: 'sleep_session', steps: 'steps', weight: 'weight' },
    revocationEvents: [],
  },
  // dataPoints.patch exists for the identifiable types (exercise, sleep, weight), but a
  // `.writeonly` grant edits only the data points the app itself added, while the engine's
  // `replaces` may name any matched record (the user's own tracker data). Steps are not
  // identifiable. So no update in place; a retried create is idempotent instead (client ids).
  capabilities: {
    workout: { read: true, write: true, update: false },
    sleep_session: { read: true, write: true, update: false },
    steps: { read: true, write: true, update: false },
    weight: { read: true, write: true, update: false },
  },
  // One list request per data type, newest first.
  preflightCheck: true,
  // Exercise and sleep page 25 points at a time: 30 days are a few pages; steps (up to a point per
  // minute and source) are 10,000 a page, about 5 pages per source for 30 days.
  maxHistoricalChunkDays: 30,
  // Connections open to users in cohorts while Google's migration runs (the contract's
  // createConnection: 409 provider_not_available for the others).
  rolloutFlag: 'google_health',
} as const satisfies CloudProviderProfile<'google_health'>;
