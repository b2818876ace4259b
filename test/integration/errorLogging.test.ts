// What the API logs when a request fails: an operation that is not built yet (501) is expected, not a
// fault, so it is an info line without a stack; a real server error (500) stays an error with it.
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { connect } from 'node:net';
import { Writable } from 'node:stream';
import express from 'express';
import { notImplemented } from '../../core/errors/AppError.js';
import { errorHandler } from '../../server/middleware/errorHandler.js';
import type { RequestContext } from '../../server/http/operationTypes.js';
import { expect } from 'chai';
import { loadConfig } from '../../core/config/config.js';
import { createLogger } from '../../core/logging/logger.js';
import { freePort } from '../../infra/local/freePort.js';
import { createApi, type Api } from '../../server/compose.js';
import { testEnv } from '../support/harness.js';
import { getHarness } from './hooks.js';

/** The seed's log schema (core/logging/logger.ts): the call's own fields are under `payload`. */
interface LogLine {
  timestamp: string;
  level: string;
  service: string;
  message: string;
  payload?: { code?: string; err?: { stack?: string } };
}

/** A log destination that parses each JSON line into `lines`. */
const linesOf = (lines: LogLine[]) =>
  new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split('\n').filter(Boolean))
        lines.push(JSON.parse(line) as LogLine);
      done();
    },
  });

/** The real API on `env`, logging at `level` (info) into `lines`. */
async function apiLoggingTo(env: Record<string, string>, lines: LogLine[], level = 'info') {
  const destination = linesOf(lines);
  const config = loadConfig(testEnv(getHarness().stack, { ...env, LOG_LEVEL: level }));
  const api: Api = await createApi(config, createLogger({ level, service: 'api', destination }));
  const server = api.app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      await api.close();
    },
  };
}

