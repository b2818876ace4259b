import { expect } from 'chai';
import { scheduleRetirement } from './lifetime.js';

describe('worker maximum lifetime', () => {
  const fakeTimers = () => {
    const set: { fn: () => void; ms: number; unrefed: boolean }[] = [];
    const cleared: object[] = [];
    return {
      set,
      cleared,
      setTimer: (fn: () => void, ms: number) => {
        const t = { fn, ms, unrefed: false, unref: () => (t.unrefed = true) };
        set.push(t);
        return t;
      },
      clearTimer: (t: object) => cleared.push(t),
    };
  };

  it('retires after the lifetime, jittered ±10 %, on a timer that keeps nothing alive', () => {
    for (const [random, expected] of [
      [0, 90_000],
      [0.5, 100_000],
      [0.999_999, 110_000],
    ] as const) {
      const t = fakeTimers();
      let retired = 0;
      const timer = scheduleRetirement({
        seconds: 100,
        onRetire: () => (retired += 1),
        random: () => random,
        ...t,
      });
      expect(timer.afterMs).to.equal(expected);
      expect(t.set).to.have.length(1);
      expect(t.set[0]).to.include({ ms: expected, unrefed: true });
      t.set[0]!.fn();
      expect(retired).to.equal(1);
    }
  });

  it('is off at 0, and a cancelled retirement clears its timer', () => {
    const t = fakeTimers();
    expect(scheduleRetirement({ seconds: 0, onRetire: () => undefined, ...t }).afterMs).to.equal(undefined);
    expect(t.set).to.have.length(0);
    const timer = scheduleRetirement({ seconds: 10, onRetire: () => undefined, ...t });
    timer.cancel();
    expect(t.cleared).to.deep.equal([t.set[0]]);
  });
});
