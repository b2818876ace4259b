import { expect } from 'chai';
import { quantileOf } from './kpiHistory.js';

/** Cumulative bucket counts (Prometheus `le` buckets) from per-bucket counts. */
function cumulative(bounds: number[], perBucket: number[]): Map<number, number> {
  let total = 0;
  return new Map(bounds.map((le, i) => [le, (total += perBucket[i] ?? 0)]));
}

describe('quantileOf (P95 manual latency from histogram buckets, like histogram_quantile)', () => {
  const bounds = [0.5, 1, 2, 5, Infinity];

  it('interpolates within the bucket that holds the rank, counting only the interval', () => {
    const before = cumulative(bounds, [10, 0, 0, 0, 0]);
    // In the interval: 20 observations, 19 between 1 and 2 s, one between 2 and 5 s.
    const after = cumulative(bounds, [10, 0, 19, 1, 0]);
    // Rank 0.95 × 20 = 19: the 19th observation, at the top of the 1–2 s bucket.
    expect(quantileOf(0.95, before, after)).to.equal(2);
    expect(quantileOf(0.5, before, after)).to.be.closeTo(1 + 10 / 19, 1e-9);
  });

  it('answers null without observations, and the last finite bound beyond it', () => {
    const same = cumulative(bounds, [3, 1, 0, 0, 0]);
    expect(quantileOf(0.95, same, same)).to.equal(null);
    const before = cumulative(bounds, [0, 0, 0, 0, 0]);
    expect(quantileOf(0.95, before, cumulative(bounds, [0, 0, 0, 0, 4]))).to.equal(5);
  });
});
