import { expect } from 'chai';
import { EventEmitter } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { valueOf } from './metrics.js';
import { followRedis } from './processGauges.js';

/** A stand-in with ioredis's `status` and events (the e2e suites run the real client). */
class FakeRedis extends EventEmitter {
  status = 'ready';
  set(status: string, event: 'ready' | 'close') {
    this.status = status;
    this.emit(event);
  }
}

describe('degraded-mode gauges', () => {
  it('counts the time Redis is unavailable, and only that time', async () => {
    const redis = new FakeRedis();
    const component = `test_redis_${Math.random().toString(36).slice(2)}`;
    const unfollow = followRedis(component, redis);
    try {
      expect(await valueOf('syncwell_degraded', { component })).to.equal(0);
      await sleep(30);
      expect(await valueOf('syncwell_degraded_seconds_total', { component })).to.equal(0);

      redis.set('reconnecting', 'close');
      expect(await valueOf('syncwell_degraded', { component })).to.equal(1);
      await sleep(50);
      redis.set('ready', 'ready');
      const degradedFor = await valueOf('syncwell_degraded_seconds_total', { component });
      // At least the 50 ms slept while down (a monotonic clock: intervals, not dates).
      expect(degradedFor).to.be.at.least(0.045);

      await sleep(30);
      expect(await valueOf('syncwell_degraded', { component })).to.equal(0);
      expect(await valueOf('syncwell_degraded_seconds_total', { component })).to.equal(degradedFor);
    } finally {
      unfollow();
    }
    expect(redis.listenerCount('ready') + redis.listenerCount('close')).to.equal(0);
  });
});
