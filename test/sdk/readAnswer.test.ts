// What the phone sends for a read request when its store holds more than one answer carries
// (client-sdk/src/deviceWork.ts `readAnswer`): the earliest records, and `coveredUntil` such that
// every record starting before it was sent, by the backend's clock as well as the phone's.
import { expect } from 'chai';
import type { CanonicalRecord } from '../../client-sdk/dist/index.js';
import { readAnswer } from '../../client-sdk/dist/deviceWork.js';

const T0 = Date.parse('2026-03-01T00:00:00Z');
const MINUTE = 60_000;

function weight(i: number, atMs: number): CanonicalRecord {
  return {
    recordId: `w${i}`,
    sourceId: 'com.apple.health',
    provider: 'apple_health',
    measuredAt: new Date(atMs).toISOString(),
    weightKg: 70,
    timezone: 'Europe/Berlin',
    lastModified: new Date(atMs).toISOString(),
  } as CanonicalRecord;
}

describe('SDK: a read answer within the contract’s bounds', () => {
  it('sends everything that fits, as it is', () => {
    const records = [weight(2, T0 + 2 * MINUTE), weight(1, T0 + MINUTE)];
    expect(readAnswer(records, 500, 200_000)).to.deep.equal({ records });
  });

  it('past 500 records: the earliest 500, and where the first one left out starts', () => {
    // Shuffled store order: the answer is by time.
    const records = Array.from({ length: 600 }, (_, i) => weight(i, T0 + ((i * 7919) % 600) * MINUTE));
    const answer = readAnswer(records, 500, 10_000_000);
    expect(answer.records).to.have.length(500);
    expect(answer.coveredUntil).to.equal(new Date(T0 + 500 * MINUTE).toISOString());
    const sentTimes = answer.records.map((r) => Date.parse((r as { measuredAt: string }).measuredAt));
    expect(Math.max(...sentTimes)).to.equal(T0 + 499 * MINUTE);
  });

  it('by bytes too, and never splits records that start at the same instant', () => {
    const records = [
      weight(1, T0),
      weight(2, T0 + MINUTE),
      weight(3, T0 + 2 * MINUTE),
      weight(4, T0 + 2 * MINUTE),
      weight(5, T0 + 3 * MINUTE),
    ];
    const one = JSON.stringify(records[0]).length + 1;
    // Room for three records: the third shares its start with the fourth, so both wait.
    const answer = readAnswer(records, 500, 3 * one + 2);
    expect(answer.records.map((r) => r.recordId)).to.deep.equal(['w1', 'w2']);
    expect(answer.coveredUntil).to.equal(new Date(T0 + 2 * MINUTE).toISOString());
  });

  it('orders a day of steps from the earliest instant it can start anywhere (UTC+14)', () => {
    const steps = (date: string): CanonicalRecord =>
      ({
        recordId: `s${date}`,
        sourceId: 'com.apple.health',
        provider: 'apple_health',
        date,
        steps: 1000,
        timezone: 'Pacific/Kiritimati',
        lastModified: `${date}T23:00:00Z`,
      }) as CanonicalRecord;
    const answer = readAnswer([steps('2026-03-02'), steps('2026-03-01'), steps('2026-03-03')], 2, 200_000);
    expect(answer.records.map((r) => r.recordId)).to.deep.equal(['s2026-03-01', 's2026-03-02']);
    expect(answer.coveredUntil).to.equal('2026-03-02T10:00:00.000Z');
  });
});
