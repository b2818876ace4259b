// The fakes' wall-clock helpers: the persona's DST-edge run is placed from lastDstChange, so the
// change must be the exact instant, whatever the minutes and seconds of "now".
import { expect } from 'chai';
import { lastDstChange, localIso, zonedToUtc } from './time.js';

describe('sandbox time helpers', () => {
  it('finds the exact instant of the last DST change, whatever the minutes and seconds of now', () => {
    // New York sprang forward at 07:00Z on 2027-03-14 and fell back at 06:00Z on 2027-11-07.
    for (const now of ['2027-03-14T15:00:00Z', '2027-03-14T15:00:02.345Z', '2027-03-20T23:59:59.999Z']) {
      expect(lastDstChange('America/New_York', new Date(now))?.toISOString(), now).to.equal(
        '2027-03-14T07:00:00.000Z',
      );
    }
    expect(lastDstChange('America/New_York', new Date('2027-11-07T16:37:12.5Z'))?.toISOString()).to.equal(
      '2027-11-07T06:00:00.000Z',
    );
    // A zone that changes on the half hour (Lord Howe: +11 to +10:30 at 02:00 local, 15:00Z).
    expect(lastDstChange('Australia/Lord_Howe', new Date('2027-04-05T09:41:07Z'))?.toISOString()).to.equal(
      '2027-04-03T15:00:00.000Z',
    );
    expect(lastDstChange('Asia/Kolkata', new Date('2027-03-14T15:00:00Z'))).to.equal(undefined);
  });

  it('maps wall-clock times in the skipped and repeated hours', () => {
    expect(zonedToUtc('America/New_York', '2027-03-14T02:30:00').toISOString()).to.equal(
      '2027-03-14T07:30:00.000Z',
    );
    expect(zonedToUtc('America/New_York', '2027-11-07T01:30:00').toISOString()).to.equal(
      '2027-11-07T05:30:00.000Z',
    );
    expect(localIso('America/New_York', new Date('2027-03-14T07:00:00Z'))).to.equal('2027-03-14T03:00:00');
  });
});
