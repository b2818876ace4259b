// Requests Node's HTTP parser refuses before Express sees them (a request line or headers over
// its 16 KB limit, bytes that are not HTTP, a request too slow to arrive) would get a bare status
// line and no body. They get the API's problem+json instead, like every other error, and the
// connection is closed (the parser cannot continue after such an error).
import { randomUUID } from 'node:crypto';
import { STATUS_CODES, type Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { AppError } from '../../core/errors/AppError.js';
import type { Logger } from '../../core/logging/logger.js';
import { PROBLEM_CONTENT_TYPE, toProblem } from './problem.js';

/** The problem for a parser error: 431 for oversized headers, 408 for a timeout, else 400. */
function errorFor(code: string | undefined): AppError {
  if (code === 'HPE_HEADER_OVERFLOW') return new AppError(431, 'request_header_too_large');
  if (code === 'ERR_HTTP_REQUEST_TIMEOUT') return new AppError(408, 'request_timeout');
  return new AppError(400, 'malformed_request');
}

export function answerClientErrors(server: Server, logger: Logger): void {
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Duplex) => {
    // The peer left, or a response is already on its way: nothing can be said any more.
    if (error.code === 'ECONNRESET' || !socket.writable) return socket.destroy();
    const correlationId = randomUUID();
    const problem = toProblem(errorFor(error.code), '/', correlationId);
    const body = JSON.stringify(problem.body);
    logger.info(
      { code: error.code, status: problem.status, correlationId },
      'request refused by the HTTP parser',
    );
    socket.end(
      `HTTP/1.1 ${problem.status} ${STATUS_CODES[problem.status]}\r\n` +
        `Content-Type: ${PROBLEM_CONTENT_TYPE}\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\n` +
        `X-Correlation-Id: ${correlationId}\r\n` +
        'Connection: close\r\n\r\n' +
        body,
    );
  });
}
