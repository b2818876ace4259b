// What the API logs when a request fails: an operation that is not built yet (501) is expected, not a
// fault, so it is an info line without a stack; a real server error (500) stays an error with it.
import { randomUUID } from 'node:crypto';
import { Writable } from 'node:stream';
import { expect } from 'chai';
import { loadConfig } from '../../core/config/config.js';
import { createLogger } from '../../core/logging/logger.js';
import { freePort } from '../../infra/local/freePort.js';
import { createApi, type Api } from '../../server/compose.js';
import { testEnv } from '../support/harness.js';
import { getHarness } from './hooks.js';

interface LogLine {
  level: string;
  msg: string;
  code?: string;
  err?: { stack?: string };
}

/** The real API on `env`, logging at info into `lines`. */
async function apiLoggingTo(env: Record<string, string>, lines: LogLine[]) {
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split('\n').filter(Boolean))
        lines.push(JSON.parse(line) as LogLine);
      done();
    },
  });
  const config = loadConfig(testEnv(getHarness().stack, { ...env, LOG_LEVEL: 'info' }));
  const api: Api = await createApi(config, createLogger({ level: 'info', service: 'api', destination }));
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
    const lines: LogLine[] = [];
    const api = await apiLoggingTo({}, lines);
    try {
      const token = await getHarness().token(getHarness().newUserId());
      const response = await fetch(`${api.url}/v1/export-jobs`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'idempotency-key': randomUUID() },
      });
      expect(response.status).to.equal(501);
    } finally {
      await api.close();
    }
    const about501 = lines.filter((l) => l.code === 'not_implemented');
    expect(about501.map((l) => l.level)).to.deep.equal(['info']);
    expect(about501[0]?.err, 'no stack for an expected 501').to.equal(undefined);
    expect(lines.filter((l) => l.level === 'error' || l.level === 'fatal')).to.deep.equal([]);
  });

  it('still logs a genuine 500 at error, with its stack', async () => {
    const lines: LogLine[] = [];
    // DynamoDB that refuses connections: the request fails for a reason nobody expected.
    const api = await apiLoggingTo({ DYNAMODB_ENDPOINT: `http://127.0.0.1:${await freePort()}` }, lines);
    try {
      const token = await getHarness().token(getHarness().newUserId());
      const response = await fetch(`${api.url}/v1/connections`, {
        headers: { authorization: `Bearer ${token}` },
      });
      expect(response.status).to.equal(500);
    } finally {
      await api.close();
    }
    const errors = lines.filter((l) => l.level === 'error');
    expect(errors.map((l) => l.code)).to.deep.equal(['internal_error']);
    expect(errors[0]?.err?.stack)
      .to.be.a('string')
      .and.match(/\n\s+at /);
  });
});
