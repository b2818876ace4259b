// Security checks generated from the contract (issue 16, OWASP API1 and API2): every operation of the
// bundled OpenAPI document is covered by reading the route table, so a new operation is covered
// without new test code (or fails here, naming what it needs).
// - Authentication: every user operation answers 401 problem+json to no token, a malformed one, a
//   tampered one, one for another audience or issuer, one signed with `alg: none` and an expired
//   one; operator operations refuse an ordinary user (403); admin operations refuse a wrong key.
// - Object-level authorization (BOLA): every user operation that names an object, in its path or
//   in its body, answers 404 to another user's id, and the owner's data is unchanged afterwards.
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { expect } from 'chai';
import { SignJWT } from 'jose';
import { parse } from 'yaml';
import { clock } from '../../core/clock/clock.js';
import { DEV_AUDIENCE, DEV_ISSUER, loadDevKeys } from '../../infra/local/devIssuer.js';
import { BUNDLED_SPEC_PATH, loadRouteTable, type Route } from '../../server/http/routeTable.js';
import { getHarness } from './hooks.js';

const routes = loadRouteTable();
const spec = parse(readFileSync(BUNDLED_SPEC_PATH, 'utf8')) as {
  paths: Record<string, Record<string, { requestBody?: { content?: Record<string, Example> } }>>;
};
interface Example {
  example?: unknown;
  examples?: Record<string, { value?: unknown }>;
}

/** The operation's documented request body (its first example), or undefined when it has none. */
function exampleBody(route: Route): Record<string, unknown> | undefined {
  const content = spec.paths[route.path]?.[route.method]?.requestBody?.content?.['application/json'];
  const value = content?.example ?? Object.values(content?.examples ?? {})[0]?.value;
  return value && typeof value === 'object' ? structuredClone(value as Record<string, unknown>) : undefined;
}

const pathWith = (route: Route, values: (name: string) => string) =>
  route.path.replace(/\{(\w+)\}/g, (_, name: string) => encodeURIComponent(values(name)));

const isProblem = (r: { headers: Headers }) =>
  /^application\/problem\+json/.test(r.headers.get('content-type') ?? '');

