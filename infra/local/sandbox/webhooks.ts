// The sandbox as a webhook sender: deliveries in each provider's documented format, to the API's
// real webhook endpoints. Strava posts one JSON event per change; Fitbit posts a JSON array of
// notifications signed with X-Fitbit-Signature (base64 HMAC-SHA1 keyed with `client_secret&`);
// Garmin posts ping notifications (callback URLs) keyed by summary type.
import { createHmac } from 'node:crypto';
import { clock } from '../../../core/clock/clock.js';

export interface DeliveryResult {
  status: number;
  body: string;
}

async function post(
  url: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<DeliveryResult> {
  const raw = JSON.stringify(body);
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: raw,
  });
  return { status: res.status, body: await res.text() };
}

export function stravaEvent(
  ownerId: string,
  options: { objectId?: number; aspect?: 'create' | 'update' | 'delete'; deauthorize?: boolean } = {},
) {
  const now = Math.floor(clock.now() / 1000);
  return options.deauthorize
    ? {
        object_type: 'athlete',
        object_id: Number(ownerId),
        aspect_type: 'update',
        owner_id: Number(ownerId),
        subscription_id: 1,
        event_time: now,
        updates: { authorized: 'false' },
      }
    : {
        object_type: 'activity',
        object_id: options.objectId ?? now,
        aspect_type: options.aspect ?? 'create',
        owner_id: Number(ownerId),
        subscription_id: 1,
        event_time: now,
        updates: {},
      };
}

export function sendStravaEvent(
  apiUrl: string,
  event: ReturnType<typeof stravaEvent>,
): Promise<DeliveryResult> {
  return post(`${apiUrl}/v1/webhooks/strava`, event);
}

export function fitbitSignature(clientSecret: string, rawBody: string): string {
  return createHmac('sha1', `${clientSecret}&`).update(rawBody).digest('base64');
}

export function sendFitbitNotifications(
  apiUrl: string,
  clientSecret: string,
  notifications: { collectionType: string; ownerId: string; date?: string; subscriptionId: string }[],
  options: { signature?: string } = {},
): Promise<DeliveryResult> {
  const body = notifications.map((n) => ({
    ownerType: 'user',
    date: n.date ?? clock.date().toISOString().slice(0, 10),
    ...n,
  }));
  return post(`${apiUrl}/v1/webhooks/fitbit`, body, {
    'X-Fitbit-Signature': options.signature ?? fitbitSignature(clientSecret, JSON.stringify(body)),
  });
}

/** The client id the API expects from the sandbox's Garmin (core/oauth/appCredentials.ts). */
export const SANDBOX_GARMIN_CLIENT_ID = 'sandbox-garmin-client';

/**
 * A Garmin ping, with the `garmin-client-id` header Garmin sends (the app's client id); `clientId`
 * replaces it, `null` leaves it out.
 */
export function sendGarminPing(
  apiUrl: string,
  sandboxUrl: string,
  type: 'activities' | 'dailies' | 'sleeps' | 'bodyComps',
  garminUserId: string,
  options: { clientId?: string | null } = {},
): Promise<DeliveryResult> {
  const end = Math.floor(clock.now() / 1000);
  const start = end - 3600;
  const clientId = options.clientId === undefined ? SANDBOX_GARMIN_CLIENT_ID : options.clientId;
  return post(
    `${apiUrl}/v1/webhooks/garmin`,
    {
      [type]: [
        {
          userId: garminUserId,
          uploadStartTimeInSeconds: start,
          uploadEndTimeInSeconds: end,
          callbackURL: `${sandboxUrl}/garmin/wellness-api/rest/${type}?uploadStartTimeInSeconds=${start}&uploadEndTimeInSeconds=${end}`,
        },
      ],
    },
    clientId === null ? {} : { 'garmin-client-id': clientId },
  );
}
