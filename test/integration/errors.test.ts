// The pipeline's error contract: every failure is problem+json with a stable code, never a 500 or
// a stack trace, and all validation errors are listed at once.
import { expect } from 'chai';
import { getHarness } from './hooks.js';
import { clock } from '../../core/clock/clock.js';

interface Problem {
  type: string;
  title: string;
  status: number;
  code: string;
  detail: string;
  correlationId: string;
  errors?: Array<{ location: string; path: string; message: string }>;
}

const expectProblem = (
  r: { status: number; headers: Headers; text: string; body: unknown },
  status: number,
  code: string,
) => {
  expect(r.status, r.text).to.equal(status);
  expect(r.headers.get('content-type')).to.match(/^application\/problem\+json/);
  const p = r.body as Problem;
  expect(p.code).to.equal(code);
  expect(p.status).to.equal(status);
  expect(p.type).to.equal(`https://api.syncwell.example/problems/${code}`);
  expect(p.title).to.be.a('string').with.length.greaterThan(0);
  expect(r.text).not.to.match(/at .+\.(ts|js):\d+/);
  return p;
};

describe('errors and validation', () => {
  let token: string;
  before(async () => {
    token = await getHarness().token(getHarness().newUserId());
  });

  it('answers unknown routes with 404 route_not_found', async () => {
    const r = await getHarness().request('GET', '/v1/nothing-here', { token });
    expectProblem(r, 404, 'route_not_found');
  });

  it('answers an undeclared method with 405 method_not_allowed', async () => {
    const r = await getHarness().request('PUT', '/v1/connections', { token, body: {} });
    expectProblem(r, 405, 'method_not_allowed');
  });

  it('requires a bearer token on user routes (401 before any validation)', async () => {
    const r = await getHarness().request('POST', '/v1/sync-jobs', { body: { nonsense: true } });
    const p = expectProblem(r, 401, 'unauthenticated');
    expect(r.headers.get('www-authenticate')).to.match(/^Bearer/);
    expect(p.correlationId).to.equal(r.headers.get('x-correlation-id'));
  });

  it('rejects a malformed token, a token for another audience and an expired token', async () => {
    const h = getHarness();
    expectProblem(await h.request('GET', '/v1/connections', { token: 'not.a.jwt' }), 401, 'unauthenticated');
    const [header, payload, signature] = token.split('.');
    const claims = JSON.parse(Buffer.from(payload!, 'base64url').toString());
    const forged = `${header}.${Buffer.from(JSON.stringify({ ...claims, aud: 'other-project' })).toString('base64url')}.${signature}`;
    expectProblem(await h.request('GET', '/v1/connections', { token: forged }), 401, 'unauthenticated');
    const expired = await h.token(h.newUserId(), {
      issuedAtSeconds: Math.floor(clock.now() / 1000) - 7200,
      expiresInSeconds: 3600,
    });
    expectProblem(await h.request('GET', '/v1/connections', { token: expired }), 401, 'token_expired');
  });

  it('requires an Idempotency-Key on state-changing user routes', async () => {
    const r = await getHarness().request('POST', '/v1/sync-configs', {
      token,
      body: {},
      idempotencyKey: null,
    });
    expectProblem(r, 400, 'idempotency_key_required');
  });

  it('lists every validation error, with location and path', async () => {
    const r = await getHarness().request('POST', '/v1/sync-jobs', {
      token,
      body: { sourceConnectionId: 'nope', destinationConnectionId: 42, dataType: 'yoga', mode: 'manual' },
    });
    const p = expectProblem(r, 400, 'validation_failed');
    const paths = (p.errors ?? []).map((e) => `${e.location}:${e.path}`);
    expect(paths).to.include.members([
      'body:/sourceConnectionId',
      'body:/destinationConnectionId',
      'body:/dataType',
    ]);
  });

  it('enforces dateRange iff mode is historical', async () => {
    const h = getHarness();
    const base = {
      sourceConnectionId: 'conn_3f2b8c1e-9d4a-4b7e-8c2a-1f0e9d8c7b6a',
      destinationConnectionId: 'conn_4f2b8c1e-9d4a-4b7e-8c2a-1f0e9d8c7b6a',
      dataType: 'workout',
    };
    const withRange = {
      ...base,
      mode: 'manual',
      dateRange: { startDate: '2026-01-01', endDate: '2026-02-01' },
    };
    expectProblem(
      await h.request('POST', '/v1/sync-jobs', { token, body: withRange }),
      400,
      'validation_failed',
    );
    expectProblem(
      await h.request('POST', '/v1/sync-jobs', { token, body: { ...base, mode: 'historical' } }),
      400,
      'validation_failed',
    );
  });

  it('answers malformed JSON with 400 malformed_json', async () => {
    const r = await getHarness().request('POST', '/v1/sync-configs', {
      token,
      rawBody: '{"sourceConnectionId": ',
    });
    expectProblem(r, 400, 'malformed_json');
  });

  it('answers a body over the limit with 413 and a non-JSON body with 415', async () => {
    const h = getHarness();
    const big = { settings: { locale: 'en' }, padding: 'x'.repeat(100_000) };
    expectProblem(
      await h.request('PUT', '/v1/users/me/settings', { token, body: big }),
      413,
      'payload_too_large',
    );
    const r = await h.request('POST', '/v1/sync-configs', {
      token,
      rawBody: 'a=b',
      contentType: 'text/plain',
    });
    expectProblem(r, 415, 'unsupported_media_type');
  });

  it('echoes a well-formed caller correlation id', async () => {
    const r = await getHarness().request('GET', '/v1/nope', {
      token,
      headers: { 'x-correlation-id': 'mobile-req-12345' },
    });
    expect(r.headers.get('x-correlation-id')).to.equal('mobile-req-12345');
    expect((r.body as Problem).correlationId).to.equal('mobile-req-12345');
  });

  it("never echoes a query string in a problem: its instance is the path (an OAuth callback's code stays out)", async () => {
    const secret = 'sekret-authorization-code-4711';
    const cases = [
      // Validation fails (no state): the query holds the provider's authorization code.
      { path: `/v1/oauth/strava/callback?code=${secret}`, token: undefined },
      { path: `/v1/nothing-here?access_token=${secret}`, token },
      { path: `/v1/sync-jobs/job_does_not_exist?api_key=${secret}`, token },
    ];
    for (const c of cases) {
      const r = await getHarness().request('GET', c.path, c.token ? { token: c.token } : {});
      expect(r.status, r.text).to.be.within(400, 499);
      expect(r.headers.get('content-type')).to.match(/^application\/problem\+json/);
      expect(r.text, c.path).not.to.include(secret);
      expect((r.body as { instance?: string }).instance).to.equal(c.path.slice(0, c.path.indexOf('?')));
    }
  });

  it('answers a request line or headers too large for the HTTP parser with a problem, not a bare 431', async () => {
    const r = await getHarness().request('GET', `/v1/connections?cursor=${'a'.repeat(20_000)}`, { token });
    expectProblem(r, 431, 'request_header_too_large');
    const big = await getHarness().request('GET', '/v1/connections', {
      token,
      headers: { 'x-padding': 'p'.repeat(20_000) },
    });
    expectProblem(big, 431, 'request_header_too_large');
  });

  it('answers bytes that are not HTTP with 400 malformed_request', async () => {
    const { connect } = await import('node:net');
    const url = new URL(getHarness().api.url);
    const answer = await new Promise<string>((resolve, reject) => {
      const socket = connect(Number(url.port), url.hostname, () =>
        socket.write('GET / HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n'),
      );
      let text = '';
      socket.on('data', (d: Buffer) => (text += d.toString('utf8')));
      socket.on('end', () => resolve(text));
      socket.on('error', reject);
    });
    expect(answer).to.match(/^HTTP\/1\.1 400 /);
    expect(answer).to.match(/content-type: application\/problem\+json/i);
    const body = JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4)) as Problem;
    expect(body).to.include({ status: 400, code: 'malformed_request' });
  });

  it('refuses JSON nested deeper than 32 levels with 400 before anything parses it further', async () => {
    const h = getHarness();
    for (const [path, rawBody] of [
      ['/v1/export-jobs', '['.repeat(20_000) + ']'.repeat(20_000)],
      ['/v1/sync-jobs', `{"dataType":${'{"a":'.repeat(40)}1${'}'.repeat(40)}}`],
    ] as const) {
      const r = await h.request('POST', path, { token, rawBody });
      const p = expectProblem(r, 400, 'validation_failed');
      expect(p.errors?.[0]).to.deep.include({ location: 'body', message: 'nested deeper than 32 levels' });
    }
    // 32 levels are fine as far as nesting goes (the contract then decides).
    const r = await h.request('POST', '/v1/sync-jobs', {
      token,
      rawBody: `{"dataType":${'['.repeat(31)}${']'.repeat(31)}}`,
    });
    expect((r.body as Problem).errors?.map((e) => e.message)).not.to.include('nested deeper than 32 levels');
  });
});
