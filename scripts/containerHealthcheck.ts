// The images' HEALTHCHECK (Dockerfile): `node scripts/containerHealthcheck.js api|worker`, run by
// the container runtime inside the container, with the container's environment. Exit 0: healthy.
// - api: `GET /healthz` on PORT (liveness: the process answers; it checks no dependency on
//   purpose, so a Redis or DynamoDB outage does not make every task restart at once; the load
//   balancer's target group reads `/readyz` for that).
// - worker: it has no HTTP endpoint of its own. With METRICS_PORT set (the worker image sets it,
//   bound to loopback), `GET /metrics` on the operations listener proves the event loop still
//   turns. Without it only the process can be checked: PID 1 must be the worker and neither a
//   zombie nor stopped (a worker that cannot work exits on its own: CRITICAL_EXIT_CODE).
// Plain node:http (no config module): it runs every 30 s and must not load the application.
import { request } from 'node:http';
import { readFileSync } from 'node:fs';

export type Target = 'api' | 'worker';

const TIMEOUT_MS = 3000;

/** Resolves with the status code of GET url, or rejects (refused, timed out). */
function get(url: string, timeoutMs: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'GET', timeout: timeoutMs }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end();
  });
}

/** A host the check can reach: the wildcard addresses mean "every interface", loopback included. */
function reachable(host: string | undefined): string {
  if (!host || host === '0.0.0.0' || host === '::') return '127.0.0.1';
  return host.includes(':') ? `[${host}]` : host;
}

/** What is wrong, or undefined when healthy. */
export async function checkHealth(
  target: Target,
  env: Record<string, string | undefined>,
  o: { timeoutMs?: number; procDir?: string } = {},
): Promise<string | undefined> {
  const timeoutMs = o.timeoutMs ?? TIMEOUT_MS;
  const probe = async (url: string) => {
    try {
      const status = await get(url, timeoutMs);
      return status === 200 ? undefined : `${url} answered ${status}`;
    } catch (error) {
      return `${url}: ${(error as Error).message}`;
    }
  };
  if (target === 'api') return probe(`http://${reachable(env.HOST)}:${env.PORT || '8080'}/healthz`);
  if (env.METRICS_PORT) return probe(`http://${reachable(env.METRICS_HOST)}:${env.METRICS_PORT}/metrics`);
  return checkProcess(o.procDir ?? '/proc/1');
}

/** PID 1 runs worker/main.js and is neither a zombie (Z) nor stopped (T, t). */
export function checkProcess(procDir: string): string | undefined {
  try {
    const cmdline = readFileSync(`${procDir}/cmdline`, 'utf8').split('\0');
    if (!cmdline.some((arg) => arg.endsWith('worker/main.js')))
      return `PID 1 is not the worker: ${cmdline.join(' ')}`;
    // The state follows the parenthesised command name, which may itself contain spaces.
    const stat = readFileSync(`${procDir}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0];
    if (state === 'Z' || state === 'T' || state === 't') return `PID 1 is in state ${state}`;
    return undefined;
  } catch (error) {
    return `cannot read ${procDir}: ${(error as Error).message}`;
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const target = process.argv[2];
  if (target !== 'api' && target !== 'worker') {
    console.error('usage: node scripts/containerHealthcheck.js api|worker');
    process.exit(2);
  }
  const problem = await checkHealth(target, process.env);
  if (problem) console.error(`unhealthy: ${problem}`);
  // Docker reads 0 as healthy and 1 as unhealthy (2 is reserved).
  process.exit(problem ? 1 : 0);
}
