// A fault-injecting HTTP proxy in front of the local DynamoDB emulator. A test points processes'
// DYNAMODB_ENDPOINT at it and then holds or fails chosen calls (by operation and request body), so
// a race or a partial failure happens in a known order on the real code path, against the real
// emulator. Everything else passes through untouched.
import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** Which calls a rule applies to: the DynamoDB operation (X-Amz-Target) and a test on the JSON body. */
export interface DynamoCallMatch {
  operation: string;
  body?: (text: string) => boolean;
}

export interface HeldCalls {
  /** Bodies of the calls held so far. */
  readonly bodies: readonly string[];
  /** Resolves when the first matching call is held. */
  readonly caught: Promise<string>;
  /** Lets every held call (and every later matching call) through. */
  release(): void;
}

export interface FailedCall {
  /** How many requests were answered with the fault (the client's retries of the one call included). */
  readonly failures: number;
}

interface Rule {
  match: DynamoCallMatch;
  handle(body: string): Promise<'pass'> | 'pass' | 'fail';
}

const operationOf = (req: IncomingMessage) => {
  const target = req.headers['x-amz-target'];
  const value = Array.isArray(target) ? target[0] : target;
  return value?.slice(value.indexOf('.') + 1) ?? '';
};

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

export class DynamoFaultProxy {
  private rules: Rule[] = [];
  private setUpstream!: (url: URL) => void;
  private readonly upstream = new Promise<URL>((resolve) => (this.setUpstream = resolve));

  private readonly server: Server = createServer((req, res) => {
    this.serve(req, res).catch(() => res.destroy());
  });
  private port = 0;

  /** Where processes send their DynamoDB calls. */
  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /**
   * Starts listening at once; calls wait until `forwardTo` names the emulator, so the proxy's
   * address can be handed to processes started together with the emulator.
   */
  static async start(): Promise<DynamoFaultProxy> {
    const proxy = new DynamoFaultProxy();
    await new Promise<void>((resolve) => proxy.server.listen(0, '127.0.0.1', resolve));
    proxy.port = (proxy.server.address() as AddressInfo).port;
    return proxy;
  }

  private async serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await readBody(req);
    const upstream = await this.upstream;
    const text = body.toString('utf8');
    const operation = operationOf(req);
    for (const rule of this.rules) {
      if (rule.match.operation !== operation || (rule.match.body && !rule.match.body(text))) continue;
      if ((await rule.handle(text)) === 'fail') {
        res.writeHead(500, { 'content-type': 'application/x-amz-json-1.0' });
        res.end(
          JSON.stringify({
            __type: 'com.amazonaws.dynamodb.v20120810#InternalServerError',
            message: 'injected by the test',
          }),
        );
        return;
      }
    }
    const forwarded = request(
      {
        host: upstream.hostname,
        port: upstream.port,
        path: req.url,
        method: req.method,
        headers: { ...req.headers, 'content-length': String(body.length) },
      },
      (upstreamRes) => {
        res.writeHead(upstreamRes.statusCode ?? 502, upstreamRes.headers);
        upstreamRes.pipe(res);
      },
    );
    forwarded.on('error', () => res.destroy());
    forwarded.end(body);
  }

  forwardTo(endpoint: string): void {
    this.setUpstream(new URL(endpoint));
  }

  /** Holds matching calls until `release()`: the caller sees a slow DynamoDB. */
  hold(match: DynamoCallMatch): HeldCalls {
    const bodies: string[] = [];
    let released = false;
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let caught!: (body: string) => void;
    const first = new Promise<string>((resolve) => (caught = resolve));
    const rule: Rule = {
      match,
      handle: async (body): Promise<'pass'> => {
        if (released) return 'pass';
        bodies.push(body);
        caught(body);
        await gate;
        return 'pass';
      },
    };
    this.rules.push(rule);
    return {
      bodies,
      caught: first,
      release: () => {
        released = true;
        release();
        this.rules = this.rules.filter((r) => r !== rule);
      },
    };
  }

  /**
   * Fails ONE logical call: the first matching request and the client's retries of it (the same
   * body), answered 500 InternalServerError, so the caller sees that call fail. Later calls pass.
   */
  failOnce(match: DynamoCallMatch): FailedCall {
    let failing: string | undefined;
    const state = { failures: 0 };
    this.rules.push({
      match,
      handle: (body) => {
        failing ??= body;
        if (body !== failing) return 'pass';
        state.failures += 1;
        return 'fail';
      },
    });
    return state;
  }

  clear(): void {
    this.rules = [];
  }

  stop(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}
