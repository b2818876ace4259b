// The provider sandbox: one loopback HTTP server hosting a fake of every cloud provider under its
// own root (`/strava`, `/fitbit`, `/garmin`, `/google_fit`, `/google_health`), each speaking that
// provider's documented shapes (Google Health's checked against Google's discovery document).
// Shared here: the OAuth consent, token and revocation
// endpoints, bearer-token checks, fault injection and the `/_sandbox` admin API that tests,
// `npm start` and benchmarks use.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { CloudProvider, DataType } from '../../../core/domain/types.js';
import { CLOUD_PROVIDERS } from '../../../core/providers/profiles.js';
import { FaultInjector, type FaultRule } from './faults.js';
import { basicCredentials, OAuthServer } from './oauthServer.js';
import { revocationReply } from './revocation.js';
import { buildPersona, type Persona, type PersonaOptions } from './persona.js';
import { createFitbitFake } from './fitbit.js';
import { createGarminFake } from './garmin.js';
import { createGoogleFitFake } from './googleFit.js';
import {
  createGoogleHealthFake,
  type GoogleHealthFake,
  type GoogleHealthFakeDeps,
} from './googleHealth/googleHealthFake.js';
import { createStravaFake } from './strava.js';
import type { ProviderFake, SandboxRecordView, SandboxReply, SandboxRequest, SandboxRoot } from './types.js';
import { clock } from '../../../core/clock/clock.js';

/** Every cloud provider of the registry; FACTORIES below must have a fake for each. */
export const SANDBOX_PROVIDERS: readonly CloudProvider[] = CLOUD_PROVIDERS;

const FACTORIES = {
  strava: createStravaFake,
  fitbit: createFitbitFake,
  garmin: createGarminFake,
  google_fit: createGoogleFitFake,
  google_health: createGoogleHealthFake,
} satisfies Record<CloudProvider, (deps: GoogleHealthFakeDeps) => ProviderFake<CloudProvider>>;

/** Every root the sandbox serves: one per cloud provider. */
export const SANDBOX_ROOTS: readonly SandboxRoot[] = SANDBOX_PROVIDERS;

export type SandboxFakes = Record<CloudProvider, ProviderFake<CloudProvider>> & {
  google_health: GoogleHealthFake;
};

export interface SandboxUser {
  sandboxUserId: string;
  persona: Persona;
  providerUserIds: Record<SandboxRoot, string>;
}

export interface ProviderSandbox {
  url: string;
  fakes: SandboxFakes;
  oauth: Record<SandboxRoot, OAuthServer>;
  faults: FaultInjector;
  /** A person with an account at every provider, seeded from a persona. */
  createUser(options?: { name?: string; persona?: PersonaOptions }): SandboxUser;
  user(sandboxUserId: string): SandboxUser | undefined;
  records(provider: SandboxRoot, sandboxUserId: string, dataType: DataType): SandboxRecordView[];
  /** API requests served per root (OAuth and admin calls excluded). */
  requestCounts(): Record<SandboxRoot, number>;
  reset(): void;
  stop(): Promise<void>;
}

export interface SandboxOptions {
  port?: number;
  now?: () => Date;
}