describe('error logging: expected 501s are not faults', () => {
  it('logs a 501 at info, without a stack trace, and no error line', async () => {
    // Every operation of the contract is built today, so the API's own error handler gets the 501
    // a pending operation's stub throws (server/handlers/notYetImplemented.ts) from a route of its own.
    const lines: LogLine[] = [];
    const logger = createLogger({ level: 'info', service: 'api', destination: linesOf(lines) });
    const app = express();
    app.use((_req, res, next) => {
      res.locals.ctx = {
        logger,
        correlationId: randomUUID(),
        auth: null,
        idempotency: null,
        deferredWrites: [],
      } satisfies RequestContext;
      next();
    });
    app.post('/v1/pending', () => {
      throw notImplemented('pendingOperation');
    });
    app.use(errorHandler('1kb'));
    const server = app.listen(0, '127.0.0.1');
    await once(server, 'listening');
    try {
      const { port } = server.address() as { port: number };
      const response = await fetch(`http://127.0.0.1:${port}/v1/pending`, { method: 'POST' });
      expect(response.status).to.equal(501);
      expect(((await response.json()) as { code: string }).code).to.equal('not_implemented');
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
    const about501 = lines.filter((l) => l.payload?.code === 'not_implemented');
    expect(about501.map((l) => l.level)).to.deep.equal(['info']);
    expect(about501[0]?.payload?.err, 'no stack for an expected 501').to.equal(undefined);
    expect(lines.filter((l) => l.level === 'error' || l.level === 'fatal')).to.deep.equal([]);
  });

  it('still logs a genuine 500 (a bug in a handler) at error, with its stack, and answers without it', async () => {
    // Every dependency failure of the real API is classified (503 with Retry-After, below), so the
    // genuine fault here is a handler bug, thrown from a route of its own into the API's error handler.
    const lines: LogLine[] = [];
    const logger = createLogger({ level: 'info', service: 'api', destination: linesOf(lines) });
    const app = express();
    app.use((_req, res, next) => {
      res.locals.ctx = {
        logger,
        correlationId: randomUUID(),
        auth: null,
        idempotency: null,
        deferredWrites: [],
      } satisfies RequestContext;
      next();
    });
    app.get('/v1/buggy', () => {
      throw new TypeError("Cannot read properties of undefined (reading 'connectionId')");
    });
    app.use(errorHandler('1kb'));
    const server = app.listen(0, '127.0.0.1');
    await once(server, 'listening');
    try {
      const { port } = server.address() as { port: number };
      const response = await fetch(`http://127.0.0.1:${port}/v1/buggy`);
      expect(response.status).to.equal(500);
      expect(response.headers.get('content-type')).to.match(/^application\/problem\+json/);
      const body = await response.text();
      expect((JSON.parse(body) as { code: string }).code).to.equal('internal_error');
      expect(body, 'no stack or message of the bug in the answer').not.to.match(/\bat |connectionId/);
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
    const errors = lines.filter((l) => l.level === 'error');
    expect(errors.map((l) => l.payload?.code)).to.deep.equal(['internal_error']);
    expect(errors[0]?.payload?.err?.stack)
      .to.be.a('string')
      .and.match(/\n\s+at /);
  });

  it('answers a DynamoDB that refuses connections with 503 and Retry-After, not a 500', async () => {
    const lines: LogLine[] = [];
    const api = await apiLoggingTo({ DYNAMODB_ENDPOINT: `http://127.0.0.1:${await freePort()}` }, lines);
    try {
      const token = await getHarness().token(getHarness().newUserId());
      const response = await fetch(`${api.url}/v1/connections`, {
        headers: { authorization: `Bearer ${token}` },
      });
      expect(response.status).to.equal(503);
      expect(response.headers.get('retry-after')).to.match(/^\d+$/);
      expect(((await response.json()) as { code: string }).code).to.equal('service_unavailable');
    } finally {
      await api.close();
    }
    expect(lines.filter((l) => l.payload?.code === 'internal_error')).to.deep.equal([]);
  });

  it('never logs a query string or a header that can hold a secret, even at debug', async () => {
    const lines: LogLine[] = [];
    const api = await apiLoggingTo({}, lines, 'debug');
    const secret = `secret-${randomUUID()}`;
    const token = await getHarness().token(getHarness().newUserId('logs'));
    try {
      // An OAuth callback's authorization code, a token in a query, a bearer token, an admin key.
      await fetch(`${api.url}/v1/oauth/strava/callback?code=${secret}&state=not-a-state`, {
        redirect: 'manual',
      });
      await fetch(`${api.url}/v1/sync-jobs?cursor=${secret}&access_token=${secret}`, {
        headers: { authorization: `Bearer ${token}` },
      });
      await fetch(`${api.url}/v1/nothing-here?code=${secret}`, {
        headers: { authorization: `Bearer ${token}` },
      });
      await fetch(`${api.url}/v1/admin/jwks-cache/some-kid`, {
        method: 'DELETE',
        headers: { 'x-admin-key': secret },
      });
      await fetch(`${api.url}/v1/connections`, { headers: { authorization: `Bearer ${token}x` } });
    } finally {
      await api.close();
    }
    expect(lines.length).to.be.greaterThan(3);
    const text = JSON.stringify(lines);
    expect(text).not.to.include(secret);
    expect(text).not.to.include(token.split('.')[2]!);
  });

  it('a client that resets its connection right after sending a POST leaves no 500 and no error line', async () => {
    // Found by bench:api (bench/results/README.md, "Load"): the socket gone before express.json()
    // ran, body-parser left the body unread, the validator let the missing body through and the
    // handler read `body.mode` of undefined: a 500 and an error line for every dropped connection.
    const lines: LogLine[] = [];
    const api = await apiLoggingTo({}, lines);
    try {
      const h = getHarness();
      const token = await h.token(h.newUserId());
      const { port } = new URL(api.url);
      const body = JSON.stringify({
        sourceConnectionId: `conn_${randomUUID()}`,
        destinationConnectionId: `conn_${randomUUID()}`,
        dataType: 'workout',
      });
      for (let i = 0; i < 20; i++) {
        const socket = connect(Number(port), '127.0.0.1');
        await once(socket, 'connect');
        socket.write(
          `POST /v1/sync-jobs HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${token}\r\n` +
            `Idempotency-Key: ${randomUUID()}\r\nContent-Type: application/json\r\n` +
            `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
        );
        socket.resetAndDestroy();
      }
      // The requests are handled (or not) within a few milliseconds; give them far longer.
      await new Promise((resolve) => setTimeout(resolve, 1000));
    } finally {
      await api.close();
    }
    expect(
      lines.filter((l) => l.level === 'error' || l.level === 'fatal').map((l) => l.message),
    ).to.deep.equal([]);
  });
});
