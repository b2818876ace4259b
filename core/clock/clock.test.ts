import { expect } from 'chai';
import { clockOffsetFromEnv, clockStartFromEnv } from '../config/clockStart.js';
import { ManualClock, clock, clockEnvForChild, startProcessClockAt } from './clock.js';

describe('core/clock', () => {
  describe('SYNCWELL_CLOCK_START', () => {
    it('is unset by default: the system clock', () => {
      expect(clockStartFromEnv({})).to.equal(undefined);
      expect(clockStartFromEnv({ SYNCWELL_CLOCK_START: '' })).to.equal(undefined);
    });

    it('takes an instant with a zone', () => {
      expect(clockStartFromEnv({ SYNCWELL_CLOCK_START: '2027-03-14T06:30:00Z' })).to.equal(
        Date.UTC(2027, 2, 14, 6, 30),
      );
      expect(clockStartFromEnv({ SYNCWELL_CLOCK_START: '2027-01-01T00:00:00+14:00' })).to.equal(
        Date.UTC(2026, 11, 31, 10, 0),
      );
    });

    it('refuses local times and nonsense with a message that names the setting', () => {
      for (const raw of ['2027-03-14T06:30:00', 'tomorrow', '2027-13-40T00:00:00Z'])
        expect(() => clockStartFromEnv({ SYNCWELL_CLOCK_START: raw }), raw).to.throw(
          RangeError,
          /SYNCWELL_CLOCK_START/,
        );
    });
  });

  describe('the process clock', () => {
    let saved: number;
    beforeEach(() => {
      saved = clock.now();
    });
    afterEach(() => startProcessClockAt(saved));

    it('moves to a chosen instant and runs on at real speed', async () => {
      startProcessClockAt(new Date('2028-02-29T23:59:59.000Z'));
      const first = clock.now();
      expect(first - Date.parse('2028-02-29T23:59:59.000Z')).to.be.within(0, 50);
      await new Promise((r) => setTimeout(r, 30));
      expect(clock.now() - first).to.be.within(25, 1000);
      expect(clock.date().toISOString().slice(0, 10)).to.be.oneOf(['2028-02-29', '2028-03-01']);
    });

    it('hands its exact offset to child processes, and clears an inherited setting when unshifted', () => {
      startProcessClockAt(new Date('2027-01-01T12:00:00Z'));
      const env = clockEnvForChild();
      const childNow = Date.now() + clockOffsetFromEnv(env)!;
      expect(Math.abs(childNow - clock.now())).to.be.below(5);
      expect(env.SYNCWELL_CLOCK_START).to.equal('');
      startProcessClockAt(Date.now());
      expect(clockEnvForChild()).to.deep.equal({ SYNCWELL_CLOCK_OFFSET_MS: '', SYNCWELL_CLOCK_START: '' });
    });

    it('reads an offset from the environment, refusing anything but whole milliseconds', () => {
      expect(clockOffsetFromEnv({ SYNCWELL_CLOCK_OFFSET_MS: '-3600000' })).to.equal(-3_600_000);
      expect(clockOffsetFromEnv({})).to.equal(undefined);
      for (const raw of ['1.5', 'soon', '1e3'])
        expect(() => clockOffsetFromEnv({ SYNCWELL_CLOCK_OFFSET_MS: raw }), raw).to.throw(RangeError);
    });

    it('can be passed around as a plain function', () => {
      const { now, date } = clock;
      expect(Math.abs(now() - clock.now())).to.be.below(1000);
      expect(date()).to.be.instanceOf(Date);
    });
  });

  it('ManualClock moves only when told to', () => {
    const c = new ManualClock(1000);
    expect(c.now()).to.equal(1000);
    c.advance(500);
    expect(c.date().getTime()).to.equal(1500);
    c.set(new Date(0));
    expect(c.now()).to.equal(0);
  });
});
