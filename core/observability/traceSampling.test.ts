import { expect } from 'chai';
import { ROOT_CONTEXT, SpanKind } from '@opentelemetry/api';
import { SamplingDecision } from '@opentelemetry/sdk-trace-base';
import {
  CRITICAL_FLOW_RULES,
  RuleBasedSampler,
  samplingPolicyFrom,
  type SamplingPolicy,
} from './traceSampling.js';

const policy = (rate: number, reservoirPerSecond: number): SamplingPolicy => ({
  rules: CRITICAL_FLOW_RULES,
  default: { rate, reservoirPerSecond },
});

/** Trace ids whose last 8 hex digits spread evenly over the ratio's range (mid-points of n slots). */
const traceId = (i: number, n: number) =>
  `${'0'.repeat(24)}${Math.floor(((i + 0.5) / n) * 0xffffffff)
    .toString(16)
    .padStart(8, '0')}`;

describe('RuleBasedSampler (seed §6: reservoir per second, then a rate; rules for critical flows)', () => {
  let now = 1_000_000;
  const sample = (s: RuleBasedSampler, id: string, attributes: Record<string, string> = {}) =>
    s.shouldSample(ROOT_CONTEXT, id, 'span', SpanKind.SERVER, attributes, []);
  const kept = (s: RuleBasedSampler, id: string, attributes?: Record<string, string>) =>
    sample(s, id, attributes).decision === SamplingDecision.RECORD_AND_SAMPLED;

  it('keeps the reservoir each second, then the rate of the rest by trace id', () => {
    const s = new RuleBasedSampler(policy(0.05, 1), () => now);
    const n = 1000;
    let keptCount = 0;
    for (let i = 0; i < n; i++) if (kept(s, traceId(i, n))) keptCount += 1;
    // One from the reservoir (trace 0, also within the rate) + 5 % of the 1000 ids spread evenly.
    expect(keptCount).to.equal(50);
    // The next second refills the reservoir: an id outside the rate is kept once, then not.
    now += 1000;
    const outside = traceId(999, 1000);
    expect(kept(s, outside)).to.equal(true);
    expect(kept(s, outside)).to.equal(false);
  });

  it('gives the same answer for the same trace id beyond the reservoir (consistent across processes)', () => {
    const a = new RuleBasedSampler(policy(0.3, 0), () => now);
    const b = new RuleBasedSampler(policy(0.3, 0), () => now);
    for (let i = 0; i < 100; i++) expect(kept(a, traceId(i, 100))).to.equal(kept(b, traceId(i, 100)));
  });

  it('matches the critical flows by method and route, naming the rule on the kept trace', () => {
    const s = new RuleBasedSampler(policy(0, 0), () => now);
    const connect = { 'http.request.method': 'POST', 'http.route': '/v1/connections' };
    const result = sample(s, traceId(999, 1000), connect);
    expect(result.decision).to.equal(SamplingDecision.RECORD_AND_SAMPLED);
    expect(result.attributes).to.deep.equal({ 'syncwell.sampling_rule': 'connect-provider' });
    // The same route with another method is the default: nothing kept at rate 0.
    expect(kept(s, traceId(1, 1000), { ...connect, 'http.request.method': 'GET' })).to.equal(false);
  });

  it('matches traces that start in the worker by channel', () => {
    const s = new RuleBasedSampler(
      {
        rules: [{ name: 'exports', channel: 'exportJobs', reservoirPerSecond: 0, rate: 1 }],
        default: { rate: 0, reservoirPerSecond: 0 },
      },
      () => now,
    );
    expect(kept(s, traceId(5, 10), { 'messaging.destination.name': 'exportJobs' })).to.equal(true);
    expect(kept(s, traceId(5, 10), { 'messaging.destination.name': 'hotPathSync' })).to.equal(false);
  });

  it('takes a new policy at once, reservoirs starting over', () => {
    const s = new RuleBasedSampler(policy(0, 1), () => now);
    expect(kept(s, traceId(9, 10))).to.equal(true);
    expect(kept(s, traceId(9, 10))).to.equal(false);
    s.setPolicy(policy(1, 0));
    expect(kept(s, traceId(9, 10))).to.equal(true);
  });

  it('layers the dynamic configuration over the environment, field by field', () => {
    const base = policy(0.05, 1);
    expect(samplingPolicyFrom(undefined, base)).to.equal(base);
    expect(samplingPolicyFrom({ rate: 0.5 }, base)).to.deep.equal({
      rules: CRITICAL_FLOW_RULES,
      default: { rate: 0.5, reservoirPerSecond: 1 },
    });
    expect(samplingPolicyFrom({ rules: [] }, base).rules).to.deep.equal([]);
  });
});
