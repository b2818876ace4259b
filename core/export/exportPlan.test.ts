import { expect } from 'chai';
import type { ConnectionRecord } from '../store/connectionRepository.js';
import { partId, planExport, streamWindow } from './exportPlan.js';

const now = new Date('2026-11-25T10:00:00.000Z');
const DAY = 86_400_000;

const connection = (
  connectionId: string,
  provider: ConnectionRecord['provider'],
  status: ConnectionRecord['status'] = 'active',
): ConnectionRecord => ({
  userId: 'u-1',
  connectionId,
  provider,
  status,
  credentialRef: 'a-credential-pointer',
  createdAt: '2026-01-01T00:00:00.000Z',
  updatedAt: '2026-01-01T00:00:00.000Z',
});

describe('export plan', () => {
  const plan = planExport(
    [
      connection('conn_c', 'fitbit'),
      connection('conn_a', 'strava'),
      connection('conn_b', 'garmin', 'needs_reauth'),
      connection('conn_d', 'google_fit', 'pending'),
      connection('conn_e', 'apple_health'),
    ],
    { now, lookbackDays: 365, windowDays: 30 },
  );

  it('reads every data type each active or re-auth-needing cloud connection holds, grouped by data type', () => {
    expect(plan.streams.map((s) => `${s.dataType}:${s.provider}`)).to.deep.equal([
      'workout:strava',
      'workout:garmin',
      'workout:fitbit',
      'sleep_session:garmin',
      'sleep_session:fitbit',
      'steps:garmin',
      'steps:fitbit',
      'weight:garmin',
      'weight:fitbit',
    ]);
    expect(plan.streams.map((s) => s.index)).to.deep.equal([0, 1, 2, 3, 4, 5, 6, 7, 8]);
    // A pending connection has nothing to read; a phone's store is read on the phone, not here.
    expect(plan.streams.some((s) => s.connectionId === 'conn_d' || s.connectionId === 'conn_e')).to.equal(
      false,
    );
  });

  it('marks a connection that needs re-authorization unreadable from the start', () => {
    const garmin = plan.streams.filter((s) => s.provider === 'garmin');
    expect(garmin).to.have.length(4);
    for (const s of garmin) expect(s.unreadable).to.equal('provider_auth_revoked');
    expect(plan.streams.filter((s) => s.unreadable)).to.have.length(4);
  });

  it('covers the whole range in contiguous half-open windows, the last one ending at the range end', () => {
    expect(plan.rangeEnd).to.equal(now.toISOString());
    expect(Date.parse(plan.rangeEnd) - Date.parse(plan.rangeStart)).to.equal(365 * DAY);
    const stream = plan.streams[0]!;
    expect(stream.windowDays).to.equal(30);
    expect(stream.windows).to.equal(13);
    const windows = Array.from({ length: stream.windows }, (_, w) => streamWindow(plan, stream, w));
    expect(windows[0]!.since.toISOString()).to.equal(plan.rangeStart);
    for (let w = 1; w < windows.length; w += 1)
      expect(windows[w]!.since.getTime()).to.equal(windows[w - 1]!.until.getTime());
    expect(windows.at(-1)!.until.toISOString()).to.equal(plan.rangeEnd);
    expect(windows.at(-1)!.until.getTime() - windows.at(-1)!.since.getTime()).to.equal(5 * DAY);
  });

  it('never reads more days at once than the provider serves, nor than configured', () => {
    const weekly = planExport([connection('conn_a', 'strava')], { now, lookbackDays: 28, windowDays: 7 });
    expect(weekly.streams[0]).to.include({ windowDays: 7, windows: 4 });
    const wide = planExport([connection('conn_a', 'strava')], { now, lookbackDays: 90, windowDays: 365 });
    expect(wide.streams[0]).to.include({ windowDays: 30, windows: 3 });
  });

  it('names parts by stream and window', () => {
    expect(partId(3, 12)).to.equal('s3w12');
  });
});
