// Provider webhooks at the API: subscription verification, signature checks, and the one thing a
// delivery does — a normalised WebhookEventReceived on the coalescing buffer queue (read back
// here from the real queue; its 60 s delivery delay is set to 0 for this file).
import { PurgeQueueCommand, SetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import { expect } from 'chai';
import type { Problem } from '../../core/domain/types.js';
import {
  fitbitSignature,
  sendFitbitNotifications,
  sendGarminPing,
  sendStravaEvent,
  stravaEvent,
} from '../../infra/local/sandbox/webhooks.js';
import { startApi } from '../../server/main.js';
import {
  FITBIT_VERIFY_CODE,
  GOOGLE_HEALTH_WEBHOOK_AUTHORIZATION,
  STRAVA_VERIFY_TOKEN,
  testEnv,
} from '../support/harness.js';
import { drainCoalescingBuffer } from '../support/coalescingBuffer.js';
import { getHarness } from './hooks.js';

const drainBuffer = () => drainCoalescingBuffer(getHarness());

describe('provider webhooks', () => {
  before(async () => {
    const h = getHarness();
    await h.sqs.send(
      new SetQueueAttributesCommand({
        QueueUrl: h.config.COALESCING_QUEUE_URL,
        Attributes: { DelaySeconds: '0' },
      }),
    );
  });
  beforeEach(async () => {
    const h = getHarness();
    await h.sqs.send(new PurgeQueueCommand({ QueueUrl: h.config.COALESCING_QUEUE_URL }));
  });

  it('answers Strava’s subscription validation only with the right verify token', async () => {
    const h = getHarness();
    const ok = await h.request<Record<string, string>>(
      'GET',
      `/v1/webhooks/strava?hub.mode=subscribe&hub.challenge=abc123&hub.verify_token=${STRAVA_VERIFY_TOKEN}`,
    );
    expect(ok.status).to.equal(200);
    expect(ok.body).to.deep.equal({ 'hub.challenge': 'abc123' });
    const bad = await h.request<Problem>(
      'GET',
      '/v1/webhooks/strava?hub.mode=subscribe&hub.challenge=abc123&hub.verify_token=nope',
    );
    expect(bad.status).to.equal(403);
    expect(bad.body.code).to.equal('forbidden');
  });

  it('answers Fitbit’s subscriber verification: 204 for the right code, 404 otherwise', async () => {
    const h = getHarness();
    expect((await h.request('GET', `/v1/webhooks/fitbit?verify=${FITBIT_VERIFY_CODE}`)).status).to.equal(204);
    expect((await h.request('GET', '/v1/webhooks/fitbit?verify=wrong')).status).to.equal(404);
  });

  it('buffers a Strava event for the coalescer (group = provider:owner), with no lookups on the request path', async () => {
    const h = getHarness();
    const res = await sendStravaEvent(h.api.url, stravaEvent('134815', { objectId: 42 }));
    expect(res.status).to.equal(200);
    expect(JSON.parse(res.body)).to.deep.equal({ received: true });
    const [buffered, ...rest] = await drainBuffer();
    expect(rest).to.have.length(0);
    expect(buffered!.groupId).to.equal('strava:134815');
    expect(buffered!.body).to.include({
      provider: 'strava',
      providerUserId: '134815',
      eventType: 'activity.create',
      dataType: 'workout',
      userId: null,
    });
  });

  it('drops a provider’s retry of the same Strava delivery (deduplicated by event id)', async () => {
    const h = getHarness();
    const event = stravaEvent('99', { objectId: 7 });
    await sendStravaEvent(h.api.url, event);
    await sendStravaEvent(h.api.url, event);
    expect(await drainBuffer()).to.have.length(1);
  });

  it('checks X-Fitbit-Signature over the raw body: a bad one is 404 and nothing is buffered', async () => {
    const h = getHarness();
    const secret = 'sandbox-fitbit-secret';
    const notifications = [{ collectionType: 'sleep', ownerId: '228S74', subscriptionId: 'sub-1' }];
    const bad = await sendFitbitNotifications(h.api.url, secret, notifications, {
      signature: fitbitSignature('wrong-secret', '[]'),
    });
    expect(bad.status).to.equal(404);
    expect(await drainBuffer()).to.have.length(0);
    const good = await sendFitbitNotifications(h.api.url, secret, notifications);
    expect(good.status).to.equal(204);
    const [buffered] = await drainBuffer();
    expect(buffered!.body).to.include({
      provider: 'fitbit',
      providerUserId: '228S74',
      eventType: 'sleep',
      dataType: 'sleep_session',
    });
  });

  it('buffers Garmin ping notifications by summary type', async () => {
    const h = getHarness();
    const res = await sendGarminPing(h.api.url, h.stack.endpoints.sandbox, 'dailies', 'garmin-user-1');
    expect(res.status).to.equal(200);
    const [buffered] = await drainBuffer();
    expect(buffered!.body).to.include({
      provider: 'garmin',
      providerUserId: 'garmin-user-1',
      eventType: 'dailies',
      dataType: 'steps',
    });
  });

  it("refuses a Garmin delivery without Garmin's client id header, or with another one: 401, nothing buffered", async () => {
    const h = getHarness();
    for (const clientId of [null, 'someone-else', 'sandbox-garmin-clienT'] as const) {
      const res = await sendGarminPing(h.api.url, h.stack.endpoints.sandbox, 'dailies', 'garmin-user-2', {
        clientId,
      });
      expect(res.status, String(clientId)).to.equal(401);
      expect((JSON.parse(res.body) as Problem).code).to.equal('unauthenticated');
    }
    expect(await drainBuffer()).to.have.length(0);
  });

  it('buffers a replayed Fitbit or Garmin delivery once (providers retry)', async () => {
    const h = getHarness();
    // The very same deliveries twice, as the providers' retries send them.
    const notifications = [
      {
        collectionType: 'activities',
        ownerId: 'FB-REPLAY',
        subscriptionId: 'sub-replay',
        date: '2026-03-01',
      },
    ];
    const ping = { sleeps: [{ userId: 'garmin-replay', uploadStartTimeInSeconds: 1_700_000_000 }] };
    const headers = { 'garmin-client-id': 'sandbox-garmin-client' };
    for (let i = 0; i < 2; i++) {
      const fitbit = await sendFitbitNotifications(h.api.url, 'sandbox-fitbit-secret', notifications);
      expect(fitbit.status).to.equal(204);
      const garmin = await h.request('POST', '/v1/webhooks/garmin', { headers, body: ping });
      expect(garmin.status).to.equal(200);
    }
    const buffered = (await drainBuffer()).map((b) => `${b.body.provider}:${b.body.providerUserId}`);
    expect(buffered.sort()).to.deep.equal(['fitbit:FB-REPLAY', 'garmin:garmin-replay']);
  });

  it("refuses every provider's oversized delivery with 413 problem+json, buffering nothing", async () => {
    const h = getHarness();
    const padding = 'x'.repeat(70 * 1024); // over the test API's 64 kb BODY_LIMIT
    const deliveries: Array<[string, Record<string, string>, unknown]> = [
      ['/v1/webhooks/strava', {}, { ...stravaEvent('4242'), padding }],
      ['/v1/webhooks/fitbit', {}, [{ collectionType: 'sleep', ownerId: 'X', subscriptionId: padding }]],
      [
        '/v1/webhooks/garmin',
        { 'garmin-client-id': 'sandbox-garmin-client' },
        { sleeps: [{ userId: padding }] },
      ],
      [
        '/v1/webhooks/google_health',
        { authorization: GOOGLE_HEALTH_WEBHOOK_AUTHORIZATION },
        [{ data: { healthUserId: padding } }],
      ],
    ];
    for (const [path, headers, body] of deliveries) {
      const res = await h.request<Problem>('POST', path, { headers, body });
      expect(res.status, path).to.equal(413);
      expect(res.headers.get('content-type'), path).to.match(/^application\/problem\+json/);
      expect(res.body.code, path).to.equal('payload_too_large');
    }
    expect(await drainBuffer()).to.have.length(0);
  });

  it('refuses a Strava event for another subscription when ours is configured (Strava signs nothing): 403, nothing buffered', async () => {
    const h = getHarness();
    const api = await startApi(testEnv(h.stack, { STRAVA_WEBHOOK_SUBSCRIPTION_ID: '120475' }));
    try {
      const forged = await sendStravaEvent(api.url, { ...stravaEvent('777'), subscription_id: 999 });
      expect(forged.status).to.equal(403);
      expect((JSON.parse(forged.body) as Problem).code).to.equal('forbidden');
      expect(await drainBuffer()).to.have.length(0);
      const ours = await sendStravaEvent(api.url, { ...stravaEvent('777'), subscription_id: 120475 });
      expect(ours.status).to.equal(200);
      expect((await drainBuffer()).map((b) => b.body.providerUserId)).to.deep.equal(['777']);
    } finally {
      await api.stop();
    }
  });

  it('rejects a malformed delivery with 400 and buffers nothing', async () => {
    const h = getHarness();
    const res = await h.request<Problem>('POST', '/v1/webhooks/strava', {
      body: { object_type: 'activity' },
    });
    expect(res.status).to.equal(400);
    expect(await drainBuffer()).to.have.length(0);
  });
});
