// Traces (OpenTelemetry): one trace from the API request through the queue (the W3C traceparent in
// a message attribute) to the worker's handling of the message and each provider call it makes.
// Spans go to an OTLP/HTTP endpoint (TRACES_ENDPOINT): the ADOT collector beside the task in AWS,
// which forwards them to X-Ray; locally, infra/local/traceCollector.ts. Without an endpoint no
// provider is registered and every span below is OpenTelemetry's no-op: nothing is recorded.
//
// Spans carry ids, routes, channels, statuses and durations, never health data, tokens or URLs
// with queries (seed §6).
import {
  context,
  propagation,
  SpanKind,
  SpanStatusCode,
  trace,
  type Attributes,
  type Context,
  type Span,
} from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, BatchSpanProcessor, ParentBasedSampler } from '@opentelemetry/sdk-trace-base';
import { clock } from '../clock/clock.js';
import type { Config } from '../config/config.js';
import type { Logger } from '../logging/logger.js';
import { CRITICAL_FLOW_RULES, RuleBasedSampler, type SamplingPolicy } from './traceSampling.js';

export type TracingConfig = Pick<
  Config,
  'TRACES_ENDPOINT' | 'TRACE_SAMPLE_RATE' | 'TRACE_RESERVOIR_PER_SECOND' | 'TRACE_EXPORT_DELAY_MS'
>;

/** The message attribute that carries the trace context (W3C `traceparent`). */
export const TRACEPARENT_ATTRIBUTE = 'traceparent';

const tracer = () => trace.getTracer('syncwell');

interface Shared {
  users: number;
  provider: BasicTracerProvider;
  sampler: RuleBasedSampler;
  contextManager: AsyncLocalStorageContextManager;
}

let shared: Shared | undefined;

export interface Tracing {
  /** Whether spans are recorded and exported in this process. */
  readonly enabled: boolean;
  /** Replaces the sampling policy (dynamic configuration). */
  setPolicy(policy: SamplingPolicy): void;
  /** Exports what is buffered (tests, shutdown). */
  flush(): Promise<void>;
  stop(): Promise<void>;
}

/** The policy from the environment: the critical flows in full, the default for the rest. */
export function defaultSamplingPolicy(config: TracingConfig): SamplingPolicy {
  return {
    rules: CRITICAL_FLOW_RULES,
    default: { reservoirPerSecond: config.TRACE_RESERVOIR_PER_SECOND, rate: config.TRACE_SAMPLE_RATE },
  };
}

/**
 * Registers the process's tracer provider (once per process: under `npm start` the API and the
 * worker share it, like the metrics registry). The last user to stop shuts it down.
 */
export function startTracing(config: TracingConfig, logger: Logger, service: string): Tracing {
  if (!config.TRACES_ENDPOINT) {
    return {
      enabled: false,
      setPolicy: () => undefined,
      flush: () => Promise.resolve(),
      stop: () => Promise.resolve(),
    };
  }
  if (!shared) {
    const sampler = new RuleBasedSampler(defaultSamplingPolicy(config), () => clock.now());
    const provider = new BasicTracerProvider({
      resource: resourceFromAttributes({
        'service.name': `syncwell-${service}`,
        'service.namespace': 'syncwell',
      }),
      sampler: new ParentBasedSampler({ root: sampler }),
      spanProcessors: [
        new BatchSpanProcessor(new OTLPTraceExporter({ url: config.TRACES_ENDPOINT }), {
          scheduledDelayMillis: config.TRACE_EXPORT_DELAY_MS,
        }),
      ],
    });
    const contextManager = new AsyncLocalStorageContextManager().enable();
    context.setGlobalContextManager(contextManager);
    propagation.setGlobalPropagator(new W3CTraceContextPropagator());
    trace.setGlobalTracerProvider(provider);
    shared = { users: 0, provider, sampler, contextManager };
    logger.info({ endpoint: config.TRACES_ENDPOINT }, 'traces exported');
  }
  const s = shared;
  s.users += 1;
  let stopped = false;
  return {
    enabled: true,
    setPolicy: (policy) => s.sampler.setPolicy(policy),
    flush: () => s.provider.forceFlush(),
    async stop() {
      if (stopped) return;
      stopped = true;
      s.users -= 1;
      if (s.users > 0) return;
      shared = undefined;
      await s.provider
        .shutdown()
        .catch((error: unknown) => logger.warn({ err: error }, 'trace export failed'));
      // Back to the no-op API, so a later start in the same process (tests) can register again.
      trace.disable();
      propagation.disable();
      context.disable();
    },
  };
}

/** Whether a span is being recorded (the process traces and the trace was sampled). */
export const isRecording = (span: Span | undefined): span is Span => !!span && span.isRecording();

/** Starts a span as a child of `parent` (the active context by default). */
export function startSpan(
  name: string,
  kind: SpanKind,
  attributes: Attributes,
  parent: Context = context.active(),
): Span {
  return tracer().startSpan(name, { kind, attributes }, parent);
}

/** Runs `fn` with `span` active, so the spans it starts (and the messages it sends) follow it. */
export function withSpan<T>(span: Span, fn: () => T): T {
  return context.with(trace.setSpan(context.active(), span), fn);
}

/** Ends a span with an error status (a name and a stable code, never a message that may hold data). */
export function endWithError(span: Span, error: unknown): void {
  const name = (error as { name?: string })?.name ?? 'Error';
  const code = (error as { code?: string })?.code;
  span.setStatus({ code: SpanStatusCode.ERROR, message: code ?? name });
  span.setAttribute('error.type', code ?? name);
  span.end();
}

/** The active trace context as a message attribute (none when nothing is being traced). */
export function traceAttributes(): Record<string, { DataType: 'String'; StringValue: string }> | undefined {
  const carrier: Record<string, string> = {};
  propagation.inject(context.active(), carrier);
  const traceparent = carrier[TRACEPARENT_ATTRIBUTE];
  return traceparent
    ? { [TRACEPARENT_ATTRIBUTE]: { DataType: 'String', StringValue: traceparent } }
    : undefined;
}

/** The trace context a message carries, as the parent of its consumer span. */
export function contextOfMessage(attributes: Record<string, { StringValue?: string }> | undefined): Context {
  const traceparent = attributes?.[TRACEPARENT_ATTRIBUTE]?.StringValue;
  if (!traceparent) return context.active();
  return propagation.extract(context.active(), { [TRACEPARENT_ATTRIBUTE]: traceparent });
}

/** The id of the active trace, when one is being recorded (stored on jobs for operators). */
export function activeTraceId(): string | undefined {
  const span = trace.getActiveSpan();
  return span?.isRecording() ? span.spanContext().traceId : undefined;
}

export { SpanKind, SpanStatusCode };
export type { Span };
