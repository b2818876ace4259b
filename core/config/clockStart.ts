// The process clock's one setting. It lives with the configuration (the only reader of
// process.env) but stands alone, because the clock is needed by code that has no Config object:
// the provider sandbox, its personas and the dev token issuer.

/**
 * `SYNCWELL_CLOCK_OFFSET_MS`: what a process hands its children (core/clock `clockEnvForChild`): the
 * exact distance from the system clock, so parent and child read the same time however long the
 * child takes to start. Wins over `SYNCWELL_CLOCK_START`.
 */
export function clockOffsetFromEnv(env: NodeJS.ProcessEnv = process.env): number | undefined {
  const raw = env.SYNCWELL_CLOCK_OFFSET_MS;
  if (raw === undefined || raw === '') return undefined;
  const offset = Number(raw);
  if (!/^-?\d+$/.test(raw) || !Number.isSafeInteger(offset))
    throw new RangeError(
      `SYNCWELL_CLOCK_OFFSET_MS must be an integer (milliseconds), got ${JSON.stringify(raw)}`,
    );
  return offset;
}

/**
 * `SYNCWELL_CLOCK_START`: an ISO-8601 instant. When set, the process clock reads that instant when
 * the process starts and runs at real speed from there, so a whole process (API, worker, sandbox,
 * scheduler, poller) lives at a chosen date. Unset (always, in production): the system clock.
 */
export function clockStartFromEnv(env: NodeJS.ProcessEnv = process.env): number | undefined {
  const raw = env.SYNCWELL_CLOCK_START;
  if (raw === undefined || raw === '') return undefined;
  // Only instants with an explicit zone: a local-time string would mean different things on
  // different machines, which is exactly what this setting exists to rule out.
  const parsed = /(Z|[+-]\d{2}:\d{2})$/.test(raw) ? Date.parse(raw) : Number.NaN;
  if (Number.isNaN(parsed))
    throw new RangeError(
      `SYNCWELL_CLOCK_START must be an ISO-8601 instant with a zone (e.g. 2027-03-14T06:30:00Z), got ${JSON.stringify(raw)}`,
    );
  return parsed;
}
