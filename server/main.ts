// API process entry point: configuration, wiring, listen, graceful shutdown.
import type { Server } from 'node:http';
import { ConfigError, loadConfig } from '../core/config/config.js';
import { createLogger } from '../core/logging/logger.js';
import { createApi } from './compose.js';
import { answerClientErrors } from './http/clientErrors.js';
import type { WebSocketLane } from './ws/webSocketLane.js';
import type { ForegroundSyncRunner } from './ws/foregroundSyncRunner.js';
import { startObservability } from '../core/observability/observability.js';
import { createDynamicConfig } from '../core/config/createDynamicConfig.js';
import type { DynamicConfig } from '../core/config/dynamicConfig.js';

export interface RunningApi {
  url: string;
  server: Server;
  webSockets: WebSocketLane;
  /** Socket-requested syncs run in this process (tests and benchmarks read its stats). */
  foreground: ForegroundSyncRunner;
  /** `GET /metrics` on the operations port (METRICS_PORT), when configured. */
  metricsUrl: string | undefined;
  /** What operators tune without a deploy (AppConfig or a local file). */
  dynamicConfig: DynamicConfig;
  stop(): Promise<void>;
}

/** Starts the API (configured from `env`, default the process environment); used by `npm run api`, `npm start` and the tests. */
export async function startApi(env?: Record<string, string | undefined>): Promise<RunningApi> {
  const config = loadConfig(env);
  const logger = createLogger({ level: config.LOG_LEVEL, service: 'api' });
  const dynamicConfig = createDynamicConfig(config, logger, 'api');
  await dynamicConfig.start();
  dynamicConfig.onChange((doc) => (logger.level = doc.logLevel ?? config.LOG_LEVEL));
  // Whatever started is stopped again when a later step fails (a port in use, say), so a caller
  // that retries on another port leaves no connections or timers behind.
  const startedStops: Array<() => unknown> = [() => dynamicConfig.stop()];
  let api: Awaited<ReturnType<typeof createApi>>;
  let observability: Awaited<ReturnType<typeof startObservability>>;
  let server: Server;
  try {
    api = await createApi(config, logger, { dynamicConfig });
    startedStops.push(() => api.close());
    observability = await startObservability(config, logger, { service: 'api', dynamicConfig });
    startedStops.push(() => observability.stop());
    server = api.app.listen(config.PORT, config.HOST);
    await new Promise<void>((resolve, reject) => {
      server.once('listening', resolve);
      server.once('error', reject);
    });
  } catch (error) {
    for (const stop of startedStops.reverse()) await stop();
    throw error;
  }
  // Idle keep-alive sockets must not outlive a load balancer's timeout, nor block shutdown.
  server.keepAliveTimeout = 65_000;
  answerClientErrors(server, logger);
  api.webSockets.attach(server);
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.PORT;
  const url = `http://${config.HOST}:${port}`;
  logger.info({ url }, 'API listening');
  let stopping: Promise<void> | undefined;
  return {
    url,
    server,
    webSockets: api.webSockets,
    foreground: api.foreground,
    metricsUrl: observability.metricsUrl,
    dynamicConfig,
    stop() {
      stopping ??= (async () => {
        // Sockets first (1001: reconnect elsewhere): the server closes only once they are gone.
        await api.webSockets.close();
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeIdleConnections();
        });
        await api.close();
        await observability.stop();
        dynamicConfig.stop();
      })();
      return stopping;
    },
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const running = await startApi().catch((error: unknown) => {
    // A configuration mistake is the operator's to fix: say what is wrong, without a stack trace.
    const text =
      error instanceof ConfigError ? error.message : error instanceof Error ? error.stack : String(error);
    process.stderr.write(`${text}\n`);
    process.exit(1);
  });
  for (const signal of ['SIGINT', 'SIGTERM'] as const)
    process.once(signal, () => {
      void running.stop().then(() => process.exit(0));
    });
}
