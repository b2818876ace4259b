// Garmin Health API: read-only for partners; summaries are served by upload time.
import type { CloudProviderProfile } from '../profile.js';

export const garminProfile = {
  id: 'garmin',
  kind: 'cloud',
  displayName: 'Garmin Connect',
  oauth: {
    authorizeUrl: 'https://connect.garmin.com/oauth2Confirm',
    tokenUrl: 'https://diauth.garmin.com/di-oauth2-service/oauth/token',
    clientAuth: 'body',
    // Required by Garmin.
    pkce: true,
    scopeSeparator: ' ',
    scopes: [],
    appCredentials: { clientId: 'GARMIN_CLIENT_ID', clientSecret: 'GARMIN_CLIENT_SECRET' },
    userId: { from: 'api', path: '/wellness-api/rest/user/id', field: 'userId' },
    // "Delete User Access Token": DELETE the user's registration with their bearer (204); pings
    // stop and the tokens are refused afterwards. Garmin Connect Developer Program start guide §3.1.
    revocation: {
      kind: 'access_token',
      method: 'DELETE',
      url: 'https://apis.garmin.com/wellness-api/rest/user/registration',
      send: 'bearer',
    },
  },
  apiBaseUrl: 'https://apis.garmin.com',
  // The limits are only in the partner-only API specification ("API Rate Limiting or Excessive
  // Usage"); nothing public gives numbers. UNCLEAR, so conservative values: 100 / minute per
  // application and 100 / hour per user. A sync needs few calls per user (ping/pull); raise these
  // once the partner agreement's figures are known (RATE_LIMIT_OVERRIDES does it without a release).
  rateLimits: [
    { scope: 'app', limit: 100, windowSeconds: 60 },
    { scope: 'user', limit: 100, windowSeconds: 3600 },
  ],
  // Ping notifications keyed by summary type (callback URLs); the worker pulls. Garmin's push mode
  // would carry the summaries themselves.
  changeNotifications: {
    style: 'notification_only',
    dataTypeOf: {
      activities: 'workout',
      activityDetails: 'workout',
      dailies: 'steps',
      epochs: 'steps',
      sleeps: 'sleep_session',
      bodyComps: 'weight',
      deregistrations: null,
      userPermissionsChange: null,
    },
    revocationEvents: ['deregistrations', 'userPermissionsChange'],
  },
  capabilities: {
    workout: { read: true, write: false, update: false },
    sleep_session: { read: true, write: false, update: false },
    steps: { read: true, write: false, update: false },
    weight: { read: true, write: false, update: false },
  },
  // One request when the gap is at most one upload day (longer gaps answer "yes" unasked).
  preflightCheck: true,
  // One upload day per request: 30 days + the upload lag ≈ 44 requests against 100 / hour / user.
  maxHistoricalChunkDays: 30,
} as const satisfies CloudProviderProfile<'garmin'>;
