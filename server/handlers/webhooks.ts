// Provider webhooks (seed §3 Model 4). The handlers answer within the providers' deadlines
// (Strava 2 s, Fitbit 5 s) by doing one thing: put a normalised WebhookEventReceived on the
// coalescing buffer queue. No provider call, no user lookup on the request path: the coalescer
// resolves the provider's user id and turns a burst of events into one sync job. Which data type an
// event concerns comes from the provider's profile (`changeNotifications.dataTypeOf`).
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import stringify from 'safe-stable-stringify';
import { AppError } from '../../core/errors/AppError.js';
import type { MessageInput } from '../../core/messaging/messageCodec.js';
import { appCredentials } from '../../core/oauth/appCredentials.js';
import { webhookDataType } from '../../core/providers/profiles.js';
import type { HandlerMap } from '../http/operationTypes.js';
import type { HandlerDependencies } from './dependencies.js';
import { clock } from '../../core/clock/clock.js';

type WebhookOps =
  | 'verifyStravaSubscription'
  | 'receiveStravaEvent'
  | 'verifyFitbitSubscriber'
  | 'receiveFitbitNotifications'
  | 'receiveGarminNotification'
  | 'receiveGoogleHealthNotifications';

const sameSecret = (a: string, b: string) => {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
};

export function webhookHandlers(d: HandlerDependencies): Pick<HandlerMap, WebhookOps> {
  async function enqueue(events: MessageInput<'coalescingBuffer'>[]): Promise<void> {
    if (!d.producer.has('coalescingBuffer'))
      throw new AppError(503, 'service_unavailable', {
        params: { retryAfterSeconds: 60 },
        headers: { 'Retry-After': '60' },
      });
    await Promise.all(events.map((e) => d.producer.send('coalescingBuffer', e)));
  }
  const now = () => clock.date().toISOString();

  return {
    async verifyStravaSubscription({ query }) {
      const expected = d.config.STRAVA_WEBHOOK_VERIFY_TOKEN;
      if (!expected || query['hub.mode'] !== 'subscribe' || !sameSecret(query['hub.verify_token'], expected))
        throw new AppError(403, 'forbidden');
      return { status: 200, body: { 'hub.challenge': query['hub.challenge'] } };
    },

    async receiveStravaEvent({ body }, ctx) {
      // Strava signs nothing; what ties an event to us is our subscription's id.
      const subscription = d.config.STRAVA_WEBHOOK_SUBSCRIPTION_ID;
      if (subscription !== undefined && body.subscription_id !== subscription)
        throw new AppError(403, 'forbidden');
      // An athlete revoking SyncWell arrives as an athlete update with authorized=false.
      const deauthorized = body.object_type === 'athlete' && body.updates?.authorized === 'false';
      await enqueue([
        {
          provider: 'strava',
          providerUserId: String(body.owner_id),
          userId: null,
          connectionId: null,
          eventType: deauthorized ? 'athlete.deauthorize' : `${body.object_type}.${body.aspect_type}`,
          objectId: String(body.object_id),
          dataType: webhookDataType('strava', body.object_type),
          receivedAt: now(),
          rawEventId: `strava:${body.subscription_id}:${body.object_id}:${body.aspect_type}:${body.event_time}`,
        },
      ]);
      ctx.logger.debug({ ownerId: body.owner_id, type: body.object_type }, 'strava event buffered');
      return { status: 200, body: { received: true } };
    },

    async verifyFitbitSubscriber({ query }) {
      const expected = d.config.FITBIT_SUBSCRIBER_VERIFY_CODE;
      // Fitbit checks both answers: 204 for the right code, 404 for a wrong one.
      if (!expected || !sameSecret(query.verify, expected))
        throw new AppError(404, 'not_found', { params: { resource: 'subscriber' } });
      return { status: 204, body: undefined };
    },

    async receiveFitbitNotifications({ body, headers, rawBody }, ctx) {
      // X-Fitbit-Signature: base64 HMAC-SHA1 of the raw body keyed with `client_secret&`. A bad
      // signature is answered 404, as Fitbit's docs ask, and nothing is enqueued.
      const credentials = appCredentials(d.config, 'fitbit');
      const signature = headers['X-Fitbit-Signature'] ?? '';
      const expected =
        credentials && rawBody
          ? createHmac('sha1', `${credentials.clientSecret}&`).update(rawBody).digest('base64')
          : undefined;
      if (!expected || !sameSecret(signature, expected)) {
        ctx.logger.warn('fitbit notification with a bad signature dropped');
        throw new AppError(404, 'not_found', { params: { resource: 'subscriber' } });
      }
      await enqueue(
        body.map((n) => ({
          provider: 'fitbit' as const,
          providerUserId: n.ownerId,
          userId: null,
          connectionId: null,
          eventType: n.collectionType,
          objectId: null,
          dataType: webhookDataType('fitbit', n.collectionType),
          receivedAt: now(),
          rawEventId: `fitbit:${n.subscriptionId}:${n.collectionType}:${n.date ?? ''}`,
        })),
      );
      return { status: 204, body: undefined };
    },

    async receiveGarminNotification({ body }) {
      const events: MessageInput<'coalescingBuffer'>[] = [];
      for (const [type, entries] of Object.entries(
        body as Record<
          string,
          Array<{ userId: string; summaryId?: string; uploadStartTimeInSeconds?: number }>
        >,
      ))
        for (const entry of entries ?? [])
          events.push({
            provider: 'garmin',
            providerUserId: entry.userId,
            userId: null,
            connectionId: null,
            eventType: type,
            objectId: entry.summaryId ?? null,
            dataType: webhookDataType('garmin', type),
            receivedAt: now(),
            rawEventId: `garmin:${type}:${entry.userId}:${entry.summaryId ?? entry.uploadStartTimeInSeconds ?? ''}`,
          });
      await enqueue(events);
      return { status: 200, body: undefined };
    },

    // The Authorization header was checked before the body was parsed (authenticateGoogleHealthWebhook
    // in server/app.ts): here the call is Google's, a verification or a batch of notifications.
    async receiveGoogleHealthNotifications({ body }) {
      if (!Array.isArray(body)) return { status: 201, body: undefined };
      await enqueue(
        body.map(({ data: n }) => ({
          provider: 'google_health' as const,
          providerUserId: n.healthUserId,
          userId: null,
          connectionId: null,
          eventType: `${n.dataType}.${n.operation}`,
          objectId: null,
          dataType: webhookDataType('google_health', n.dataType),
          receivedAt: now(),
          // A redelivered notification names the same subscription, user, change and intervals.
          rawEventId: `google_health:${createHash('sha256')
            .update(
              stringify([
                n.clientProvidedSubscriptionName ?? '',
                n.healthUserId,
                n.dataType,
                n.operation,
                n.intervals ?? [],
              ]),
            )
            .digest('base64url')}`,
        })),
      );
      return { status: 204, body: undefined };
    },
  };
}
