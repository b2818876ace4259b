// POST /v1/internal/anonymizations, the anonymizer proxy (C-006) over HTTP: operator key only,
// records answered in the contract's form without what C-006 removes, bad input a problem+json
// 400 (413 past the body limit).
import { expect } from 'chai';
import { ADMIN_KEY, testEnv } from '../support/harness.js';
import { startApi } from '../../server/main.js';
import { getHarness } from './hooks.js';

const workout = {
  recordId: '10958373640',
  sourceId: 'conn_7c9e6679-7425-40de-944b-e07fc1f90ae7',
  provider: 'strava',
  workoutType: 'running',
  title: 'Run with Jane Doe',
  notes: 'Knee hurt near 5th Avenue',
  startTime: '2024-03-02T07:08:00Z',
  endTime: '2024-03-02T07:52:00Z',
  durationSeconds: 2670,
  distanceMeters: 8012.5,
  calories: 610,
  heartRateSamples: [
    { time: '2024-03-02T07:10:00Z', bpm: 140 },
    { time: '2024-03-02T07:20:00Z', bpm: 160 },
  ],
  route: [{ time: '2024-03-02T07:10:00Z', latitude: 40.7411, longitude: -73.9897, altitudeMeters: 12 }],
  deviceName: "Jane's Watch",
  timezone: 'America/New_York',
  lastModified: '2024-03-02T07:55:03Z',
};
const weight = {
  recordId: '5A1C3E2F-9B7D-4E6A-8C0B-1D2E3F4A5B6C',
  sourceId: 'com.apple.Health',
  provider: 'apple_health',
  measuredAt: '2024-03-02T06:55:00Z',
  weightKg: 72.4,
  bodyFatPercentage: 18.2,
  bmi: 22.9,
  timezone: 'America/New_York',
  lastModified: '2024-03-02T06:55:04Z',
};

describe('POST /v1/internal/anonymizations (C-006)', () => {
  const admin = { 'x-admin-key': ADMIN_KEY };

  it('answers anonymized records to an operator, in the order given', async () => {
    const h = getHarness();
    const res = await h.request<{ records: Record<string, unknown>[] }>(
      'POST',
      '/v1/internal/anonymizations',
      {
        headers: admin,
        body: { userId: 'user_8a1f3c', records: [workout, weight] },
      },
    );
    expect(res.status, res.text).to.equal(200);
    const [w, m] = res.body.records;
    expect(w).to.deep.include({
      dataType: 'workout',
      provider: 'strava',
      workoutType: 'running',
      startTime: '2024-03-02T07:15:00.000Z',
      endTime: '2024-03-02T07:45:00.000Z',
      heartRate: { avg: 150, min: 140, max: 160, samples: 2 },
      region: { latitudeCell: 40, longitudeCell: -74 },
      calories: 610,
    });
    expect(m).to.deep.include({ dataType: 'weight', measuredAt: '2024-03-02T07:00:00.000Z', weightKg: 72.4 });
    for (const leaked of [
      'Jane',
      '5th Avenue',
      '10958373640',
      'conn_7c9e',
      'com.apple.Health',
      'user_8a1f3c',
      '40.74',
    ])
      expect(res.text).not.to.include(leaked);
  });

  it('refuses ordinary users and anonymous callers (401), never an echo of the key', async () => {
    const h = getHarness();
    const token = await h.token(h.newUserId());
    const asUser = await h.request('POST', '/v1/internal/anonymizations', {
      token,
      body: { userId: 'u', records: [weight] },
    });
    expect(asUser.status).to.equal(401);
    const wrongKey = await h.request('POST', '/v1/internal/anonymizations', {
      headers: { 'x-admin-key': 'k'.repeat(40) },
      body: { userId: 'u', records: [weight] },
    });
    expect(wrongKey.status).to.equal(401);
    expect(wrongKey.text).not.to.include('k'.repeat(40));
  });

  it('answers bad input with problem+json 400 naming the field', async () => {
    const h = getHarness();
    const cases = [
      { userId: 'u', records: [] },
      { userId: 'u', records: [{ ...weight, weightKg: 'heavy' }] },
      { records: [weight] },
    ];
    for (const body of cases) {
      const res = await h.request<{ code: string }>('POST', '/v1/internal/anonymizations', {
        headers: admin,
        body,
      });
      expect(res.status, JSON.stringify(body).slice(0, 80)).to.equal(400);
      expect(res.headers.get('content-type')).to.match(/^application\/problem\+json/);
      expect(res.body.code).to.equal('validation_failed');
    }
    // 501 records: over the body limit here (64 kB, 413); with room for them, over the contract's 500 (400).
    const many = { userId: 'u', records: Array.from({ length: 501 }, () => weight) };
    const tooLarge = await h.request<{ code: string }>('POST', '/v1/internal/anonymizations', {
      headers: admin,
      body: many,
    });
    expect([tooLarge.status, tooLarge.body.code]).to.deep.equal([413, 'payload_too_large']);
    const roomy = await startApi(testEnv(h.stack, { BODY_LIMIT: '1mb' }));
    try {
      const res = await fetch(`${roomy.url}/v1/internal/anonymizations`, {
        method: 'POST',
        headers: { ...admin, 'content-type': 'application/json' },
        body: JSON.stringify(many),
      });
      expect(res.status).to.equal(400);
      const problem = (await res.json()) as { code: string; errors?: { pointer?: string }[] };
      expect(problem.code).to.equal('validation_failed');
      expect(JSON.stringify(problem.errors)).to.include('/records');
    } finally {
      await roomy.stop();
    }
  });
});