describe('security generated from the contract', function () {
  this.timeout(120_000);
  const h = () => getHarness();

  describe('authentication of every operation', () => {
    /** Tokens that must never open a user operation, each with the code its 401 carries. */
    async function badTokens(): Promise<Array<{ name: string; token?: string; code: string }>> {
      const userId = h().newUserId('authn');
      const good = await h().token(userId);
      const [header, payload, signature] = good.split('.') as [string, string, string];
      const claims = JSON.parse(Buffer.from(payload, 'base64url').toString()) as Record<string, unknown>;
      const { kid, privateKey } = await loadDevKeys();
      const now = Math.floor(clock.now() / 1000);
      const signed = (iss: string, aud: string) =>
        new SignJWT({ ...claims })
          .setProtectedHeader({ alg: 'RS256', kid, typ: 'JWT' })
          .setIssuer(iss)
          .setAudience(aud)
          .setSubject(userId)
          .setIssuedAt(now)
          .setExpirationTime(now + 600)
          .sign(privateKey);
      const unsigned = `${Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url')}.${payload}.`;
      return [
        { name: 'no token', code: 'unauthenticated' },
        { name: 'malformed', token: 'not.a.jwt', code: 'unauthenticated' },
        {
          name: 'tampered (another user id, the signature kept)',
          token: `${header}.${Buffer.from(JSON.stringify({ ...claims, sub: 'someone-else', user_id: 'someone-else' })).toString('base64url')}.${signature}`,
          code: 'unauthenticated',
        },
        {
          name: 'another audience',
          token: await signed(DEV_ISSUER, 'other-project'),
          code: 'unauthenticated',
        },
        {
          name: 'another issuer',
          token: await signed('https://securetoken.google.com/other-project', DEV_AUDIENCE),
          code: 'unauthenticated',
        },
        { name: 'alg none', token: unsigned, code: 'unauthenticated' },
        {
          name: 'expired',
          token: await h().token(userId, { issuedAtSeconds: now - 7200, expiresInSeconds: 3600 }),
          code: 'token_expired',
        },
      ];
    }

    const anyId = () => `id_${randomUUID()}`;

    it('every user operation answers 401 problem+json to every bad token, and runs nothing', async () => {
      const user = routes.filter((r) => r.auth === 'firebaseJwt');
      expect(user.length).to.be.greaterThan(20);
      const tokens = await badTokens();
      const failures: string[] = [];
      for (const route of user)
        for (const t of tokens) {
          const r = await h().request(route.method.toUpperCase(), pathWith(route, anyId), {
            ...(t.token ? { token: t.token } : {}),
            ...(['post', 'put', 'patch'].includes(route.method) ? { body: exampleBody(route) ?? {} } : {}),
          });
          const code = (r.body as { code?: string } | undefined)?.code;
          if (r.status !== 401 || !isProblem(r) || code !== t.code)
            failures.push(`${route.operationId} with ${t.name}: ${r.status} ${code}`);
        }
      expect(failures).to.deep.equal([]);
    });

    it('every operator operation refuses an ordinary user with 403, and everyone without a token with 401', async () => {
      const operator = routes.filter((r) => r.auth === 'operatorJwt');
      expect(operator.length).to.be.greaterThan(3);
      const token = await h().token(h().newUserId('authz'));
      const failures: string[] = [];
      for (const route of operator) {
        const path = pathWith(route, (name) => (name === 'channel' ? 'hotPathSync' : anyId()));
        const body = route.method === 'post' ? { body: exampleBody(route) ?? {} } : {};
        const asUser = await h().request(route.method.toUpperCase(), path, { token, ...body });
        const anonymous = await h().request(route.method.toUpperCase(), path, body);
        if (asUser.status !== 403 || !isProblem(asUser))
          failures.push(`${route.operationId} as a user: ${asUser.status}`);
        if (anonymous.status !== 401 || !isProblem(anonymous))
          failures.push(`${route.operationId} without a token: ${anonymous.status}`);
      }
      expect(failures).to.deep.equal([]);
    });

    it('every admin operation refuses a missing or wrong admin key with 401', async () => {
      const admin = routes.filter((r) => r.auth === 'adminKey');
      expect(admin.length).to.be.greaterThan(0);
      const failures: string[] = [];
      for (const route of admin)
        for (const key of [undefined, 'wrong-key', `${h().config.ADMIN_API_KEY ?? ''}x`]) {
          const r = await h().request(route.method.toUpperCase(), pathWith(route, anyId), {
            ...(key ? { headers: { 'x-admin-key': key } } : {}),
            ...(route.method === 'post' ? { body: exampleBody(route) ?? {} } : {}),
          });
          if (r.status !== 401 || !isProblem(r))
            failures.push(`${route.operationId} with key ${key}: ${r.status}`);
        }
      expect(failures).to.deep.equal([]);
    });
  });

  describe("object-level authorization: another user's ids", () => {
    it("answers 404 to every operation naming another user's object, in its path or its body, and changes nothing", async () => {
      // The owner: two connections, a configuration, a sync job, an export, a device and its
      // Apple Health connection.
      const ownerId = h().newUserId('owner');
      const owner = await h().token(ownerId, { tier: 'PRO' });
      const strava = await h().connection(ownerId, 'strava');
      const garmin = await h().connection(ownerId, 'garmin');
      const config = await h().syncConfig(ownerId, garmin.connectionId, strava.connectionId, 'workout');
      const job = await h().request<{ jobId: string }>('POST', '/v1/sync-jobs', {
        token: owner,
        body: {
          sourceConnectionId: garmin.connectionId,
          destinationConnectionId: strava.connectionId,
          dataType: 'workout',
          mode: 'manual',
        },
      });
      expect(job.status, job.text).to.equal(202);
      const exported = await h().request<{ jobId: string }>('POST', '/v1/export-jobs', {
        token: owner,
        body: {},
      });
      expect(exported.status, exported.text).to.equal(202);
      const device = await h().request<{ deviceId: string }>('POST', '/v1/devices', {
        token: owner,
        body: exampleBody(routes.find((r) => r.operationId === 'registerDevice')!),
      });
      expect(device.status, device.text).to.equal(201);
      const store = await h().request<{ provider: string }>('POST', '/v1/device-connections', {
        token: owner,
        body: { provider: 'apple_health' },
      });
      expect(store.status, store.text).to.equal(201);

      const ids: Record<string, (route: Route) => string> = {
        // A health store is named by its provider: the caller's own connection to it, never another's.
        provider: () => store.body.provider,
        connectionId: () => strava.connectionId,
        configId: () => config.configId,
        jobId: (route) => (route.operationId === 'getExportJob' ? exported.body.jobId : job.body.jobId),
        deviceId: () => device.body.deviceId,
      };
      /** Body fields that name the owner's objects. */
      const bodyIds: Record<string, string> = {
        sourceConnectionId: garmin.connectionId,
        destinationConnectionId: strava.connectionId,
        connectionId: strava.connectionId,
        configId: config.configId,
        jobId: job.body.jobId,
        deviceId: device.body.deviceId,
      };
      const snapshot = async () =>
        Promise.all(
          [
            '/v1/connections',
            '/v1/sync-configs',
            '/v1/sync-jobs',
            '/v1/devices',
            `/v1/export-jobs/${exported.body.jobId}`,
          ].map(async (path) => (await h().request('GET', path, { token: owner })).body),
        );
      const before = await snapshot();

      const intruder = await h().token(h().newUserId('intruder'), { tier: 'PRO' });
      const failures: string[] = [];
      let tried = 0;
      for (const route of routes.filter((r) => r.auth === 'firebaseJwt')) {
        const params = [...route.path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]!);
        const body = exampleBody(route);
        const named = Object.keys(body ?? {}).filter((k) => k in bodyIds);
        if (params.length === 0 && named.length === 0) continue;
        const unknown = params.filter((p) => !(p in ids));
        if (unknown.length > 0) {
          failures.push(
            `${route.operationId}: no owner's object for path parameter(s) ${unknown.join(', ')}`,
          );
          continue;
        }
        for (const key of named) body![key] = bodyIds[key];
        tried += 1;
        const r = await h().request(
          route.method.toUpperCase(),
          pathWith(route, (p) => ids[p]!(route)),
          {
            token: intruder,
            ...(body ? { body } : ['post', 'put', 'patch'].includes(route.method) ? { body: {} } : {}),
          },
        );
        if (r.status !== 404 || !isProblem(r))
          failures.push(`${route.operationId}: ${r.status} ${(r.body as { code?: string })?.code}`);
      }
      expect(failures).to.deep.equal([]);
      expect(tried).to.be.greaterThan(10);
      expect(await snapshot()).to.deep.equal(before);
    });
  });
});
