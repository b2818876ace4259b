import { expect } from 'chai';
import {
  checkDateRange,
  chunkDaysFor,
  daysIn,
  splitDateRange,
  windowOfDateRange,
} from './historicalRange.js';

const today = new Date('2026-11-25T10:00:00Z');

describe('historical date ranges', () => {
  it('splits a year into 30-day chunks that meet without gaps or overlaps', () => {
    const chunks = splitDateRange({ startDate: '2023-01-01', endDate: '2023-12-31' }, 30);
    expect(chunks).to.have.length(13);
    expect(chunks[0]).to.deep.equal({ startDate: '2023-01-01', endDate: '2023-01-30' });
    expect(chunks[12]).to.deep.equal({ startDate: '2023-12-27', endDate: '2023-12-31' });
    expect(chunks.reduce((n, c) => n + daysIn(c), 0)).to.equal(365);
    for (let i = 1; i < chunks.length; i++) {
      expect(windowOfDateRange(chunks[i - 1]!).until.getTime()).to.equal(
        windowOfDateRange(chunks[i]!).since.getTime(),
      );
    }
  });

  it('keeps a one-day range as one chunk and crosses leap days', () => {
    expect(splitDateRange({ startDate: '2024-02-29', endDate: '2024-02-29' }, 30)).to.deep.equal([
      { startDate: '2024-02-29', endDate: '2024-02-29' },
    ]);
    expect(splitDateRange({ startDate: '2024-02-28', endDate: '2024-03-01' }, 2)).to.deep.equal([
      { startDate: '2024-02-28', endDate: '2024-02-29' },
      { startDate: '2024-03-01', endDate: '2024-03-01' },
    ]);
  });

  it('gives half-open UTC windows', () => {
    const w = windowOfDateRange({ startDate: '2023-01-01', endDate: '2023-01-07' });
    expect(w.since.toISOString()).to.equal('2023-01-01T00:00:00.000Z');
    expect(w.until.toISOString()).to.equal('2023-01-08T00:00:00.000Z');
  });

  it('rejects reversed, future, impossible and too long ranges', () => {
    const opts = { today, maxDays: 730 };
    expect(checkDateRange({ startDate: '2023-01-02', endDate: '2023-01-01' }, opts)).to.deep.equal({
      code: 'invalid_date_range',
      reason: 'end_before_start',
    });
    expect(checkDateRange({ startDate: '2026-11-26', endDate: '2026-12-01' }, opts)).to.deep.equal({
      code: 'invalid_date_range',
      reason: 'starts_in_future',
    });
    expect(checkDateRange({ startDate: '2023-02-30', endDate: '2023-03-01' }, opts)).to.deep.equal({
      code: 'invalid_date_range',
      reason: 'not_a_date',
    });
    expect(checkDateRange({ startDate: '2020-01-01', endDate: '2023-01-01' }, opts)).to.deep.equal({
      code: 'date_range_too_long',
      days: 1097,
      maxDays: 730,
    });
    expect(checkDateRange({ startDate: '2026-11-25', endDate: '2026-12-31' }, opts)).to.equal(undefined);
  });

  it('never chunks longer than the provider allows', () => {
    expect(chunkDaysFor('garmin', 90)).to.equal(30);
    expect(chunkDaysFor('strava', 7)).to.equal(7);
    expect(() => splitDateRange({ startDate: '2023-01-01', endDate: '2023-01-02' }, 0)).to.throw(RangeError);
  });
});
