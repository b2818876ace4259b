// A real `ws` client for tests of GET /v1/ws: frames are queued as they arrive and awaited in order;
// a refused upgrade resolves to its HTTP status, headers and problem body.
import type { IncomingMessage } from 'node:http';
import WebSocket from 'ws';

export interface Frame {
  type: string;
  [field: string]: unknown;
}

export interface OpenOptions {
  token?: string;
  /** Subprotocols to offer (the bearer one is how browsers send the token). */
  protocols?: string[];
  headers?: Record<string, string>;
  /** false: never answer the server's pings (a dead peer). */
  autoPong?: boolean;
}

export interface Refusal {
  status: number;
  headers: IncomingMessage['headers'];
  body: { code: string; status: number; [field: string]: unknown };
}

export const wsUrl = (apiUrl: string) => `${apiUrl.replace(/^http/, 'ws')}/v1/ws`;

function connect(apiUrl: string, o: OpenOptions): WebSocket {
  return new WebSocket(wsUrl(apiUrl), o.protocols ?? [], {
    headers: { ...(o.token ? { authorization: `Bearer ${o.token}` } : {}), ...o.headers },
    autoPong: o.autoPong ?? true,
  });
}

export class TestSocket {
  private readonly frames: Frame[] = [];
  private readonly waiters: Array<() => void> = [];
  /** Resolves with the close code and reason, whoever closed. */
  readonly closed: Promise<{ code: number; reason: string }>;

  private constructor(readonly ws: WebSocket) {
    // Errors end in 'close' too; tests look at the close code.
    ws.on('error', () => undefined);
    ws.on('message', (data: WebSocket.RawData) => {
      this.frames.push(JSON.parse(String(data)) as Frame);
      for (const wake of this.waiters.splice(0)) wake();
    });
    this.closed = new Promise((resolve) => {
      ws.once('close', (code, reason) => {
        for (const wake of this.waiters.splice(0)) wake();
        resolve({ code, reason: reason.toString() });
      });
    });
  }

  static open(apiUrl: string, o: OpenOptions = {}): Promise<TestSocket> {
    const ws = connect(apiUrl, o);
    const socket = new TestSocket(ws);
    return new Promise((resolve, reject) => {
      ws.once('open', () => resolve(socket));
      ws.once('unexpected-response', (_req, res) =>
        reject(new Error(`upgrade refused with ${res.statusCode}`)),
      );
      ws.once('error', reject);
    });
  }

  send(frame: unknown): void {
    this.ws.send(typeof frame === 'string' || Buffer.isBuffer(frame) ? frame : JSON.stringify(frame));
  }

  /** The next frame (optionally: the next one matching), waiting up to `timeoutMs`. */
  async next(match: (f: Frame) => boolean = () => true, timeoutMs = 5000): Promise<Frame> {
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      const index = this.frames.findIndex(match);
      if (index >= 0) return this.frames.splice(index, 1)[0]!;
      if (this.ws.readyState === WebSocket.CLOSED) throw new Error('socket closed before the frame came');
      const left = deadline - performance.now();
      if (left <= 0) throw new Error(`no matching frame within ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  /** Frames received and not consumed yet. */
  get unread(): Frame[] {
    return [...this.frames];
  }

  close(): Promise<{ code: number; reason: string }> {
    if (this.ws.readyState !== WebSocket.CLOSED) this.ws.close(1000);
    return this.closed;
  }
}

/** An upgrade the server must refuse: its answer. Fails if the socket opens. */
export function refusedUpgrade(apiUrl: string, o: OpenOptions = {}): Promise<Refusal> {
  const ws = connect(apiUrl, o);
  return new Promise((resolve, reject) => {
    ws.once('open', () => {
      ws.terminate();
      reject(new Error('the upgrade was accepted'));
    });
    ws.once('unexpected-response', (_req, res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => {
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          body: JSON.parse(text) as Refusal['body'],
        });
        ws.terminate();
      });
    });
    // After the answer, terminate() reports the aborted handshake here too: nothing to do then.
    ws.on('error', reject);
  });
}
