// Starts what a process needs to be observed: the Prometheus listener (`GET /metrics` on
// METRICS_PORT, an operations port never routed to the public edge) and the EMF flush to stdout
// every METRICS_EMF_INTERVAL_SECONDS. The API and the worker each call it; under `npm start` they
// share one process, one registry and therefore one listener and one flush.
import { createServer, type Server } from 'node:http';
import type { Config } from '../config/config.js';
import type { Logger } from '../logging/logger.js';
import { clock } from '../clock/clock.js';
import { EmfSink } from './emfSink.js';
import { registry, useEmfSink } from './metrics.js';
import { gaugesForEmf } from './processGauges.js';
import type { DynamicConfig } from '../config/dynamicConfig.js';
import { defaultSamplingPolicy, startTracing, type Tracing, type TracingConfig } from './tracing.js';
import { samplingPolicyFrom } from './traceSampling.js';

export type ObservabilityConfig = Pick<
  Config,
  'METRICS_PORT' | 'METRICS_HOST' | 'METRICS_EMF_INTERVAL_SECONDS' | 'METRICS_NAMESPACE'
> &
  TracingConfig;

export interface Observability {
  /** `http://host:port/metrics`, when the listener runs. */
  metricsUrl: string | undefined;
  /** Traces, when TRACES_ENDPOINT is set. */
  tracing: Tracing;
  stop(): Promise<void>;
}

interface Shared {
  users: number;
  server: Server | undefined;
  metricsUrl: string | undefined;
  timer: NodeJS.Timeout | undefined;
  sink: EmfSink | undefined;
}

let shared: Shared | undefined;

export async function startObservability(
  config: ObservabilityConfig,
  logger: Logger,
  o: { service: string; write?: (line: string) => void; dynamicConfig?: Pick<DynamicConfig, 'onChange'> },
): Promise<Observability> {
  const tracing = startTracing(config, logger, o.service);
  // Operators retune trace sampling like the rest (seed §6: more for critical flows when needed).
  if (tracing.enabled)
    o.dynamicConfig?.onChange((doc) =>
      tracing.setPolicy(samplingPolicyFrom(doc.traceSampling, defaultSamplingPolicy(config))),
    );
  shared ??= { users: 0, server: undefined, metricsUrl: undefined, timer: undefined, sink: undefined };
  const s = shared;
  // The first part of the process that asks for the listener (or the flush) starts it.
  if (config.METRICS_PORT !== undefined && !s.server) {
    s.server = await listen(config.METRICS_PORT, config.METRICS_HOST, logger);
    const address = s.server.address();
    const port = typeof address === 'object' && address ? address.port : config.METRICS_PORT;
    s.metricsUrl = `http://${config.METRICS_HOST}:${port}/metrics`;
    logger.info({ url: s.metricsUrl }, 'metrics listening');
  }
  if (config.METRICS_EMF_INTERVAL_SECONDS > 0 && !s.sink) {
    const write = o.write ?? ((line: string) => process.stdout.write(`${line}\n`));
    const now = () => clock.now();
    s.sink = new EmfSink({ namespace: config.METRICS_NAMESPACE, service: o.service, write, now });
    useEmfSink(s.sink);
    s.timer = setInterval(() => void flush(s, logger), config.METRICS_EMF_INTERVAL_SECONDS * 1000);
    s.timer.unref();
  }
  s.users += 1;
  let stopped = false;
  return {
    metricsUrl: s.metricsUrl,
    tracing,
    async stop() {
      if (stopped) return;
      stopped = true;
      await tracing.stop();
      s.users -= 1;
      if (s.users > 0) return;
      shared = undefined;
      if (s.timer) clearInterval(s.timer);
      // What was recorded since the last flush still goes out.
      await flush(s, logger);
      useEmfSink(undefined);
      if (s.server) {
        const server = s.server;
        await new Promise<void>((resolve) => server.close(() => resolve()));
      }
    },
  };
}

async function flush(s: Shared, logger: Logger): Promise<void> {
  if (!s.sink) return;
  try {
    s.sink.flush(await gaugesForEmf());
  } catch (error) {
    logger.warn({ err: error }, 'EMF metrics not flushed');
  }
}

function listen(port: number, host: string, logger: Logger): Promise<Server> {
  const server = createServer((req, res) => {
    if (req.method !== 'GET' || req.url?.split('?')[0] !== '/metrics') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
      return;
    }
    registry.metrics().then(
      (text) => res.writeHead(200, { 'content-type': registry.contentType }).end(text),
      (error: unknown) => {
        logger.warn({ err: error }, 'metrics not collected');
        res.writeHead(503, { 'content-type': 'text/plain' }).end('metrics unavailable\n');
      },
    );
  });
  server.keepAliveTimeout = 65_000;
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve(server));
  });
}
