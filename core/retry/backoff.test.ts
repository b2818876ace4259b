import { expect } from 'chai';
import { backoffMs, retrying, retryingWhile } from './backoff.js';

const policy = { baseMs: 10, maxMs: 80 };
const fast = { baseMs: 1, maxMs: 4 };

class Transient extends Error {}

describe('core/retry: backoffMs', () => {
  const samples = (attempt: number, floorMs = 0) =>
    Array.from({ length: 300 }, () => backoffMs(attempt, policy, floorMs));

  it('stays within [1 ms, min(max, base × 2^(attempt−1))) for every attempt', () => {
    for (let attempt = 1; attempt <= 8; attempt += 1) {
      const ceiling = Math.min(policy.maxMs, policy.baseMs * 2 ** (attempt - 1));
      for (const ms of samples(attempt)) expect(ms).to.be.at.least(1).and.below(ceiling);
    }
  });

  it('grows with the attempt until the maximum', () => {
    const largest = (attempt: number) => Math.max(...samples(attempt));
    // 300 uniform draws below 40 ms all staying below 10 ms: (1/4)^300.
    expect(largest(3)).to.be.above(policy.baseMs);
    expect(largest(4)).to.be.above(largest(1));
    expect(largest(20)).to.be.below(policy.maxMs);
  });

  it('never waits less than the floor (a server’s Retry-After), even above the maximum', () => {
    // Every jitter of attempt 2 is below 20 ms, so the floor wins each time.
    for (const ms of samples(2, 30)) expect(ms).to.equal(30);
    expect(backoffMs(1, policy, 5000)).to.equal(5000);
  });
});

describe('core/retry: retrying', () => {
  it('retries the errors retryIf accepts until the call succeeds', async () => {
    let calls = 0;
    const retried: number[] = [];
    const result = await retrying(
      async () => {
        calls += 1;
        if (calls < 3) throw new Transient('again');
        return 'done';
      },
      { ...fast, attempts: 5, retryIf: (e) => e instanceof Transient, onRetry: (_e, n) => retried.push(n) },
    );
    expect(result).to.equal('done');
    expect(calls).to.equal(3);
    expect(retried).to.have.length(2);
  });

  it('throws an error retryIf refuses at once', async () => {
    let calls = 0;
    const error = await retrying(
      async () => {
        calls += 1;
        throw new Error('for good');
      },
      { ...fast, attempts: 5, retryIf: (e) => e instanceof Transient },
    ).catch((e: unknown) => e);
    expect((error as Error).message).to.equal('for good');
    expect(calls).to.equal(1);
  });

  it('stops after `attempts` calls in all and throws the last error', async () => {
    let calls = 0;
    const error = await retrying(
      async () => {
        calls += 1;
        throw new Transient(`call ${calls}`);
      },
      { ...fast, attempts: 4, retryIf: (e) => e instanceof Transient },
    ).catch((e: unknown) => e);
    expect(error).to.be.instanceOf(Transient);
    expect((error as Error).message).to.equal('call 4');
    expect(calls).to.equal(4);
  });

  it('stops waiting and calling once aborted', async () => {
    const abort = new AbortController();
    let calls = 0;
    const started = process.hrtime.bigint();
    const run = retrying(
      async () => {
        calls += 1;
        throw new Transient('again');
      },
      {
        baseMs: 10_000,
        maxMs: 10_000,
        attempts: 5,
        retryIf: (e) => e instanceof Transient,
        signal: abort.signal,
        // The wait's timer is set right after onRetry returns: a microtask aborts it while it waits
        // (a timer set earlier could lose to a jittered wait of a few ms, and call again).
        onRetry: () => queueMicrotask(() => abort.abort()),
      },
    ).catch((e: unknown) => e);
    expect(((await run) as Error).name).to.equal('AbortError');
    expect(Number(process.hrtime.bigint() - started) / 1e6).to.be.below(1000);
    expect(calls).to.equal(1);
  });
});

describe('core/retry: retryingWhile', () => {
  it('calls again while the result asks for it and resolves with the last result', async () => {
    let calls = 0;
    const left = await retryingWhile(
      async () => 3 - ++calls,
      (remaining) => remaining > 0,
      { ...fast, attempts: 5 },
    );
    expect(left).to.equal(0);
    expect(calls).to.equal(3);
  });

  it('resolves with the last result once the attempts are used up', async () => {
    let calls = 0;
    const left = await retryingWhile(
      async () => 10 - ++calls,
      (remaining) => remaining > 0,
      { ...fast, attempts: 2 },
    );
    expect(left).to.equal(8);
    expect(calls).to.equal(2);
  });

  it('throws errors at once unless retryIf accepts them', async () => {
    let calls = 0;
    const fn = async () => {
      calls += 1;
      if (calls === 1) throw new Transient('once');
      return 0;
    };
    const refused = await retryingWhile(fn, () => false, { ...fast, attempts: 3 }).catch((e: unknown) => e);
    expect(refused).to.be.instanceOf(Transient);
    calls = 0;
    expect(
      await retryingWhile(fn, () => false, { ...fast, attempts: 3, retryIf: (e) => e instanceof Transient }),
    ).to.equal(0);
    expect(calls).to.equal(2);
  });
});
