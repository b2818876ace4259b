import { expect } from 'chai';
import { nextPollDelaySeconds } from './pollPlanner.js';

const intervals = { minSeconds: 900, maxSeconds: 86_400 };
const now = new Date('2026-11-25T12:00:00Z');
const ago = (seconds: number) => new Date(now.getTime() - seconds * 1000);

describe('adaptive poll planner', () => {
  it('checks an active user every 15 minutes', () => {
    expect(nextPollDelaySeconds(now, now, intervals)).to.equal(900);
    expect(nextPollDelaySeconds(now, ago(1_200), intervals)).to.equal(900);
  });

  it('waits half the idle time in between', () => {
    expect(nextPollDelaySeconds(now, ago(4 * 3600), intervals)).to.equal(2 * 3600);
  });

  it('checks an idle user, or one never seen with data, once a day', () => {
    expect(nextPollDelaySeconds(now, ago(3 * 86_400), intervals)).to.equal(86_400);
    expect(nextPollDelaySeconds(now, undefined, intervals)).to.equal(86_400);
  });

  it('reaches a day from 15 minutes in about fifteen empty checks', () => {
    let t = now.getTime();
    const activity = new Date(t);
    let checks = 0;
    let wait = 0;
    while (wait < 86_400) {
      wait = nextPollDelaySeconds(new Date(t), activity, intervals);
      t += wait * 1000;
      checks++;
    }
    expect(checks).to.be.within(13, 17);
  });

  it('treats a clock behind the last activity as active', () => {
    expect(nextPollDelaySeconds(ago(60), now, intervals)).to.equal(900);
  });
});
