// What operators tune without a deploy (seed §2.7, AWS AppConfig): one typed document, validated,
// cached in the process and refreshed in the background. Its source is AWS AppConfig in AWS and a
// JSON file locally (appConfigSource.ts, fileConfigSource.ts); both answer "unchanged" cheaply.
//
// Failure modes, all logged and measured, none fatal:
// - the source fails: the last good document stays in force;
// - a new document is invalid: it is refused (syncwell_config_refusals_total), the last good stays;
// - nothing was ever loaded: the bundled safe defaults below (degraded mode, `config` component).
// What the process cannot run without (table, queues, endpoints, JWT issuer) is not here: the
// environment configuration (config.ts) validates it at start-up and the process fails fast.
import { z } from 'zod';
import type { Logger } from '../logging/logger.js';
import { configRefusals } from '../observability/metrics.js';
import { trackDegraded } from '../observability/processGauges.js';
import { rateLimitOverridesSchema } from '../ratelimit/policies.js';

const flagSchema = z
  .object({
    /** Off switch first: a disabled flag is off for everyone. */
    enabled: z.boolean(),
    /** Only these tiers (all when absent). */
    tiers: z
      .array(z.enum(['FREE', 'PRO']))
      .min(1)
      .optional(),
    /** These users always get it (an allowlist for staff and testers), whatever the percentage. */
    users: z.array(z.string().min(1)).max(1000).optional(),
    /** The share of the other users who get it, by a stable hash of flag name and user id. */
    percentage: z.number().min(0).max(100).default(100),
  })
  .strict();

/**
 * Every tunable is optional: absent means the environment's value (config.ts), so an empty
 * document, or none at all, changes nothing.
 */
export const dynamicConfigSchema = z
  .object({
    /** pino level of the process's logger (LOG_LEVEL otherwise). */
    logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).optional(),
    /** Tail sampling of successful jobs' logs, 1 job in this many (JOB_LOG_SAMPLE_RATE_* otherwise). */
    logSampling: z
      .object({
        pro: z.number().int().min(1).max(1_000_000).optional(),
        free: z.number().int().min(1).max(1_000_000).optional(),
      })
      .strict()
      .optional(),
    /**
     * Trace sampling (seed §6, X-Ray's scheme): the default share and reservoir, and rules for the
     * flows to see in full (TRACE_SAMPLE_RATE, TRACE_RESERVOIR_PER_SECOND and the critical-flow
     * rules otherwise). The first matching rule wins.
     */
    traceSampling: z
      .object({
        rate: z.number().min(0).max(1).optional(),
        reservoirPerSecond: z.number().int().min(0).max(10_000).optional(),
        rules: z
          .array(
            z
              .object({
                name: z.string().regex(/^[a-z][a-z0-9-]{0,63}$/),
                method: z.enum(['GET', 'POST', 'PUT', 'PATCH', 'DELETE']).optional(),
                route: z.string().startsWith('/').max(256).optional(),
                channel: z.string().min(1).max(64).optional(),
                reservoirPerSecond: z.number().int().min(0).max(10_000),
                rate: z.number().min(0).max(1),
              })
              .strict(),
          )
          .max(50)
          .optional(),
      })
      .strict()
      .optional(),
    /** Consecutive clean syncs before a destination read is skipped (SYNC_CONFIDENCE_THRESHOLD). */
    syncConfidenceThreshold: z.number().int().min(0).max(1000).optional(),
    /** A hot-path job's deadline in seconds (JOB_DEADLINE_SECONDS); seed §6 caps it at 300. */
    jobDeadlineSeconds: z.number().min(1).max(300).optional(),
    /** The adaptive poller's bounds (POLL_MIN_INTERVAL_SECONDS, POLL_MAX_INTERVAL_SECONDS). */
    pollIntervals: z
      .object({
        minSeconds: z.number().int().min(60).max(86_400).optional(),
        maxSeconds: z
          .number()
          .int()
          .min(60)
          .max(7 * 86_400)
          .optional(),
      })
      .strict()
      .refine(
        (p) => p.minSeconds === undefined || p.maxSeconds === undefined || p.minSeconds <= p.maxSeconds,
        {
          message: 'minSeconds must not exceed maxSeconds',
        },
      )
      .optional(),
    /** Webhook coalescing window in seconds (COALESCING_WINDOW_SECONDS). */
    coalescingWindowSeconds: z.number().int().min(1).max(3600).optional(),
    /** A FREE user's API requests per minute (API_RATE_LIMIT_PER_MINUTE; 0 turns it off). */
    apiRateLimitPerMinute: z.number().int().min(0).max(1_000_000).optional(),
    /** A PRO user's (API_RATE_LIMIT_PER_MINUTE_PRO). */
    apiRateLimitPerMinutePro: z.number().int().min(0).max(1_000_000).optional(),
    /**
     * Provider token buckets: a provider named here gets exactly these buckets (a raised quota, a
     * provider's new published limit), on top of RATE_LIMIT_OVERRIDES and the profiles' defaults.
     */
    rateLimits: rateLimitOverridesSchema.optional(),
    /**
     * Providers being retired (seed Appendix B), by provider id: the notice their connections carry
     * in GET /v1/connections (core/providers/providerNotices.ts).
     */
    providerNotices: z
      .record(
        z.string().regex(/^[a-z][a-z0-9_]{0,63}$/),
        z
          .object({
            /** The day the provider's API stops answering (UTC). */
            retiresOn: z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'a date YYYY-MM-DD'),
            /** The provider to reconnect through. */
            replacement: z
              .string()
              .regex(/^[a-z][a-z0-9_]{0,63}$/)
              .optional(),
            /** Shown from this many days before `retiresOn`: at least Appendix B's 60. */
            showDays: z.number().int().min(60).max(3650).default(60),
            /** Only for users this feature flag lets in (a migration cohort); everyone when absent. */
            flag: z
              .string()
              .regex(/^[a-z][a-z0-9_]{0,63}$/)
              .optional(),
          })
          .strict(),
      )
      .default({}),
    /** Feature flags by name (`google_health_migration`, ...); an unknown flag is off. */
    flags: z.record(z.string().regex(/^[a-z][a-z0-9_]{0,63}$/), flagSchema).default({}),
  })
  .strict();

