import { expect } from 'chai';
import type { ConnectionRecord } from '../store/connectionRepository.js';
import { exportProgress, streamsOf } from './exportProgress.js';
import { planExport } from './exportPlan.js';

const connection = (connectionId: string, provider: ConnectionRecord['provider']): ConnectionRecord => ({
  userId: 'u-1',
  connectionId,
  provider,
  status: 'active',
  credentialRef: null,
  createdAt: '2026-01-01T00:00:00.000Z',
  updatedAt: '2026-01-01T00:00:00.000Z',
});

// Streams: 0 workout:strava, 1 workout:fitbit, 2 sleep:fitbit, 3 steps:fitbit, 4 weight:fitbit;
// two windows each (parts s{stream}w0 and s{stream}w1).
const plan = planExport([connection('conn_a', 'strava'), connection('conn_b', 'fitbit')], {
  now: new Date('2026-11-25T10:00:00.000Z'),
  lookbackDays: 14,
  windowDays: 7,
});

describe('export progress', () => {
  it('is pending before any window, with every data type and its windows', () => {
    const { progress, missing } = exportProgress(plan, {
      doneParts: new Set(),
      partRecords: {},
      missing: {},
    });
    expect(progress).to.deep.equal([
      { dataType: 'workout', status: 'pending', recordCount: 0, completedWindows: 0, totalWindows: 4 },
      { dataType: 'sleep_session', status: 'pending', recordCount: 0, completedWindows: 0, totalWindows: 2 },
      { dataType: 'steps', status: 'pending', recordCount: 0, completedWindows: 0, totalWindows: 2 },
      { dataType: 'weight', status: 'pending', recordCount: 0, completedWindows: 0, totalWindows: 2 },
    ]);
    expect(missing).to.deep.equal([]);
  });

  it('counts written windows and their records, and tells running from complete', () => {
    const { progress } = exportProgress(plan, {
      doneParts: new Set(['s0w0', 's0w1', 's1w0', 's2w0', 's2w1']),
      partRecords: { s0w0: 3, s0w1: 4, s1w0: 2, s2w0: 7, s2w1: 7 },
      missing: {},
    });
    expect(progress[0]).to.deep.include({ status: 'running', recordCount: 9, completedWindows: 3 });
    expect(progress[1]).to.deep.include({ status: 'complete', recordCount: 14, completedWindows: 2 });
    expect(progress[2]).to.deep.include({ status: 'pending', completedWindows: 0 });
  });

  it('names what failed for good: partial when another provider still has the type, failed when none has', () => {
    const checkpoints = {
      doneParts: new Set(['s0w0', 's0w1', 's1w0']),
      partRecords: { s0w0: 3, s0w1: 4, s1w0: 2 },
      missing: {
        s1: { code: 'provider_auth_revoked', message: 'reconnect' },
        s2: { code: 'provider_auth_revoked', message: 'reconnect' },
      },
    };
    const { progress, missing } = exportProgress(plan, checkpoints);
    // Fitbit's window written before its failure is left out with the rest of its workouts.
    expect(progress[0]).to.deep.equal({
      dataType: 'workout',
      status: 'partial',
      recordCount: 7,
      completedWindows: 2,
      totalWindows: 4,
    });
    expect(progress[1]).to.deep.include({ status: 'failed', recordCount: 0 });
    expect(missing).to.deep.equal([
      { dataType: 'workout', provider: 'fitbit', connectionId: 'conn_b', code: 'provider_auth_revoked' },
      {
        dataType: 'sleep_session',
        provider: 'fitbit',
        connectionId: 'conn_b',
        code: 'provider_auth_revoked',
      },
    ]);
    expect(streamsOf(plan, 'workout', checkpoints).map((s) => s.provider)).to.deep.equal(['strava']);
  });

  it('is complete with nothing to read for a data type no connection holds', () => {
    const stravaOnly = planExport([connection('conn_a', 'strava')], {
      now: new Date('2026-11-25T10:00:00.000Z'),
      lookbackDays: 7,
      windowDays: 7,
    });
    const { progress } = exportProgress(stravaOnly, { doneParts: new Set(), partRecords: {}, missing: {} });
    expect(progress[3]).to.deep.equal({
      dataType: 'weight',
      status: 'complete',
      recordCount: 0,
      completedWindows: 0,
      totalWindows: 0,
    });
  });
});
