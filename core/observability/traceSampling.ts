// Which traces are kept (seed §6, "Dynamic X-Ray Trace Sampling"): a low default (a reservoir of 1
// trace a second, then 5 % of the rest) and rules that keep more of the critical flows. The same
// scheme as X-Ray's sampling rules, so the plan carries over to X-Ray unchanged; it is written here
// because OpenTelemetry's JS SDK ships only ratio samplers (no reservoir, no per-route rules) and
// X-Ray's remote sampler needs the X-Ray daemon's API, which does not run locally.
//
// Only roots decide: the SDK's ParentBasedSampler makes every child (queue consumer, provider call)
// follow the decision carried in its parent's traceparent.
import type { Attributes, Context, Link, SpanKind } from '@opentelemetry/api';
import { SamplingDecision, type Sampler, type SamplingResult } from '@opentelemetry/sdk-trace-base';

export interface SamplingRule {
  /** Shown as `syncwell.sampling_rule` on the traces it keeps. */
  name: string;
  /** HTTP method, or any. */
  method?: string;
  /** The operation's route template (`/v1/connections`), or any. */
  route?: string;
  /** A queue channel (`hot-path`) for traces that start in the worker, or any. */
  channel?: string;
  /** Traces per second always kept before the rate applies. */
  reservoirPerSecond: number;
  /** Share of the traces beyond the reservoir that are kept, 0–1. */
  rate: number;
}

export interface SamplingPolicy {
  /** First match wins; the default applies when none matches. */
  rules: SamplingRule[];
  default: Omit<SamplingRule, 'name' | 'method' | 'route' | 'channel'>;
}

/** The critical flows the seed asks to see in full: sign-up's connection, deletion, export. */
export const CRITICAL_FLOW_RULES: SamplingRule[] = [
  { name: 'connect-provider', method: 'POST', route: '/v1/connections', reservoirPerSecond: 10, rate: 1 },
  { name: 'delete-account', method: 'DELETE', route: '/v1/users/me', reservoirPerSecond: 10, rate: 1 },
  { name: 'export', method: 'POST', route: '/v1/export-jobs', reservoirPerSecond: 10, rate: 1 },
];

/** Trace-id ratio like the SDK's TraceIdRatioBasedSampler: the same id gets the same answer everywhere. */
function inRatio(traceId: string, rate: number): boolean {
  if (rate >= 1) return true;
  if (rate <= 0) return false;
  return parseInt(traceId.slice(-8), 16) / 0x1_0000_0000 < rate;
}

export class RuleBasedSampler implements Sampler {
  /** Per rule (and the default): the second the reservoir counts, and how much of it is used. */
  private readonly reservoirs = new Map<string, { second: number; used: number }>();

  constructor(
    private policy: SamplingPolicy,
    private readonly now: () => number,
  ) {}

  /** A new policy (dynamic configuration); the reservoirs start over. */
  setPolicy(policy: SamplingPolicy): void {
    this.policy = policy;
    this.reservoirs.clear();
  }

  shouldSample(
    _context: Context,
    traceId: string,
    _spanName: string,
    _spanKind: SpanKind,
    attributes: Attributes,
    _links: Link[],
  ): SamplingResult {
    const rule = this.match(attributes);
    const name = rule?.name ?? 'default';
    const { reservoirPerSecond, rate } = rule ?? this.policy.default;
    const kept = this.takeReservoir(name, reservoirPerSecond) || inRatio(traceId, rate);
    return kept
      ? { decision: SamplingDecision.RECORD_AND_SAMPLED, attributes: { 'syncwell.sampling_rule': name } }
      : { decision: SamplingDecision.NOT_RECORD };
  }

  toString(): string {
    return 'RuleBasedSampler';
  }

  private match(attributes: Attributes): SamplingRule | undefined {
    const method = attributes['http.request.method'];
    const route = attributes['http.route'];
    const channel = attributes['messaging.destination.name'];
    return this.policy.rules.find(
      (r) =>
        (r.method === undefined || r.method === method) &&
        (r.route === undefined || r.route === route) &&
        (r.channel === undefined || r.channel === channel),
    );
  }

  private takeReservoir(name: string, perSecond: number): boolean {
    if (perSecond <= 0) return false;
    const second = Math.floor(this.now() / 1000);
    const r = this.reservoirs.get(name);
    if (!r || r.second !== second) {
      this.reservoirs.set(name, { second, used: 1 });
      return true;
    }
    if (r.used >= perSecond) return false;
    r.used += 1;
    return true;
  }
}

/** The policy in force: the dynamic configuration's overrides (each optional) on top of `base`. */
export function samplingPolicyFrom(
  override: { rate?: number; reservoirPerSecond?: number; rules?: SamplingRule[] } | undefined,
  base: SamplingPolicy,
): SamplingPolicy {
  if (!override) return base;
  return {
    rules: override.rules ?? base.rules,
    default: {
      rate: override.rate ?? base.default.rate,
      reservoirPerSecond: override.reservoirPerSecond ?? base.default.reservoirPerSecond,
    },
  };
}
