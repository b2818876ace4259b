import { expect } from 'chai';
import { providerEndpoints } from '../endpoints.js';
import type { GarminFake } from '../../../infra/local/sandbox/garmin.js';
import { recordedBy } from '../../../infra/local/sandbox/persona.js';
import {
  startProviderSandbox,
  type ProviderSandbox,
  type SandboxUser,
} from '../../../infra/local/sandbox/sandboxServer.js';
import { issueTokens } from '../../../infra/local/sandbox/testTokens.js';
import { utcOffsetMinutes } from '../../../infra/local/sandbox/time.js';
import type { ProviderContext } from '../dataProvider.js';
import { ProviderRateLimitedError, ProviderRequestError, ProviderUnavailableError } from '../errors.js';
import { JobCache } from '../jobCache.js';
import { createProviderHttp } from '../providerHttp.js';
import { offsetTimezone } from './garminMapping.js';
import { GarminProvider, parseGarminRateLimit } from './garminProvider.js';

const NOW = new Date('2026-11-10T12:00:00Z');
const DAY_MS = 86_400_000;
const zoneAt = (tz: string, iso: string) => offsetTimezone(utcOffsetMinutes(tz, new Date(iso)) * 60);

describe('GarminProvider against the sandbox', () => {
  let sandbox: ProviderSandbox;
  let user: SandboxUser;
  let ctx: ProviderContext;
  let calls: number;
  const provider = new GarminProvider({ now: () => NOW });
  const window = { since: new Date(NOW.getTime() - 30 * DAY_MS), until: NOW };

  before(async () => {
    sandbox = await startProviderSandbox({ now: () => NOW });
  });
  after(() => sandbox.stop());
  beforeEach(() => {
    sandbox.reset();
    user = sandbox.createUser({ name: 'garmin-provider' });
    const grant = issueTokens(sandbox, 'garmin', user.sandboxUserId);
    calls = 0;
    ctx = {
      connection: { userId: 'u1', connectionId: 'conn_garmin', provider: 'garmin' },
      http: createProviderHttp({
        provider: 'garmin',
        baseUrl: providerEndpoints('garmin', sandbox.url).apiBaseUrl,
        tokens: { accessToken: async () => grant.accessToken },
        onCall: () => (calls += 1),
      }),
      job: new JobCache(),
    };
  });

  it('lists workouts equal to the persona’s Garmin runs (instants, offsets as Etc zones, DST edge, Berlin)', async () => {
    const mine = recordedBy(user.persona, 'garmin').workouts;
    const summaries = await provider.fetchMetadata(ctx, 'workout', window);
    expect(calls).to.equal(30); // one request per upload day
    expect(
      summaries.map((s) => [s.startTime, s.timezone, s.durationSeconds, s.distanceMeters]),
    ).to.deep.equal(
      mine.map((w) => [w.start, zoneAt(w.timezone, w.start), w.movingSeconds, w.distanceMeters]),
    );
    const dst = summaries.find((s) => s.startTime === mine.find((w) => w.key.endsWith('dst-run'))!.start)!;
    expect(dst.timezone).to.equal('Etc/GMT+4'); // 01:30 EDT, before the clocks went back
    expect(summaries.filter((s) => s.timezone === 'Etc/GMT-1').length).to.be.greaterThan(0); // Berlin
    expect(summaries.every((s) => s.workoutType === 'running')).to.equal(true);
  });

  it('filters by START time although Garmin selects by upload time', async () => {
    const mine = recordedBy(user.persona, 'garmin').workouts;
    const target = mine[3]!;
    const since = new Date(Date.parse(target.start) - 60_000);
    const until = new Date(Date.parse(target.start) + 60_000); // the upload comes after `until`
    const summaries = await provider.fetchMetadata(ctx, 'workout', { since, until });
    expect(summaries.map((s) => s.startTime)).to.deep.equal([target.start]);
  });

  it('hydrates workouts from the metadata scan, mapping units', async () => {
    const summaries = await provider.fetchMetadata(ctx, 'workout', window);
    const before = calls;
    const [w] = await provider.fetchPayloads(ctx, 'workout', summaries.slice(0, 1));
    expect(calls).to.equal(before); // served from the scan
    const persona = recordedBy(user.persona, 'garmin').workouts[0]!;
    expect(w).to.deep.include({
      recordId: summaries[0]!.recordId,
      sourceId: 'conn_garmin',
      provider: 'garmin',
      workoutType: 'running',
      startTime: persona.start,
      endTime: new Date(Date.parse(persona.start) + persona.elapsedSeconds * 1000).toISOString(),
      durationSeconds: persona.movingSeconds,
      calories: persona.calories,
      averageHeartRate: persona.averageHeartRate,
      deviceName: 'Garmin Forerunner 255',
    });
    // A fresh process (no cache) rescans the uploads that can hold the record.
    const [again] = await new GarminProvider({ now: () => NOW }).fetchPayloads(
      ctx,
      'workout',
      summaries.slice(0, 1),
    );
    expect(again).to.deep.equal(w);
  });

  it('lists steps per local day (Berlin days keep their own midnight) and sleeps with stages', async () => {
    const mine = recordedBy(user.persona, 'garmin');
    const steps = await provider.fetchMetadata(ctx, 'steps', window);
    expect(steps.map((s) => [s.date, s.value, s.timezone])).to.deep.equal(
      mine.steps.map((d) => [d.date, d.byProvider.garmin, zoneAt(d.timezone, `${d.date}T12:00:00Z`)]),
    );
    const berlinDay = mine.steps.find((d) => d.timezone === 'Europe/Berlin')!;
    expect(steps.find((s) => s.date === berlinDay.date)!.startTime).to.equal(
      `${previousDay(berlinDay.date)}T23:00:00.000Z`,
    );

    const sleeps = await provider.fetchMetadata(ctx, 'sleep_session', window);
    expect(sleeps.map((s) => [s.startTime, s.durationSeconds])).to.deep.equal(
      mine.sleeps.map((s) => [s.start, s.asleepSeconds]),
    );
    const [night] = await provider.fetchPayloads(ctx, 'sleep_session', sleeps.slice(0, 1));
    expect(night!.stageSummary).to.deep.equal(mine.sleeps[0]!.stages);
    expect(night!.endTime).to.equal(mine.sleeps[0]!.end);
  });

  it('maps body compositions: grams → kg, offset → zone', async () => {
    (sandbox.fakes.garmin as GarminFake).addBodyComposition(user.sandboxUserId, {
      measuredAt: '2026-11-09T06:05:00Z',
      timezone: 'Europe/Berlin',
      weightKg: 72.4,
      bodyFatPercentage: 18.1,
      bodyMassIndex: 22.9,
    });
    const summaries = await provider.fetchMetadata(ctx, 'weight', window);
    expect(summaries).to.have.length(1);
    expect(summaries[0]).to.include({
      value: 72.4,
      timezone: 'Etc/GMT-1',
      startTime: '2026-11-09T06:05:00.000Z',
    });
    const [w] = await provider.fetchPayloads(ctx, 'weight', summaries);
    expect(w).to.include({
      weightKg: 72.4,
      bodyFatPercentage: 18.1,
      bmi: 22.9,
      measuredAt: '2026-11-09T06:05:00.000Z',
    });
  });

  it('is read-only, reads the user id and requests backfills', async () => {
    expect(await provider.fetchUserId(ctx)).to.equal(user.providerUserIds.garmin);
    const error = await provider.push(ctx, 'workout', []).catch((e: unknown) => e);
    expect(error).to.be.instanceOf(ProviderRequestError);
    await provider.requestBackfill(ctx, 'sleep_session', {
      since: new Date(NOW.getTime() - 120 * DAY_MS),
      until: new Date(NOW.getTime() - 20 * DAY_MS),
    });
    expect((sandbox.fakes.garmin as GarminFake).backfillRequests(user.sandboxUserId)).to.have.length(2);
  });

  it('hasNewData asks for the last upload window only', async () => {
    expect(await provider.hasNewData(ctx, 'steps', new Date(NOW.getTime() - 2 * DAY_MS))).to.equal(true);
    expect(calls).to.equal(0); // more than a day: assumed
    expect(await provider.hasNewData(ctx, 'steps', new Date(NOW.getTime() - DAY_MS))).to.equal(true);
    expect(await provider.hasNewData(ctx, 'workout', new Date(NOW.getTime() - 60_000))).to.equal(false);
    expect(calls).to.equal(2);
  });

  it('turns 429 into ProviderRateLimitedError and malformed JSON into ProviderUnavailableError', async () => {
    sandbox.fakes.garmin.configure!({ rateLimitPerMinute: 1 });
    try {
      const error = await provider.fetchMetadata(ctx, 'workout', window).catch((e: unknown) => e);
      expect(error).to.be.instanceOf(ProviderRateLimitedError);
    } finally {
      sandbox.fakes.garmin.configure!({ rateLimitPerMinute: 100 });
    }
    sandbox.faults.add({ provider: 'garmin', kind: 'malformed', pathPrefix: '/wellness-api/rest/sleeps' });
    const malformed = await provider.fetchMetadata(ctx, 'sleep_session', window).catch((e: unknown) => e);
    expect(malformed).to.be.instanceOf(ProviderUnavailableError);
    expect(parseGarminRateLimit(new Headers())).to.equal(undefined);
  });
});

function previousDay(date: string): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) - DAY_MS).toISOString().slice(0, 10);
}
