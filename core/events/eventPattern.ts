// EventBridge event patterns, for the local event bus that stands in for EventBridge's rules
// (core/events/eventRoutes.ts) and for the check that Terraform's rules say the same thing
// (infra/local/eventRoutes.ts). Only the part of the pattern language the rules use is modelled:
// exact values, `prefix`, `numeric`, `exists`, nested objects and `$or`. Anything else is refused
// when the pattern is read, so a rule cannot quietly mean one thing in AWS and another locally.
// Hand-written: the npm registry has no maintained matcher (the ones AWS documents are Java's
// event-ruler and the TestEventPattern API, neither usable here), and this subset is small.

export type PatternValue = string | number | boolean | null;
export type PatternMatcher =
  PatternValue | { prefix: string } | { numeric: (string | number)[] } | { exists: boolean };
export interface EventPattern {
  [field: string]: PatternMatcher[] | EventPattern | EventPattern[];
}

export class UnsupportedEventPatternError extends Error {
  override readonly name = 'UnsupportedEventPatternError';
}

const NUMERIC_OPERATORS = new Set(['<', '<=', '=', '>', '>=']);

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

function checkMatcher(m: unknown, at: string): void {
  if (m === null || ['string', 'number', 'boolean'].includes(typeof m)) return;
  if (!isObject(m) || Object.keys(m).length !== 1)
    throw new UnsupportedEventPatternError(`${at}: a value matcher must be a value or one operator`);
  const [[op, arg]] = Object.entries(m) as [[string, unknown]];
  if (op === 'prefix' && typeof arg === 'string') return;
  if (op === 'exists' && typeof arg === 'boolean') return;
  if (op === 'numeric' && Array.isArray(arg) && arg.length > 0 && arg.length % 2 === 0) {
    for (let i = 0; i < arg.length; i += 2)
      if (!NUMERIC_OPERATORS.has(String(arg[i])) || typeof arg[i + 1] !== 'number')
        throw new UnsupportedEventPatternError(`${at}: "numeric" takes operator/number pairs`);
    return;
  }
  throw new UnsupportedEventPatternError(`${at}: the operator "${op}" is not modelled locally`);
}

/** The pattern, typed, or UnsupportedEventPatternError naming the first part that is not modelled. */
export function eventPatternOf(value: unknown, at = 'pattern'): EventPattern {
  if (!isObject(value) || Object.keys(value).length === 0)
    throw new UnsupportedEventPatternError(`${at}: a pattern is a non-empty JSON object`);
  for (const [field, v] of Object.entries(value)) {
    const here = `${at}.${field}`;
    if (field === '$or') {
      if (!Array.isArray(v) || v.length < 2)
        throw new UnsupportedEventPatternError(`${here}: "$or" takes at least two patterns`);
      v.forEach((p, i) => eventPatternOf(p, `${here}[${i}]`));
    } else if (Array.isArray(v)) {
      if (v.length === 0) throw new UnsupportedEventPatternError(`${here}: an empty list matches nothing`);
      v.forEach((m) => checkMatcher(m, here));
    } else eventPatternOf(v, here);
  }
  return value as EventPattern;
}

function numericMatches(args: (string | number)[], n: number): boolean {
  for (let i = 0; i < args.length; i += 2) {
    const bound = args[i + 1] as number;
    const ok = { '<': n < bound, '<=': n <= bound, '=': n === bound, '>': n > bound, '>=': n >= bound }[
      args[i] as '<' | '<=' | '=' | '>' | '>='
    ];
    if (!ok) return false;
  }
  return true;
}

function valueMatches(matcher: PatternMatcher, value: unknown): boolean {
  if (!isObject(matcher)) return value === matcher;
  if ('prefix' in matcher) return typeof value === 'string' && value.startsWith(matcher.prefix);
  if ('numeric' in matcher) return typeof value === 'number' && numericMatches(matcher.numeric, value);
  return false;
}

/** A field's matchers against the event's value there (`undefined`: absent). */
function fieldMatches(matchers: PatternMatcher[], value: unknown): boolean {
  return matchers.some((m) => {
    if (isObject(m) && 'exists' in m) return m.exists === (value !== undefined);
    if (value === undefined) return false;
    // An array in the event matches when any of its elements does (EventBridge's rule).
    return Array.isArray(value) ? value.some((v) => valueMatches(m, v)) : valueMatches(m, value);
  });
}

/** Whether `event` (the envelope: `source`, `detail-type`, `detail`, …) matches `pattern`. */
export function matchesEventPattern(pattern: EventPattern, event: unknown): boolean {
  const fields = isObject(event) ? event : {};
  return Object.entries(pattern).every(([field, p]) => {
    if (field === '$or') return (p as EventPattern[]).some((alt) => matchesEventPattern(alt, fields));
    if (Array.isArray(p)) return fieldMatches(p as PatternMatcher[], fields[field]);
    return isObject(fields[field]) && matchesEventPattern(p, fields[field]);
  });
}
