// Fitbit (legacy Web API): workouts, sleep and weight read and written, steps read only (the Web
// API cannot write steps); nothing can be updated in place.
import type { CloudProviderProfile } from '../profile.js';

export const fitbitProfile = {
  id: 'fitbit',
  kind: 'cloud',
  displayName: 'Fitbit',
  oauth: {
    authorizeUrl: 'https://www.fitbit.com/oauth2/authorize',
    tokenUrl: 'https://api.fitbit.com/oauth2/token',
    clientAuth: 'basic',
    pkce: true,
    scopeSeparator: ' ',
    scopes: ['activity', 'sleep', 'weight', 'profile'],
    appCredentials: { clientId: 'FITBIT_CLIENT_ID', clientSecret: 'FITBIT_CLIENT_SECRET' },
    userId: { from: 'token_response' },
    // RFC 7009 with Basic client auth; revoking either token removes every token of the user.
    // https://dev.fitbit.com/build/reference/web-api/authorization/revoke-token/
    revocation: { kind: 'rfc7009', url: 'https://api.fitbit.com/oauth2/revoke', clientAuth: 'basic' },
  },
  apiBaseUrl: 'https://api.fitbit.com',
  // 150 requests / hour per USER.
  // https://dev.fitbit.com/build/reference/web-api/developer-guide/application-design/#Rate-Limits
  rateLimits: [{ scope: 'user', limit: 150, windowSeconds: 3600 }],
  // Subscriber notifications name the collection and day that changed; answer within 5 s.
  changeNotifications: {
    style: 'notification_only',
    dataTypeOf: {
      activities: 'workout',
      sleep: 'sleep_session',
      body: 'weight',
      foods: null,
      userRevokedAccess: null,
      deleteUser: null,
    },
    revocationEvents: ['userRevokedAccess'],
  },
  capabilities: {
    workout: { read: true, write: true, update: false },
    sleep_session: { read: true, write: true, update: false },
    weight: { read: true, write: true, update: false },
    steps: { read: true, write: false, update: false },
  },
  preflightCheck: true,
  // Sleep and body logs take at most 100 / 31 days per request.
  maxHistoricalChunkDays: 30,
} as const satisfies CloudProviderProfile<'fitbit'>;
