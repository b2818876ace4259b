import { expect } from 'chai';
import type { ConnectionRecord } from '../store/connectionRepository.js';
import type { SyncConfigRecord } from '../store/syncConfigRepository.js';
import { automaticPairs } from './automaticPairs.js';

const at = '2026-11-01T00:00:00.000Z';
const conn = (
  connectionId: string,
  provider: ConnectionRecord['provider'],
  status: ConnectionRecord['status'] = 'active',
): ConnectionRecord => ({
  userId: 'u1',
  connectionId,
  provider,
  status,
  credentialRef: null,
  createdAt: at,
  updatedAt: at,
});
const config = (source: string, destination: string, isEnabled = true): SyncConfigRecord =>
  ({
    userId: 'u1',
    configId: `cfg_${source}_${destination}`,
    sourceConnectionId: source,
    destinationConnectionId: destination,
    dataType: 'workout',
    conflictStrategy: 'newest_wins',
    isEnabled,
    version: 1,
    createdAt: at,
    updatedAt: at,
  }) as SyncConfigRecord;
const ids = (pairs: ReturnType<typeof automaticPairs>) => pairs.map((p) => p.config.configId);

describe('automaticPairs', () => {
  const connections = [
    conn('garmin', 'garmin'),
    conn('strava', 'strava'),
    conn('fit', 'google_fit'),
    conn('health', 'apple_health'),
    conn('broken', 'fitbit', 'needs_reauth'),
  ];

  it('runs enabled pairs of active connections with a cloud source, device destinations included', () => {
    const syncConfigs = [
      config('garmin', 'strava'),
      config('garmin', 'health'),
      config('health', 'strava'),
      config('garmin', 'broken'),
      config('strava', 'garmin', false),
      config('fit', 'strava'),
    ];
    expect(ids(automaticPairs({ connections, syncConfigs }))).to.deep.equal([
      'cfg_garmin_strava',
      'cfg_garmin_health',
      'cfg_fit_strava',
    ]);
  });

  it('leaves Google Fit alone while Health Connect is connected (device first), and falls back without it', () => {
    const syncConfigs = [config('fit', 'strava'), config('garmin', 'fit'), config('garmin', 'strava')];
    const withHealthConnect = [...connections, conn('hc', 'health_connect')];
    expect(ids(automaticPairs({ connections: withHealthConnect, syncConfigs }))).to.deep.equal([
      'cfg_garmin_strava',
    ]);
    const inactive = [...connections, conn('hc', 'health_connect', 'revoked')];
    expect(ids(automaticPairs({ connections: inactive, syncConfigs }))).to.deep.equal([
      'cfg_fit_strava',
      'cfg_garmin_fit',
      'cfg_garmin_strava',
    ]);
  });
});
