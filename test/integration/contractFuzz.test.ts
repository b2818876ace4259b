// A fuzzer driven by the contract (issue 16): thousands of invalid, boundary and hostile inputs to
// every operation of the route table, built from each operation's documented example (fast-check
// mutations: wrong types, huge and deeply nested bodies, prototype keys, control characters, lone
// surrogates, path tricks, query and header abuse). The API under test validates its responses
// (NODE_ENV=test), so a stored item it could no longer serve would show as a 5xx. Afterwards:
// - no answer was a 5xx, every 4xx was problem+json without internals or the caller's token;
// - the fuzzing user's objects are exactly as before (new ones only from accepted requests), and
//   they and a bystander's data still read back valid.
// The per-user request budget is off for this API process: the fuzzer is one very busy user.
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { expect } from 'chai';
import fc from 'fast-check';
import { parse } from 'yaml';
import { startApi, type RunningApi } from '../../server/main.js';
import { BUNDLED_SPEC_PATH, loadRouteTable, type Route } from '../../server/http/routeTable.js';
import { testEnv } from '../support/harness.js';
import { getHarness } from './hooks.js';

const RUNS = Number(process.env.FUZZ_RUNS ?? 2500);
/** A failure prints its seed: FUZZ_SEED=<seed> replays the same inputs. */
const SEED = process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) : undefined;
const routes = loadRouteTable().filter(
  // Its valid form erases the fuzzing user, which is not a hostile input.
  (r) => r.operationId !== 'deleteCurrentUser',
);
const spec = parse(readFileSync(BUNDLED_SPEC_PATH, 'utf8')) as {
  paths: Record<string, Record<string, { requestBody?: { content?: Record<string, Example> } }>>;
};
interface Example {
  example?: unknown;
  examples?: Record<string, { value?: unknown }>;
}
const exampleOf = (route: Route): unknown => {
  const content = spec.paths[route.path]?.[route.method]?.requestBody?.content?.['application/json'];
  return content?.example ?? Object.values(content?.examples ?? {})[0]?.value;
};

const chars = (min: number, max: number, length = 24) =>
  fc.string({
    unit: fc.integer({ min, max }).map((c) => String.fromCharCode(c)),
    minLength: 1,
    maxLength: length,
  });
const hostileString = fc.oneof(
  chars(0, 31), // control characters
  chars(0xd800, 0xdfff, 6), // lone surrogates: invalid Unicode once encoded
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.constantFrom(
    '',
    ' ',
    '../../../etc/passwd',
    '%2e%2e%2f%2e%2e%2f',
    '<script>alert(1)</script>',
    "' OR 1=1 --",
    '${jndi:ldap://127.0.0.1/x}',
    '{{7*7}}',
    '\u202egnp.exe',
    'a'.repeat(20_000),
    '🏃‍♀️'.repeat(500),
    'conn_00000000-0000-0000-0000-000000000000',
    'job_not-a-uuid',
    '2026-02-30T25:61:00Z',
  ),
);
const hostileNumber = fc.oneof(
  fc.integer(),
  fc.double({ noNaN: true }),
  fc.constantFrom(-1, 0, 2 ** 53 + 1, -(2 ** 63), 1e308, 0.5, 1e-320),
);
const { value: hostileValue } = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    hostileString,
    hostileNumber,
    fc.boolean(),
    fc.constant(null),
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(hostileString, tie('value'), { maxKeys: 4 }),
  ),
}));

const PROTOTYPE_KEYS = ['__proto__', 'constructor', 'prototype'];

