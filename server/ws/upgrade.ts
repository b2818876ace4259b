// The HTTP side of opening a socket: where the token is, which subprotocol is spoken, and how an
// upgrade is refused (an ordinary HTTP problem+json answer, before any WebSocket exists).
//
// The token: `Authorization: Bearer <token>` like every HTTP call. Browsers cannot set headers on a
// WebSocket, so they put it in the subprotocol list instead: `new WebSocket(url, ['syncwell.v1',
// 'bearer.' + token])` (a JWT's characters are all valid in a subprotocol token). Not `?token=`: a
// query string lands in access logs, proxies and browser history; the subprotocol header does not.
// The server selects `syncwell.v1` and never echoes the token back.
import { STATUS_CODES, type IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { ProblemResponse } from '../http/problem.js';
import { PROBLEM_CONTENT_TYPE } from '../http/problem.js';

export const WS_PATH = '/v1/ws';
export const WS_SUBPROTOCOL = 'syncwell.v1';
const BEARER_PROTOCOL_PREFIX = 'bearer.';

/** The offered subprotocols, in order (the header may repeat). */
function offeredProtocols(req: IncomingMessage): string[] {
  const header: string | string[] | undefined = req.headers['sec-websocket-protocol'];
  const values: string[] = Array.isArray(header) ? header : header ? [header] : [];
  return values.flatMap((v) => v.split(',').map((p) => p.trim())).filter(Boolean);
}

/** The Authorization value to verify: the header when present, else the bearer subprotocol. */
export function authorizationOf(req: IncomingMessage): string | undefined {
  if (req.headers.authorization) return req.headers.authorization;
  const bearer = offeredProtocols(req).find((p) => p.startsWith(BEARER_PROTOCOL_PREFIX));
  return bearer ? `Bearer ${bearer.slice(BEARER_PROTOCOL_PREFIX.length)}` : undefined;
}

/** ws's handleProtocols: speak `syncwell.v1` when offered; never select the token. */
export function selectProtocol(protocols: Set<string>): string | false {
  return protocols.has(WS_SUBPROTOCOL) ? WS_SUBPROTOCOL : false;
}

/** Answers the upgrade request with a problem and closes the connection. */
export function refuseUpgrade(socket: Duplex, problem: ProblemResponse, correlationId: string): void {
  if (socket.destroyed) return;
  const body = JSON.stringify(problem.body);
  const headers: Record<string, string> = {
    ...problem.headers,
    'Content-Type': PROBLEM_CONTENT_TYPE,
    'Content-Length': String(Buffer.byteLength(body)),
    'X-Correlation-Id': correlationId,
    Connection: 'close',
  };
  const head = [
    `HTTP/1.1 ${problem.status} ${STATUS_CODES[problem.status] ?? ''}`,
    ...Object.entries(headers).map(([name, value]) => `${name}: ${value}`),
  ].join('\r\n');
  socket.end(`${head}\r\n\r\n${body}`);
}