export type DynamicConfigDocument = z.infer<typeof dynamicConfigSchema>;
export type FeatureFlag = z.infer<typeof flagSchema>;

/** The bundled safe defaults: what runs when no document could ever be loaded. */
export const SAFE_DEFAULTS: DynamicConfigDocument = dynamicConfigSchema.parse({});

/** A source answers the current document (any JSON), or `unchanged` since its previous answer. */
export interface ConfigSource {
  readonly name: string;
  fetch(): Promise<{ kind: 'document'; version: string; body: unknown } | { kind: 'unchanged' }>;
  close?(): void;
}

export interface FlagSubject {
  userId: string;
  tier: 'FREE' | 'PRO';
}

/** FNV-1a of flag and user: a user's cohort is stable for a flag and independent across flags. */
function cohortOf(flag: string, userId: string): number {
  let hash = 0x811c9dc5;
  const key = `${flag}:${userId}`;
  for (let i = 0; i < key.length; i++) {
    hash ^= key.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return (hash % 10_000) / 100; // 0.00 – 99.99
}

export class DynamicConfig {
  private doc: DynamicConfigDocument = SAFE_DEFAULTS;
  private version: string | undefined;
  /** The last version the source answered, accepted or refused: a refused one is refused once. */
  private seen: string | undefined;
  private loaded = false;
  private timer: NodeJS.Timeout | undefined;
  private readonly listeners: ((doc: DynamicConfigDocument) => void)[] = [];
  private readonly degraded: { transition(): void; untrack(): void };

  constructor(
    private readonly source: ConfigSource,
    private readonly logger: Logger,
    private readonly o: { refreshMs: number; component?: string },
  ) {
    this.degraded = trackDegraded(o.component ?? 'config', () => !this.loaded);
  }

  /** The document in force (the last good one, or the safe defaults). */
  get current(): DynamicConfigDocument {
    return this.doc;
  }

  /** Where documents come from (`none`, `file`, `appconfig`). */
  get sourceName(): string {
    return this.source.name;
  }

  /** True while no document was ever loaded: the bundled safe defaults are in force. */
  get onSafeDefaults(): boolean {
    return !this.loaded;
  }

  /** Its version label, undefined while on the safe defaults. */
  get currentVersion(): string | undefined {
    return this.version;
  }

  /** Called with each new document that was accepted (and once at once with the current one). */
  onChange(listener: (doc: DynamicConfigDocument) => void): void {
    this.listeners.push(listener);
    listener(this.doc);
  }

  /** Whether `flag` is on for this user: enabled, their tier allowed, and listed or in the percentage. */
  isEnabled(flag: string, subject: FlagSubject): boolean {
    const f = this.doc.flags[flag];
    if (!f?.enabled) return false;
    if (f.tiers && !f.tiers.includes(subject.tier)) return false;
    if (f.users?.includes(subject.userId)) return true;
    return cohortOf(flag, subject.userId) < f.percentage;
  }

  /** The first load (awaited at start-up), then a refresh every `refreshMs` in the background. */
  async start(): Promise<void> {
    await this.refresh();
    if (!this.loaded)
      this.logger.error(
        { source: this.source.name },
        'dynamic configuration unavailable: running on the bundled safe defaults (degraded)',
      );
    this.timer = setInterval(() => void this.refresh(), this.o.refreshMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.degraded.untrack();
    this.source.close?.();
  }

  /** One poll of the source; never throws. Resolves true when a new document was accepted. */
  async refresh(): Promise<boolean> {
    let answer: Awaited<ReturnType<ConfigSource['fetch']>>;
    try {
      answer = await this.source.fetch();
    } catch (error) {
      this.logger.warn(
        { err: error, source: this.source.name },
        'dynamic configuration not refreshed; keeping the last good one',
      );
      return false;
    }
    if (answer.kind === 'unchanged' || answer.version === this.seen) return false;
    this.seen = answer.version;
    const parsed = dynamicConfigSchema.safeParse(answer.body);
    if (!parsed.success) {
      configRefusals.inc({ source: this.source.name });
      this.logger.error(
        { source: this.source.name, version: answer.version, issues: parsed.error.issues.slice(0, 10) },
        'dynamic configuration refused (invalid); keeping the last good one',
      );
      return false;
    }
    this.doc = parsed.data;
    this.version = answer.version;
    if (!this.loaded) {
      this.loaded = true;
      this.degraded.transition();
    }
    this.logger.info({ source: this.source.name, version: answer.version }, 'dynamic configuration in force');
    for (const listener of this.listeners) listener(this.doc);
    return true;
  }
}
