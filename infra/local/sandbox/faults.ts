// Faults injected per request: tests and benchmarks ask for latency, a status (429, 500, ...), a
// 401 as if the token had expired, malformed JSON or a dropped connection on the next N matching
// requests of one provider.
import type { CloudProvider } from '../../../core/domain/types.js';

export type FaultKind = 'latency' | 'status' | 'expired_token' | 'malformed' | 'reset';

export interface FaultRule {
  provider: CloudProvider;
  kind: FaultKind;
  /** Only requests whose path (below the provider root) starts with this. */
  pathPrefix?: string;
  method?: string;
  /** latency: milliseconds to wait before answering normally. */
  ms?: number;
  /** status: the HTTP status to answer with. */
  status?: number;
  /** status 429: Retry-After seconds to send. */
  retryAfterSeconds?: number;
  /** How many matching requests the fault hits (default 1; Infinity until cleared). */
  times?: number;
}

export class FaultInjector {
  private rules: (FaultRule & { remaining: number })[] = [];
  /** Faults applied so far, per kind, for test assertions. */
  readonly applied: Record<FaultKind, number> = {
    latency: 0,
    status: 0,
    expired_token: 0,
    malformed: 0,
    reset: 0,
  };

  add(rule: FaultRule): void {
    this.rules.push({ ...rule, remaining: rule.times ?? 1 });
  }

  clear(): void {
    this.rules = [];
  }

  /** The first matching rule, consumed once. */
  take(provider: CloudProvider, method: string, path: string): FaultRule | undefined {
    const index = this.rules.findIndex(
      (r) =>
        r.provider === provider &&
        r.remaining > 0 &&
        (r.pathPrefix === undefined || path.startsWith(r.pathPrefix)) &&
        (r.method === undefined || r.method.toUpperCase() === method.toUpperCase()),
    );
    if (index < 0) return undefined;
    const rule = this.rules[index]!;
    rule.remaining -= 1;
    if (rule.remaining <= 0) this.rules.splice(index, 1);
    this.applied[rule.kind] += 1;
    return rule;
  }
}
