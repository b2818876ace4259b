// Google Fit REST (fitness/v1): every data type read, written and replaced in place (PUT by id).
import type { CloudProviderProfile } from '../profile.js';

const FITNESS = 'https://www.googleapis.com/auth/fitness';

export const googleFitProfile = {
  id: 'google_fit',
  kind: 'cloud',
  displayName: 'Google Fit',
  oauth: {
    authorizeUrl: 'https://accounts.google.com/o/oauth2/v2/auth',
    tokenUrl: 'https://oauth2.googleapis.com/token',
    clientAuth: 'body',
    pkce: true,
    scopeSeparator: ' ',
    scopes: [
      `${FITNESS}.activity.read`,
      `${FITNESS}.activity.write`,
      `${FITNESS}.body.read`,
      `${FITNESS}.body.write`,
      `${FITNESS}.sleep.read`,
      `${FITNESS}.sleep.write`,
    ],
    // Offline access, or Google sends no refresh token.
    extraAuthorizeParams: { access_type: 'offline', prompt: 'consent' },
    appCredentials: { clientId: 'GOOGLE_FIT_CLIENT_ID', clientSecret: 'GOOGLE_FIT_CLIENT_SECRET' },
    // The API is always `users/me`.
    userId: { from: 'none' },
    // No client authentication; revoking the refresh token ends its access tokens too (400
    // `invalid_token` for one already expired or revoked).
    // https://developers.google.com/identity/protocols/oauth2/web-server#tokenrevoke
    revocation: { kind: 'rfc7009', url: 'https://oauth2.googleapis.com/revoke', clientAuth: 'none' },
  },
  apiBaseUrl: 'https://www.googleapis.com/fitness/v1',
  // The Fitness API's quotas are per project and shown in the Cloud Console; no fixed figure is
  // published. Its successor, the Google Health API, publishes 300 / minute per user and 120,000 /
  // minute per project (https://developers.google.com/health/rate-limits). UNCLEAR for Google Fit,
  // so half of those per-minute figures; the daily figure is far above what these let through.
  rateLimits: [
    { scope: 'app', limit: 60_000, windowSeconds: 60 },
    { scope: 'user', limit: 150, windowSeconds: 60 },
  ],
  // No push notifications for REST clients: polled with pre-flight checks.
  changeNotifications: { style: 'none' },
  capabilities: {
    workout: { read: true, write: true, update: true },
    sleep_session: { read: true, write: true, update: true },
    steps: { read: true, write: true, update: true },
    weight: { read: true, write: true, update: true },
  },
  preflightCheck: true,
  // Sessions and aggregates page freely through any range.
  maxHistoricalChunkDays: 30,
} as const satisfies CloudProviderProfile<'google_fit'>;