/** A JSON text from the example: one field changed, removed, added (prototype keys too), or worse. */
const hostileBody = (example: unknown) =>
  fc.oneof(
    fc.tuple(fc.nat(), hostileValue).map(([i, v]) => {
      if (!example || typeof example !== 'object') return JSON.stringify(v);
      const body = structuredClone(example) as Record<string, unknown>;
      const keys = Object.keys(body);
      if (keys.length > 0) body[keys[i % keys.length]!] = v;
      return JSON.stringify(body);
    }),
    fc.nat().map((i) => {
      if (!example || typeof example !== 'object') return '{}';
      const body = structuredClone(example) as Record<string, unknown>;
      const keys = Object.keys(body);
      if (keys.length > 0) delete body[keys[i % keys.length]!];
      return JSON.stringify(body);
    }),
    fc.tuple(fc.constantFrom(...PROTOTYPE_KEYS), hostileValue).map(([key, v]) => {
      const rest = example && typeof example === 'object' ? JSON.stringify(example).slice(1) : '}';
      return `{${JSON.stringify(key)}:${JSON.stringify({ polluted: v, isAdmin: true })}${rest === '}' ? '' : ','}${rest}`;
    }),
    hostileValue.map((v) => JSON.stringify(v) ?? 'null'),
    fc.integer({ min: 50, max: 20_000 }).map((depth) => '['.repeat(depth) + ']'.repeat(depth)),
    fc.integer({ min: 50, max: 5_000 }).map((depth) => '{"a":'.repeat(depth) + '1' + '}'.repeat(depth)),
    fc.constant(JSON.stringify({ padding: 'x'.repeat(70 * 1024) })),
    fc.constantFrom('{', '{"a":}', '\u0000', 'null', '[]', '"string"', '{"a":1,"a":2}'),
  );

const hostileSegment = fc.oneof(
  hostileString.filter((s) => s.length > 0),
  fc.constantFrom('..', '.', '%00', '%2F', '%252e%252e', ' ', 'a'.repeat(3000)),
);
const hostileQuery = fc.array(
  fc.tuple(fc.constantFrom('limit', 'cursor', 'status', 'since', '__proto__[x]', 'x'), hostileString),
  { maxLength: 4 },
);
/** Header values a client can send (fetch refuses control characters itself). */
const headerValue = fc.oneof(
  fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)), maxLength: 60 }),
  fc.constantFrom('', 'x'.repeat(9000), 'DROP TABLE', '../../'),
);

const request = fc.record({
  route: fc.constantFrom(...routes),
  segment: hostileSegment,
  body: fc.option(fc.constant(undefined)),
  bodySeed: fc.nat(),
  query: hostileQuery,
  idempotencyKey: fc.option(headerValue, { nil: undefined }),
  correlationId: fc.option(headerValue, { nil: undefined }),
  contentType: fc.constantFrom(
    'application/json',
    'application/json',
    'text/plain',
    'application/x-www-form-urlencoded',
    'application/json; charset=latin1',
  ),
});

/** Percent-encodes anything, a lone surrogate included (as the invalid UTF-8 bytes CESU-8 gives it). */
const encodeHostile = (s: string) =>
  [...s]
    .map((ch) => {
      try {
        return encodeURIComponent(ch);
      } catch {
        const c = ch.charCodeAt(0);
        return [0xe0 | (c >> 12), 0x80 | ((c >> 6) & 0x3f), 0x80 | (c & 0x3f)]
          .map((b) => `%${b.toString(16).toUpperCase()}`)
          .join('');
      }
    })
    .join('');

