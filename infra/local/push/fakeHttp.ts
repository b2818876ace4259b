// What both push fakes share: their HTTP/2 + TLS server (HTTP/1.1 allowed: firebase-admin's send()
// uses it), body reading, JSON answers, and closing with clients' sessions still open.
import http2, {
  type Http2SecureServer,
  type Http2ServerRequest,
  type Http2ServerResponse,
  type ServerHttp2Session,
} from 'node:http2';
import type { AddressInfo, Socket } from 'node:net';
import type { FakeTls } from './tlsMaterial.js';

export type FakeHandler = (
  req: Http2ServerRequest,
  res: Http2ServerResponse,
  body: string,
) => Promise<void> | void;

/** Bodies beyond this are refused (APNs allows 4 KB, FCM 4 KB of data). */
const MAX_BODY = 64 * 1024;

export interface FakeServer {
  port: number;
  close(): Promise<void>;
}

export async function startFakeServer(tls: FakeTls, handle: FakeHandler): Promise<FakeServer> {
  const sessions = new Set<ServerHttp2Session>();
  const sockets = new Set<Socket>();
  const server: Http2SecureServer = http2.createSecureServer({
    key: tls.key,
    cert: tls.cert,
    allowHTTP1: true,
  });
  server.on('session', (s: ServerHttp2Session) => {
    sessions.add(s);
    s.once('close', () => sessions.delete(s));
  });
  server.on('secureConnection', (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  server.on('request', (req: Http2ServerRequest, res: Http2ServerResponse) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_BODY) chunks.push(chunk);
    });
    req.on('end', () => {
      if (size > MAX_BODY) return sendJson(res, 413, { reason: 'PayloadTooLarge' });
      Promise.resolve(handle(req, res, Buffer.concat(chunks).toString('utf8'))).catch(() => {
        if (!res.headersSent) sendJson(res, 500, { reason: 'InternalServerError' });
      });
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const s of sessions) s.destroy();
        for (const s of sockets) s.destroy();
      }),
  };
}

export function sendJson(
  res: Http2ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=UTF-8', ...headers });
  res.end(JSON.stringify(body));
}

/** Request headers as plain strings, pseudo-headers and `authorization` left out. */
export function recordableHeaders(req: Http2ServerRequest): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (name.startsWith(':') || name === 'authorization' || value === undefined) continue;
    out[name] = Array.isArray(value) ? value.join(', ') : String(value);
  }
  return out;
}