function send(res: ServerResponse, reply: SandboxReply): void {
  const headers: Record<string, string> = { ...(reply.headers ?? {}) };
  let body: string | Buffer | undefined;
  if (reply.body === undefined) body = undefined;
  else if (typeof reply.body === 'string' || Buffer.isBuffer(reply.body)) body = reply.body;
  else {
    body = JSON.stringify(reply.body);
    headers['content-type'] ??= 'application/json;charset=UTF-8';
  }
  res.writeHead(reply.status, headers);
  res.end(body);
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function startProviderSandbox(options: SandboxOptions = {}): Promise<ProviderSandbox> {
  const now = options.now ?? (() => clock.date());
  const users = new Map<string, SandboxUser>();
  const providerUserIds = new Map<SandboxRoot, Map<string, string>>();
  const counts = Object.fromEntries(SANDBOX_ROOTS.map((p) => [p, 0])) as Record<SandboxRoot, number>;
  const faults = new FaultInjector();
  const oauth = {} as Record<SandboxRoot, OAuthServer>;
  const fakes = {} as SandboxFakes;
  for (const provider of SANDBOX_PROVIDERS) {
    providerUserIds.set(provider, new Map());
    oauth[provider] = new OAuthServer(provider, (id) => providerUserIds.get(provider)?.get(id), now);
  }
  const deps = (provider: CloudProvider): GoogleHealthFakeDeps => ({
    oauth: oauth[provider],
    now,
    // Google Health's Identity.legacyUserId: the same person's Fitbit user id.
    legacyUserId: (id) => providerUserIds.get('fitbit')?.get(id),
  });
  for (const provider of SANDBOX_PROVIDERS)
    (fakes as Record<CloudProvider, ProviderFake<CloudProvider>>)[provider] = FACTORIES[provider](
      deps(provider),
    );
  const fakeAt = (root: SandboxRoot): ProviderFake<SandboxRoot> => fakes[root];
  let userSeq = 0;

  function createUser(opts: { name?: string; persona?: PersonaOptions } = {}): SandboxUser {
    userSeq += 1;
    const sandboxUserId = `sbx${String(userSeq).padStart(4, '0')}`;
    const persona = buildPersona(opts.name ?? sandboxUserId, { now: now(), ...opts.persona });
    const ids = {} as Record<SandboxRoot, string>;
    for (const provider of SANDBOX_ROOTS) {
      ids[provider] = fakeAt(provider).addUser(sandboxUserId, persona);
      providerUserIds.get(provider)!.set(sandboxUserId, ids[provider]);
    }
    const user = { sandboxUserId, persona, providerUserIds: ids };
    users.set(sandboxUserId, user);
    return user;
  }

  function reset(): void {
    users.clear();
    faults.clear();
    for (const provider of SANDBOX_ROOTS) {
      providerUserIds.get(provider)!.clear();
      oauth[provider].reset();
      fakeAt(provider).reset();
      counts[provider] = 0;
    }
  }

  async function handleProvider(
    provider: SandboxRoot,
    req: IncomingMessage,
    path: string,
    url: URL,
  ): Promise<SandboxReply> {
    const fake = fakeAt(provider);
    const shape = fake.oauthShape;
    const server = oauth[provider];
    const method = req.method ?? 'GET';
    const rawBody = await readBody(req);

    const fault = faults.take(provider, method, path);
    if (fault?.kind === 'latency') await sleep(fault.ms ?? 1000);
    if (fault?.kind === 'reset') {
      req.socket.destroy();
      return { status: 0 };
    }
    if (fault?.kind === 'status' && fake.errorReplies)
      return fake.errorReplies.fault(fault.status ?? 500, fault.retryAfterSeconds);
    if (fault?.kind === 'status')
      return {
        status: fault.status ?? 500,
        headers:
          fault.retryAfterSeconds !== undefined ? { 'retry-after': String(fault.retryAfterSeconds) } : {},
        body: { message: `sandbox fault: ${fault.status ?? 500}` },
      };
    if (fault?.kind === 'malformed')
      return { status: 200, headers: { 'content-type': 'application/json' }, body: '{"truncated": [1, 2' };

    if (path === shape.authorizePath && method === 'GET') {
      const redirectUri = url.searchParams.get('redirect_uri');
      const state = url.searchParams.get('state');
      const target = redirectUri ? new URL(redirectUri) : undefined;
      if (!target)
        return {
          status: 400,
          body: { error: 'invalid_request', error_description: 'redirect_uri is required' },
        };
      if (state) target.searchParams.set('state', state);
      if (url.searchParams.get('sandbox_deny') === '1') {
        target.searchParams.set('error', 'access_denied');
        return { status: 302, headers: { location: target.toString() } };
      }
      const requested = url.searchParams.get('sandbox_user');
      const sandboxUserId = requested && users.has(requested) ? requested : createUser().sandboxUserId;
      const result = server.authorize({
        clientId: url.searchParams.get('client_id'),
        redirectUri,
        responseType: url.searchParams.get('response_type'),
        scope: url.searchParams.get('scope'),
        sandboxUserId,
        codeChallenge: url.searchParams.get('code_challenge'),
        codeChallengeMethod: url.searchParams.get('code_challenge_method'),
      });
      if (result.ok) target.searchParams.set('code', result.code);
      else {
        target.searchParams.set('error', result.error);
        target.searchParams.set('error_description', result.description);
      }
      return { status: 302, headers: { location: target.toString() } };
    }
    if (path === shape.tokenPath && method === 'POST') {
      const form = new URLSearchParams(rawBody.toString('utf8'));
      const result = server.exchange(
        form,
        basicCredentials(req.headers.authorization),
        shape.clientAuth,
        shape.rotateRefreshTokens ?? true,
      );
      if (!result.ok)
        return {
          status: result.status,
          body: shape.errorJson?.(result.error, result.description) ?? {
            error: result.error,
            error_description: result.description,
          },
        };
      return {
        status: 200,
        body: shape.tokenJson(result.grant, form.get('grant_type') as 'authorization_code' | 'refresh_token'),
      };
    }
    if (shape.revocation && path === shape.revocation.path && method === 'POST')
      return revocationReply(
        shape.revocation,
        server,
        {
          form: new URLSearchParams(rawBody.toString('utf8')),
          query: url.searchParams,
          authorization: req.headers.authorization,
        },
        (error, description) =>
          shape.errorJson?.(error, description) ?? { error, error_description: description },
      );

    counts[provider] += 1;
    const check =
      fault?.kind === 'expired_token'
        ? ({ ok: false, reason: 'expired' } as const)
        : server.check(req.headers.authorization);
    if (!check.ok && fake.errorReplies)
      return fake.errorReplies.unauthenticated(
        /^Bearer\s+\S+$/i.test(req.headers.authorization ?? '') ? check.reason : 'missing',
      );
    if (!check.ok)
      return {
        status: 401,
        headers: { 'www-authenticate': `Bearer error="invalid_token", error_description="${check.reason}"` },
        body: {
          message: 'Authorization Error',
          errors: [{ errorType: check.reason === 'expired' ? 'expired_token' : 'invalid_token' }],
        },
      };
    const request: SandboxRequest = {
      method,
      path,
      query: url.searchParams,
      headers: req.headers,
      rawBody,
      userId: check.sandboxUserId,
    };
    return (
      (await fake.handle(request)) ??
      fake.errorReplies?.notFound(request) ?? {
        status: 404,
        body: { message: 'Record Not Found', errors: [{ resource: path, code: 'not found' }] },
      }
    );
  }

  async function handleAdmin(req: IncomingMessage, path: string, url: URL): Promise<SandboxReply> {
    const method = req.method ?? 'GET';
    const raw = await readBody(req);
    const json = (): Record<string, unknown> =>
      raw.length ? (JSON.parse(raw.toString('utf8')) as Record<string, unknown>) : {};
    const parts = path.split('/').filter(Boolean); // ['_sandbox', ...]
    if (method === 'POST' && parts[1] === 'users' && parts.length === 2) {
      const body = json();
      const user = createUser({
        ...(typeof body.name === 'string' ? { name: body.name } : {}),
        ...(body.persona && typeof body.persona === 'object'
          ? { persona: body.persona as PersonaOptions }
          : {}),
      });
      return {
        status: 201,
        body: {
          sandboxUserId: user.sandboxUserId,
          providerUserIds: user.providerUserIds,
          persona: user.persona,
        },
      };
    }
    if (parts[1] === 'users' && parts[2]) {
      const user = users.get(parts[2]);
      if (!user) return { status: 404, body: { error: 'unknown sandbox user' } };
      const provider = url.searchParams.get('provider') as SandboxRoot | null;
      if (provider && !SANDBOX_ROOTS.includes(provider))
        return { status: 400, body: { error: 'unknown provider' } };
      if (method === 'GET' && parts[3] === 'records' && provider) {
        const dataType = (url.searchParams.get('dataType') ?? 'workout') as DataType;
        return { status: 200, body: fakeAt(provider).records(user.sandboxUserId, dataType) };
      }
      if (method === 'POST' && parts[3] === 'expire-tokens' && provider) {
        oauth[provider].expireAccessTokens(user.sandboxUserId);
        return { status: 204 };
      }
      if (method === 'POST' && parts[3] === 'revoke' && provider) {
        oauth[provider].revokeUser(user.sandboxUserId);
        return { status: 204 };
      }
      if (method === 'GET' && parts[3] === 'grants' && provider)
        return { status: 200, body: oauth[provider].grants(user.sandboxUserId) };
      if (method === 'GET' && parts.length === 3) return { status: 200, body: user };
    }
    if (parts[1] === 'faults') {
      if (method === 'POST') {
        faults.add(json() as unknown as FaultRule);
        return { status: 204 };
      }
      if (method === 'DELETE') {
        faults.clear();
        return { status: 204 };
      }
    }
    if (method === 'POST' && parts[1] === 'configure') {
      const body = json();
      const provider = body.provider as SandboxRoot;
      if (!SANDBOX_ROOTS.includes(provider)) return { status: 400, body: { error: 'unknown provider' } };
      fakeAt(provider).configure?.((body.settings ?? {}) as Record<string, unknown>);
      if (typeof body.accessTokenTtlSeconds === 'number')
        oauth[provider].accessTokenTtlSeconds = body.accessTokenTtlSeconds;
      return { status: 204 };
    }
    if (method === 'GET' && parts[1] === 'stats')
      return {
        status: 200,
        body: {
          requests: counts,
          oauth: Object.fromEntries(SANDBOX_ROOTS.map((p) => [p, oauth[p].stats])),
          faultsApplied: faults.applied,
        },
      };
    if (method === 'POST' && parts[1] === 'reset') {
      reset();
      return { status: 204 };
    }
    return { status: 404, body: { error: 'unknown sandbox admin route' } };
  }

  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://sandbox.local');
    const [, first = '', ...rest] = url.pathname.split('/');
    const provider = SANDBOX_ROOTS.find((p) => p === first);
    const work =
      first === '_sandbox'
        ? handleAdmin(req, url.pathname, url)
        : provider
          ? handleProvider(provider, req, `/${rest.join('/')}`, url)
          : Promise.resolve<SandboxReply>({ status: 404, body: { error: 'unknown provider root' } });
    work.then(
      (reply) => {
        if (reply.status !== 0) send(res, reply);
      },
      (error: unknown) =>
        send(res, { status: 500, body: { error: 'sandbox failure', detail: String(error) } }),
    );
  });
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  let stopped: Promise<void> | undefined;

  return {
    url: `http://127.0.0.1:${port}`,
    fakes,
    oauth,
    faults,
    createUser,
    user: (id) => users.get(id),
    records: (provider, id, dataType) => fakeAt(provider).records(id, dataType),
    requestCounts: () => ({ ...counts }),
    reset,
    stop: () =>
      (stopped ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      })),
  };
}
