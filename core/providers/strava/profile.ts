// Strava: workouts only (no sleep, steps or weight API). Activities cannot have their times or type
// updated, so `update` is false.
import type { CloudProviderProfile } from '../profile.js';

const MINUTE = 60;

export const stravaProfile = {
  id: 'strava',
  kind: 'cloud',
  displayName: 'Strava',
  oauth: {
    authorizeUrl: 'https://www.strava.com/oauth/authorize',
    tokenUrl: 'https://www.strava.com/oauth/token',
    clientAuth: 'body',
    pkce: false,
    // Strava separates scopes with commas, everyone else with spaces.
    scopeSeparator: ',',
    scopes: ['read', 'activity:read_all', 'activity:write'],
    appCredentials: { clientId: 'STRAVA_CLIENT_ID', clientSecret: 'STRAVA_CLIENT_SECRET' },
    userId: { from: 'token_response' },
    // Deauthorization ends every token of the athlete-app pair and needs a live access token.
    // https://developers.strava.com/docs/authentication/#deauthorization
    revocation: {
      kind: 'access_token',
      method: 'POST',
      url: 'https://www.strava.com/oauth/deauthorize',
      send: 'form',
    },
  },
  apiBaseUrl: 'https://www.strava.com/api/v3',
  // 200 requests / 15 minutes and 2,000 / day per APPLICATION (all users together); no per-user
  // limit is published. https://developers.strava.com/docs/rate-limits/
  rateLimits: [
    { scope: 'app', limit: 200, windowSeconds: 15 * MINUTE },
    { scope: 'app', limit: 2000, windowSeconds: 24 * 60 * MINUTE },
  ],
  // One event per change naming the object (an athlete revoking arrives as an athlete update with
  // authorized=false, normalised to `athlete.deauthorize`); the worker pulls. Answer within 2 s.
  changeNotifications: {
    style: 'notification_only',
    dataTypeOf: { activity: 'workout', athlete: null },
    revocationEvents: ['athlete.deauthorize'],
  },
  capabilities: { workout: { read: true, write: true, update: false } },
  preflightCheck: true,
  // The activity list pages freely through any range.
  maxHistoricalChunkDays: 30,
} as const satisfies CloudProviderProfile<'strava'>;
