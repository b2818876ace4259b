// The Google Health notifications endpoint at the API: the configured Authorization checked before
// the body is even parsed, Google's verification answers, each notification a normalised
// WebhookEventReceived on the coalescing buffer (read back from the real queue; its 60 s delivery
// delay set to 0 for this file), and the sandbox's fake of the API verifying and notifying it.
import { PurgeQueueCommand, SetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import { generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { expect } from 'chai';
import type { Problem } from '../../core/domain/types.js';
import {
  CLOUD_PLATFORM_SCOPE,
  sandboxGoogleHealthToken,
} from '../../infra/local/sandbox/googleHealth/googleHealthSubscribers.js';
import { googleHealthScope } from '../../infra/local/sandbox/googleHealth/googleHealthFake.js';
import { startApi } from '../../server/main.js';
import { ensureGoogleHealthSubscriber } from '../../scripts/googleHealthSubscriber.js';
import { GOOGLE_HEALTH_WEBHOOK_AUTHORIZATION, testEnv } from '../support/harness.js';
import { drainCoalescingBuffer } from '../support/coalescingBuffer.js';
import { getHarness } from './hooks.js';

const PATH = '/v1/webhooks/google_health';

const drainBuffer = () => drainCoalescingBuffer(getHarness());

const notification = (healthUserId: string, dataType: string, operation = 'UPSERT', extra = {}) => ({
  data: {
    version: '1',
    clientProvidedSubscriptionName: 'projects/syncwell-test/subscribers/syncwell-webhooks',
    healthUserId,
    operation,
    dataType,
    intervals: [
      {
        physicalTimeInterval: { startTime: '2026-11-10T08:00:00Z', endTime: '2026-11-10T09:00:00Z' },
        civilDateTimeInterval: {
          start: { date: { year: 2026, month: 11, day: 10 }, time: { hours: 9 } },
          end: { date: { year: 2026, month: 11, day: 10 }, time: { hours: 10 } },
        },
      },
    ],
    ...extra,
  },
});

describe('Google Health notifications (POST /v1/webhooks/google_health)', () => {
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

  /** A call as Google makes it: JSON, the given Authorization (none when null), a signature header. */
  const post = (body: string | unknown, authorization: string | null, contentType = 'application/json') =>
    getHarness().request<Problem | string>('POST', PATH, {
      ...(typeof body === 'string' ? { rawBody: body } : { body }),
      contentType,
      idempotencyKey: null,
      headers: {
        ...(authorization !== null ? { authorization } : {}),
        'GOOGLE-HEALTH-API-SIGNATURE': 'MEUCIQD0',
      },
    });

  it('answers Google’s verification: 201 with the configured Authorization, 401 without it or with another', async () => {
    const ok = await post({ type: 'verification' }, GOOGLE_HEALTH_WEBHOOK_AUTHORIZATION);
    expect(ok.status).to.equal(201);
    expect(ok.text).to.equal('');
    const sameLength = `${GOOGLE_HEALTH_WEBHOOK_AUTHORIZATION.slice(0, -1)}X`;
    for (const authorization of [
      null,
      'Bearer not-the-secret',
      sameLength,
      'bearer test-google-health-webhook-secret',
    ]) {
      const refused = await post({ type: 'verification' }, authorization);
      expect(refused.status, String(authorization)).to.equal(401);
      expect(refused.headers.get('content-type')).to.match(/^application\/problem\+json/);
      expect((refused.body as Problem).code).to.equal('unauthenticated');
      expect(refused.text).to.not.include('not-the-secret');
    }
  });

  it('checks the Authorization before the body: a wrong one is 401 (never 400/415) and nothing is buffered', async () => {
    const h = getHarness();
    const batch = [notification('4938672019384756', 'steps')];
    for (const [body, contentType] of [
      ['{"type": ', 'application/json'],
      ['[{"data": {}}, 7]', 'application/json'],
      [JSON.stringify(batch), 'text/plain'],
      [JSON.stringify(batch), 'application/json'],
    ] as const) {
      for (const authorization of [null, 'Bearer wrong']) {
        const res = await post(body, authorization, contentType);
        expect(res.status, `${authorization} ${contentType} ${body}`).to.equal(401);
      }
    }
    // The same malformed body with the right Authorization is the contract's 400.
    const malformed = await post('{"type": ', GOOGLE_HEALTH_WEBHOOK_AUTHORIZATION);
    expect(malformed.status).to.equal(400);
    expect((malformed.body as Problem).code).to.equal('malformed_json');
    expect(await drainBuffer()).to.have.length(0);
    expect(h.config.GOOGLE_HEALTH_WEBHOOK_AUTHORIZATION).to.equal(GOOGLE_HEALTH_WEBHOOK_AUTHORIZATION);
  });

  it('refuses what is not a verification or a batch of 1–99 notifications with 400, buffering nothing', async () => {
    const good = notification('1234', 'steps');
    for (const body of [
      [],
      Array.from({ length: 100 }, () => good),
      { type: 'notification' },
      { type: 'verification', extra: true },
      [{ ...good, extra: true }],
      [{ data: { ...good.data, healthUserId: undefined } }],
      [{ data: { ...good.data, dataType: 'Steps!' } }],
      [{ data: { ...good.data, healthUserId: 'a'.repeat(129) } }],
    ]) {
      const res = await post(body, GOOGLE_HEALTH_WEBHOOK_AUTHORIZATION);
      expect(res.status, JSON.stringify(body).slice(0, 120)).to.equal(400);
      expect((res.body as Problem).code).to.equal('validation_failed');
    }
    expect(await drainBuffer()).to.have.length(0);
  });

  it('buffers one event per notification (group = provider:healthUserId), coalescing Google’s redeliveries', async () => {
    const batch = [
      notification('4938672019384756', 'steps'),
      notification('4938672019384756', 'exercise', 'DELETE'),
      // Google may add fields inside `data`: accepted and ignored.
      notification('77', 'heart-rate', 'UPSERT', { newField: { anything: 1 } }),
    ];
    const res = await post(batch, GOOGLE_HEALTH_WEBHOOK_AUTHORIZATION);
    expect(res.status).to.equal(204);
    expect(res.text).to.equal('');
    // Google delivers the same batch again (its answer got lost): nothing new is buffered.
    expect((await post(batch, GOOGLE_HEALTH_WEBHOOK_AUTHORIZATION)).status).to.equal(204);
    const buffered = await drainBuffer();
    expect(buffered).to.have.length(3);
    const byType = new Map(buffered.map((b) => [b.body.eventType, b]));
    expect(byType.get('steps.UPSERT')!.groupId).to.equal('google_health:4938672019384756');
    expect(byType.get('steps.UPSERT')!.body).to.include({
      provider: 'google_health',
      providerUserId: '4938672019384756',
      userId: null,
      connectionId: null,
      objectId: null,
      dataType: 'steps',
    });
    expect(byType.get('exercise.DELETE')!.body).to.include({ dataType: 'workout' });
    // A type SyncWell does not sync is acknowledged; the coalescer drops it.
    expect(byType.get('heart-rate.UPSERT')!.body).to.include({ providerUserId: '77', dataType: null });
    const ids = buffered.map((b) => b.body.rawEventId);
    expect(new Set(ids).size).to.equal(3);
    for (const id of ids) expect(id).to.match(/^google_health:[A-Za-z0-9_-]{43}$/);
  });

  it('is closed (403 to every call, the verification included) when no Authorization is configured', async () => {
    const h = getHarness();
    const closed = await startApi({ ...testEnv(h.stack), GOOGLE_HEALTH_WEBHOOK_AUTHORIZATION: undefined });
    try {
      for (const [body, authorization] of [
        [{ type: 'verification' }, GOOGLE_HEALTH_WEBHOOK_AUTHORIZATION],
        [{ type: 'verification' }, null],
        ['{"type": ', null],
      ] as const) {
        const res = await fetch(`${closed.url}${PATH}`, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            ...(authorization ? { authorization } : {}),
          },
          body: typeof body === 'string' ? body : JSON.stringify(body),
        });
        expect(res.status).to.equal(403);
        expect(((await res.json()) as Problem).code).to.equal('forbidden');
      }
    } finally {
      await closed.stop();
    }
  });

  it('passes the fake’s verification when its subscriber is created, then receives its notifications', async () => {
    const h = getHarness();
    const sandboxUrl = h.stack.endpoints.sandbox;
    const fake = h.stack.sandbox.fakes.google_health;
    const developer = h.stack.sandbox.createUser({ persona: { empty: true } });
    const settings = {
      apiBaseUrl: `${sandboxUrl}/google_health`,
      project: `it-${developer.sandboxUserId}`,
      endpointUri: `${h.api.url}${PATH}`,
      authorization: GOOGLE_HEALTH_WEBHOOK_AUTHORIZATION,
      accessToken: await sandboxGoogleHealthToken(sandboxUrl, developer.sandboxUserId, [
        CLOUD_PLATFORM_SCOPE,
      ]),
    };
    const calls = fake.webhookCalls().length;
    // Another value than the API's is refused by Google's check (the API answered 401).
    const refused = await ensureGoogleHealthSubscriber({ ...settings, authorization: 'Bearer stale' }).then(
      () => expect.fail('expected the verification to fail'),
      (e: unknown) => e as Error,
    );
    expect(refused.message).to.match(/FAILED_PRECONDITION/);
    expect(await ensureGoogleHealthSubscriber(settings)).to.include({ action: 'created' });
    expect(
      fake
        .webhookCalls()
        .slice(calls)
        .map((c) => [c.kind, c.authorized, c.status]),
    ).to.deep.equal([
      ['verification', true, 401],
      ['verification', true, 201],
      ['verification', false, 401],
    ]);

    // A person who granted the read scopes; their tracker records a night: one notification.
    const person = h.stack.sandbox.createUser({ persona: { empty: true } });
    await sandboxGoogleHealthToken(sandboxUrl, person.sandboxUserId, [
      googleHealthScope('sleep', 'readonly'),
    ]);
    fake.recordDataPoint(person.sandboxUserId, {
      sleep: {
        interval: {
          startTime: '2026-11-09T22:00:00Z',
          startUtcOffset: '0s',
          endTime: '2026-11-10T06:00:00Z',
          endUtcOffset: '0s',
        },
      },
    });
    await fake.webhooksSettled();
    expect(fake.webhookCalls().at(-1)).to.include({ kind: 'notification', authorized: true, status: 204 });
    const [buffered, ...rest] = await drainBuffer();
    expect(rest).to.have.length(0);
    expect(buffered!.body).to.include({
      provider: 'google_health',
      providerUserId: person.providerUserIds.google_health,
      eventType: 'sleep.UPSERT',
      dataType: 'sleep_session',
    });
  });

  describe('with Google Health’s public key configured (payload signatures)', () => {
    // Our own key pair stands in for Google's, so the test can sign (and forge) what it likes.
    const google = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    const impostor = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    const signWith = (key: KeyObject, raw: string, dsaEncoding: 'der' | 'ieee-p1363' = 'der') =>
      sign('sha256', Buffer.from(raw), { key, dsaEncoding }).toString('base64');
    let keyed: Awaited<ReturnType<typeof startApi>>;
    before(async () => {
      keyed = await startApi({
        ...testEnv(getHarness().stack),
        GOOGLE_HEALTH_WEBHOOK_PUBLIC_KEY: google.publicKey.export({ type: 'spki', format: 'pem' }).toString(),
      });
    });
    after(() => keyed?.stop());
    const send = (raw: string, headers: Record<string, string>) =>
      fetch(`${keyed.url}${PATH}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: raw,
      });

    it('takes a signed batch with or without the Authorization, in either header and signature encoding', async () => {
      const cases: [string, Record<string, string>][] = [
        ['1001', { 'X-HEALTHAPI-SIGNATURE': '' }],
        ['1002', { 'GOOGLE-HEALTH-API-SIGNATURE': '', authorization: GOOGLE_HEALTH_WEBHOOK_AUTHORIZATION }],
        ['1003', { 'X-HEALTHAPI-SIGNATURE': 'p1363' }],
      ];
      for (const [user, headers] of cases) {
        const raw = JSON.stringify([notification(user, 'steps')]);
        const [name, encoding] = Object.entries(headers)[0]!;
        const res = await send(raw, {
          ...headers,
          [name]: signWith(google.privateKey, raw, encoding === 'p1363' ? 'ieee-p1363' : 'der'),
        });
        expect(res.status, user).to.equal(204);
      }
      const buffered = await drainBuffer();
      expect(buffered.map((b) => b.body.providerUserId).sort()).to.deep.equal(['1001', '1002', '1003']);
    });

    it('refuses unsigned, forged and tampered batches, and a verification without the Authorization: 401, nothing buffered', async () => {
      const raw = JSON.stringify([notification('2001', 'steps')]);
      const other = JSON.stringify([notification('2002', 'steps')]);
      const refused: [string, string, Record<string, string>][] = [
        ['unsigned, right Authorization', raw, { authorization: GOOGLE_HEALTH_WEBHOOK_AUTHORIZATION }],
        ['another key', raw, { 'X-HEALTHAPI-SIGNATURE': signWith(impostor.privateKey, raw) }],
        [
          'another key, right Authorization',
          raw,
          {
            'X-HEALTHAPI-SIGNATURE': signWith(impostor.privateKey, raw),
            authorization: GOOGLE_HEALTH_WEBHOOK_AUTHORIZATION,
          },
        ],
        ['signature of another body', raw, { 'X-HEALTHAPI-SIGNATURE': signWith(google.privateKey, other) }],
        ['not base64 DER', raw, { 'X-HEALTHAPI-SIGNATURE': 'MEUCIQD0' }],
        ['empty signature', raw, { 'X-HEALTHAPI-SIGNATURE': '' }],
        [
          'signed verification without the Authorization',
          '{"type":"verification"}',
          { 'X-HEALTHAPI-SIGNATURE': signWith(google.privateKey, '{"type":"verification"}') },
        ],
      ];
      for (const [why, body, headers] of refused) {
        const res = await send(body, headers);
        expect(res.status, why).to.equal(401);
        const problem = (await res.json()) as Problem;
        expect(problem.code, why).to.equal('unauthenticated');
        expect(JSON.stringify(problem), why).to.not.include(GOOGLE_HEALTH_WEBHOOK_AUTHORIZATION);
      }
      expect(await drainBuffer()).to.have.length(0);
      // Google's verification call carries the Authorization and no signature: still answered.
      const verification = await send('{"type":"verification"}', {
        authorization: GOOGLE_HEALTH_WEBHOOK_AUTHORIZATION,
      });
      expect(verification.status).to.equal(201);
    });

    it('accepts what the sandbox’s fake of the API signs with its key', async () => {
      const h = getHarness();
      const fake = h.stack.sandbox.fakes.google_health;
      const withFakeKey = await startApi({
        ...testEnv(h.stack),
        GOOGLE_HEALTH_WEBHOOK_PUBLIC_KEY: fake.notificationPublicKeyPem,
      });
      try {
        const sandboxUrl = h.stack.endpoints.sandbox;
        const developer = h.stack.sandbox.createUser({ persona: { empty: true } });
        await ensureGoogleHealthSubscriber({
          apiBaseUrl: `${sandboxUrl}/google_health`,
          project: `it-signed-${developer.sandboxUserId}`,
          endpointUri: `${withFakeKey.url}${PATH}`,
          authorization: GOOGLE_HEALTH_WEBHOOK_AUTHORIZATION,
          accessToken: await sandboxGoogleHealthToken(sandboxUrl, developer.sandboxUserId, [
            CLOUD_PLATFORM_SCOPE,
          ]),
        });
        const person = h.stack.sandbox.createUser({ persona: { empty: true } });
        await sandboxGoogleHealthToken(sandboxUrl, person.sandboxUserId, [
          googleHealthScope('weight', 'readonly'),
        ]);
        fake.recordDataPoint(person.sandboxUserId, {
          weight: {
            sampleTime: { physicalTime: '2026-11-10T07:00:00Z', utcOffset: '0s' },
            weightGrams: 70500,
          },
        });
        await fake.webhooksSettled();
        expect(fake.webhookCalls().at(-1)).to.include({ kind: 'notification', status: 204 });
        const buffered = await drainBuffer();
        expect(buffered.map((b) => b.body.providerUserId)).to.include(person.providerUserIds.google_health);
      } finally {
        await withFakeKey.stop();
      }
    });
  });
});
