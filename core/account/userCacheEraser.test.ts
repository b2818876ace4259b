import { expect } from 'chai';
import { loadPolicies } from '../ratelimit/policies.js';
import { connectionKeys, userKeys } from './userCacheEraser.js';

describe('the Redis keys account deletion erases', () => {
  const policies = loadPolicies(
    JSON.stringify({
      strava: [
        { scope: 'app', capacity: 100, windowSeconds: 900 },
        { scope: 'user', capacity: 10, windowSeconds: 60 },
        { scope: 'user', capacity: 100, windowSeconds: 86_400 },
      ],
    }),
  );

  it("names a connection's poll chain, its configurations' windows and its provider user's buckets", () => {
    const keys = connectionKeys(
      { connectionId: 'conn_1', provider: 'strava', providerUserId: '1001' },
      ['cfg_a', 'cfg_b'],
      policies,
    );
    expect(keys).to.have.members([
      'poll:conn_1',
      'coalesce##cfg_a',
      'coalesce##cfg_b',
      'ratelimit##strava##user##1001##60',
      'ratelimit##strava##user##1001##86400',
    ]);
    // The application's bucket is shared by every user: never erased with one of them.
    expect(keys.some((k) => k.includes('##app##'))).to.equal(false);
  });

  it('uses the connection id where the provider gives no user id, as the limiter does', () => {
    const keys = connectionKeys({ connectionId: 'conn_2', provider: 'strava' }, [], policies);
    expect(keys).to.include('ratelimit##strava##user##conn_2##60');
  });

  it('names no rate-limit bucket for a device store', () => {
    expect(connectionKeys({ connectionId: 'conn_3', provider: 'apple_health' }, [], policies)).to.deep.equal([
      'poll:conn_3',
    ]);
  });

  it("names the user's config cache, its generation and the sync confidence of every provider", () => {
    const keys = userKeys('u1');
    expect(keys).to.include.members(['config##u1', 'configgen##u1', 'sync:confidence:u1:strava']);
    expect(keys).to.include('sync:confidence:u1:apple_health');
    expect(keys.every((k) => k.includes('u1'))).to.equal(true);
  });
});
