// A free TCP port on loopback, for a server that must know its port before it binds (the API's
// OAuth redirect URL names it; a child process is told it in its environment).
//
// The port is chosen *below* the kernel's ephemeral range. A port the OS hands out for bind(0) lies
// in that range, and so does the local port of every outgoing connection: in the seconds between
// choosing and binding, the parallel test and benchmark runs open hundreds of connections, and one
// of them took the chosen port in CI (EADDRINUSE). Below the range only another caller of this
// function can take it, by drawing the same port at random. Callers that can should still retry on
// "address in use" (onFreePort does).
import { readFileSync } from 'node:fs';
import net from 'node:net';
import { retrying } from '../../core/retry/backoff.js';

/** The kernel's ephemeral range on Linux; the usual default where it cannot be read. */
export function ephemeralPortRange(): { low: number; high: number } {
  try {
    const [low, high] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8')
      .trim()
      .split(/\s+/)
      .map(Number);
    if (Number.isInteger(low) && Number.isInteger(high) && low! <= high!) return { low: low!, high: high! };
  } catch {
    // Not Linux: fall through.
  }
  return { low: 32768, high: 60999 };
}

/** The lowest port drawn from: clear of the well-known and most registered service ports. */
const LOWEST_DRAWN = 15000;
const DRAWS = 20;

/**
 * A port outside the ephemeral range, drawn with `random` (0 ≤ x < 1); undefined when the range
 * leaves too few ports below it to draw from.
 */
export function drawPort(range: { low: number }, random: () => number = Math.random): number | undefined {
  const span = range.low - LOWEST_DRAWN;
  if (span < 1000) return undefined;
  return LOWEST_DRAWN + Math.floor(random() * span);
}

/** Binds `port` (0: any) exclusively on `host` and releases it; the port bound, or undefined if taken. */
function probe(host: string, port: number): Promise<number | undefined> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.once('error', (error: NodeJS.ErrnoException) =>
      error.code === 'EADDRINUSE' || error.code === 'EACCES' ? resolve(undefined) : reject(error),
    );
    server.listen({ port, host, exclusive: true }, () => {
      const address = server.address();
      if (address === null || typeof address === 'string') {
        server.close();
        reject(new Error('freePort: no TCP address'));
        return;
      }
      server.close((err) => (err ? reject(err) : resolve(address.port)));
    });
  });
}

/** Asks for a free TCP port on `host`, below the ephemeral range when the system leaves room there. */
export async function freePort(host = '127.0.0.1', random: () => number = Math.random): Promise<number> {
  const range = ephemeralPortRange();
  for (let i = 0; i < DRAWS; i += 1) {
    const candidate = drawPort(range, random);
    if (candidate === undefined) break;
    const port = await probe(host, candidate);
    if (port !== undefined) return port;
  }
  const port = await probe(host, 0);
  if (port === undefined) throw new Error('freePort: the OS has no free port');
  return port;
}

export function isAddressInUse(error: unknown): boolean {
  return (error as NodeJS.ErrnoException | undefined)?.code === 'EADDRINUSE';
}

/**
 * Runs `start(port)` on a free port, and again on another one (up to `attempts` in all) when the
 * port was taken between choosing and binding.
 */
export async function onFreePort<T>(
  start: (port: number) => Promise<T>,
  options: { attempts?: number; choose?: () => Promise<number> } = {},
): Promise<T> {
  const choose = options.choose ?? (() => freePort());
  return retrying(async () => start(await choose()), {
    attempts: options.attempts ?? 3,
    baseMs: 10,
    maxMs: 100,
    retryIf: isAddressInUse,
  });
}