const INTERNALS = /(at [\w.<>]+ \(|\.ts:\d+|\.js:\d+|node_modules|Error: |stack)/;

describe('contract fuzzer: hostile inputs to every operation', function () {
  this.timeout(600_000);
  const h = () => getHarness();
  let api: RunningApi;

  before(async () => {
    api = await startApi(
      testEnv(h().stack, { API_RATE_LIMIT_PER_MINUTE: '0', API_RATE_LIMIT_PER_MINUTE_PRO: '0' }),
    );
  });
  after(async () => {
    await api?.stop();
  });

  const call = async (method: string, path: string, headers: Record<string, string>, body?: string) => {
    const response = await fetch(`${api.url}${path}`, {
      method,
      headers,
      ...(body !== undefined ? { body } : {}),
    });
    return { status: response.status, headers: response.headers, text: await response.text() };
  };
  const read = async (token: string, path: string) => {
    const r = await call('GET', path, { authorization: `Bearer ${token}` });
    expect(r.status, `${path}: ${r.text}`).to.equal(200);
    return JSON.parse(r.text) as Record<string, unknown>;
  };

  it(`answers ${RUNS} hostile requests without a 5xx, with clean problems, and leaves stored data as it was`, async () => {
    const fuzzerId = h().newUserId('fuzzer');
    const token = await h().token(fuzzerId, { tier: 'PRO' });
    const operator = await h().token(h().newUserId('fuzz-op'), { role: 'operator' });
    const source = await h().connection(fuzzerId, 'garmin');
    const destination = await h().connection(fuzzerId, 'strava');
    await h().syncConfig(fuzzerId, source.connectionId, destination.connectionId, 'workout');
    const bystanderId = h().newUserId('bystander');
    const bystander = await h().token(bystanderId);
    await h().connection(bystanderId, 'fitbit');
    const lists = ['/v1/connections', '/v1/sync-configs', '/v1/devices', '/v1/users/me/settings'];
    const snapshot = async (t: string) => Promise.all(lists.map((path) => read(t, path)));
    const [fuzzerBefore, bystanderBefore] = [await snapshot(token), await snapshot(bystander)];

    const counts = { requests: 0, accepted: 0, byStatus: new Map<number, number>() };
    await fc.assert(
      fc.asyncProperty(request, async (r) => {
        const { route } = r;
        const path = route.path.replace(/\{\w+\}/g, () => encodeHostile(r.segment));
        const query = r.query.map(([k, v]) => `${encodeHostile(k)}=${encodeHostile(v)}`).join('&');
        const headers: Record<string, string> = { 'content-type': r.contentType };
        if (route.auth === 'firebaseJwt') headers.authorization = `Bearer ${token}`;
        if (route.auth === 'operatorJwt') headers.authorization = `Bearer ${operator}`;
        if (route.auth === 'adminKey') headers['x-admin-key'] = h().config.ADMIN_API_KEY!;
        if (r.idempotencyKey !== undefined) headers['idempotency-key'] = r.idempotencyKey;
        else if (route.requiresIdempotencyKey) headers['idempotency-key'] = randomUUID();
        if (r.correlationId !== undefined) headers['x-correlation-id'] = r.correlationId;
        const body =
          route.method === 'get' || route.method === 'delete'
            ? undefined
            : fc.sample(hostileBody(exampleOf(route)), { numRuns: 1, seed: r.bodySeed })[0];
        const res = await call(
          route.method.toUpperCase(),
          `${path}${query ? `?${query}` : ''}`,
          headers,
          body,
        );
        counts.requests += 1;
        counts.byStatus.set(res.status, (counts.byStatus.get(res.status) ?? 0) + 1);
        const what = `${route.operationId} ${res.status}: ${res.text.slice(0, 300)}`;
        expect(res.status, what).to.be.below(500);
        if (res.status >= 400) {
          expect(res.headers.get('content-type'), what).to.match(/^application\/problem\+json/);
          expect(res.text, what).not.to.match(INTERNALS);
          expect(res.text, what).not.to.include(token);
        } else counts.accepted += 1;
      }),
      { numRuns: RUNS, ...(SEED !== undefined ? { seed: SEED } : {}) },
    );
    const statuses = [...counts.byStatus].sort(([a], [b]) => a - b).map(([s, n]) => `${s}×${n}`);
    console.log(
      `      fuzz: ${counts.requests} requests over ${routes.length} operations: ${statuses.join(' ')}`,
    );
    // Thousands of inputs, almost all refused.
    expect(counts.requests).to.equal(RUNS);
    expect(counts.accepted).to.be.below(RUNS / 5);

    // What existed is unchanged; new items only came from accepted requests, and all read back valid.
    const fuzzerAfter = await snapshot(token);
    for (const [i, before] of fuzzerBefore.entries()) {
      const after = fuzzerAfter[i]!;
      const [key] = Object.keys(before).filter((k) => Array.isArray(before[k]));
      if (!key) {
        expect(after, lists[i]).to.deep.equal(before);
        continue;
      }
      const idOf = (item: Record<string, unknown>) =>
        JSON.stringify([item.connectionId, item.configId, item.deviceId]);
      const afterById = new Map(
        (after[key] as Array<Record<string, unknown>>).map((item) => [idOf(item), item]),
      );
      for (const item of before[key] as Array<Record<string, unknown>>)
        expect(afterById.get(idOf(item)), `${lists[i]} ${idOf(item)}`).to.deep.equal(item);
    }
    expect(await snapshot(bystander)).to.deep.equal(bystanderBefore);
    await read(token, '/v1/sync-jobs');
  });
});
