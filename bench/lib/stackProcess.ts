// Child process entry: runs the local stack (dynalite, fauxqs, redis-server, dev issuer) outside
// the bench process, so the load generator's event loop never waits behind the emulators' work.
// Sends `{ type: 'ready', env, queues }` over IPC; stops everything on SIGTERM/SIGINT.
// It also counts the AWS API calls the emulators receive (by X-Amz-Target, e.g.
// `DynamoDB_20120810.PutItem`, `AmazonSQS.SendMessageBatch`) and answers `{ type: 'counters' }`
// with the totals, so the bench can report backend calls per API request.
import http from 'node:http';
import { startLocalStack, type LocalStack } from '../../infra/local/stack.js';

export interface StackReadyMessage {
  type: 'ready';
  env: Record<string, string>;
  queues: Record<string, { name: string; url: string; arn: string }>;
}

export interface CountersMessage {
  type: 'counters';
  counts: Record<string, number>;
}

const counts: Record<string, number> = {};
// Every emulator is an http.Server in this process (dynalite; fauxqs through fastify).
const emit = http.Server.prototype.emit;
http.Server.prototype.emit = function (this: http.Server, event: string | symbol, ...rest: unknown[]) {
  if (event === 'request') {
    const req = rest[0] as http.IncomingMessage;
    const target = req.headers['x-amz-target'];
    const key = typeof target === 'string' ? target : `${req.method ?? '?'} (no x-amz-target)`;
    counts[key] = (counts[key] ?? 0) + 1;
  }
  return Reflect.apply(emit, this, [event, ...rest]) as boolean;
} as typeof emit;
process.on('message', (m: { type?: string }) => {
  if (m.type === 'counters') process.send?.({ type: 'counters', counts } satisfies CountersMessage);
});

let stack: LocalStack | undefined;
let stopping = false;
const stop = async (code: number) => {
  if (stopping) return;
  stopping = true;
  await stack?.stop().catch((e: unknown) => console.error('stack stop failed:', e));
  process.exit(code);
};
process.once('SIGINT', () => void stop(0));
process.once('SIGTERM', () => void stop(0));

try {
  stack = await startLocalStack();
  const message: StackReadyMessage = { type: 'ready', env: stack.env, queues: stack.resources.queues };
  process.send?.(message);
} catch (error) {
  console.error('local stack failed to start:', error);
  await stop(1);
}
