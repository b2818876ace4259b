// A local fake of FCM HTTP v1 and of Google's OAuth token endpoint, on one TLS server (clients are
// sent here by core/push/fcmHttpAgent.ts, still naming fcm.googleapis.com / oauth2.googleapis.com):
// - POST /token: the service-account JWT-bearer grant. The assertion must be RS256, signed by the
//   configured service account's key, `iss` = its client_email, `aud` = the token URL, a scope
//   covering FCM, not expired; else 400 invalid_grant. Answers an access token valid for an hour.
// - POST /v1/projects/<id>/messages:send: `Authorization: Bearer` must be a live token it issued
//   (401 UNAUTHENTICATED), the project its own (403 PERMISSION_DENIED), the message one token
//   target with string-only data (400 INVALID_ARGUMENT). Answers `{ name }`, or google.rpc errors
//   whose details carry `type.googleapis.com/google.firebase.fcm.v1.FcmError` with UNREGISTERED
//   (404, tokens marked unregistered), INVALID_ARGUMENT (400, malformed tokens) or whatever
//   `failNext` says (429 QUOTA_EXCEEDED, 503 UNAVAILABLE, with Retry-After).
// Every authenticated send is recorded (headers without authorization, and the message).
import { randomBytes, randomUUID } from 'node:crypto';
import type { Http2ServerRequest, Http2ServerResponse } from 'node:http2';
import { importSPKI, jwtVerify } from 'jose';
import { recordableHeaders, sendJson, startFakeServer, type FakeServer } from './fakeHttp.js';
import { libraryNow } from './libraryClock.js';
import type { FakeTls } from './tlsMaterial.js';

export interface FcmFakeOptions {
  projectId: string;
  /** The service account allowed to send: its client_email and public key (SPKI PEM). */
  clientEmail: string;
  publicKey: string;
  tls: FakeTls;
  /** Epoch ms JWTs and access tokens are judged against; default the system clock (libraryClock.ts). */
  now?: () => number;
}

export type FcmErrorCode =
  'UNREGISTERED' | 'INVALID_ARGUMENT' | 'QUOTA_EXCEEDED' | 'UNAVAILABLE' | 'INTERNAL' | 'SENDER_ID_MISMATCH';

export interface FcmFailure {
  status: number;
  errorCode: FcmErrorCode;
  /** Seconds, sent as the Retry-After header. */
  retryAfter?: number;
}

export interface ReceivedFcmMessage {
  token: string | undefined;
  headers: Record<string, string>;
  /** The v1 `message` object as sent (snake_case, as on the wire). */
  message: Record<string, unknown>;
  status: number;
  errorCode?: string;
}

const TOKEN_URL = 'https://oauth2.googleapis.com/token';
const FCM_SCOPES = [
  'https://www.googleapis.com/auth/firebase.messaging',
  'https://www.googleapis.com/auth/cloud-platform',
];
const ACCESS_TOKEN_TTL_S = 3600;
/** Real registration tokens look like `<instance id>:<APA91b...>`. */
const TOKEN = /^[A-Za-z0-9_-]{8,}:[A-Za-z0-9_-]{20,}$/;
const RPC_STATUS: Record<number, string> = {
  400: 'INVALID_ARGUMENT',
  401: 'UNAUTHENTICATED',
  403: 'PERMISSION_DENIED',
  404: 'NOT_FOUND',
  429: 'RESOURCE_EXHAUSTED',
  500: 'INTERNAL',
  503: 'UNAVAILABLE',
};
const FCM_ERROR_TYPE = 'type.googleapis.com/google.firebase.fcm.v1.FcmError';

function rpcError(status: number, message: string, errorCode?: string) {
  return {
    error: {
      code: status,
      message,
      status: RPC_STATUS[status] ?? 'UNKNOWN',
      ...(errorCode ? { details: [{ '@type': FCM_ERROR_TYPE, errorCode }] } : {}),
    },
  };
}

const MESSAGES: Record<FcmErrorCode, string> = {
  UNREGISTERED: 'Requested entity was not found.',
  INVALID_ARGUMENT: 'The registration token is not a valid FCM registration token',
  QUOTA_EXCEEDED: 'Quota exceeded for quota metric on the sending project.',
  UNAVAILABLE: 'The service is currently unavailable.',
  INTERNAL: 'Internal error encountered.',
  SENDER_ID_MISMATCH: 'SenderId mismatch',
};

export class FcmFake {
  private readonly messages: ReceivedFcmMessage[] = [];
  private readonly accessTokens = new Map<string, number>();
  private readonly unregistered = new Set<string>();
  private readonly failures = new Map<string, FcmFailure[]>();
  /** Token grants answered, successful or not. */
  tokenRequests = 0;

  private constructor(
    private readonly options: FcmFakeOptions,
    private readonly key: Awaited<ReturnType<typeof importSPKI>>,
    private server: FakeServer | undefined,
  ) {}

  static async start(options: FcmFakeOptions): Promise<FcmFake> {
    const fake = new FcmFake(options, await importSPKI(options.publicKey, 'RS256'), undefined);
    fake.server = await startFakeServer(options.tls, (req, res, body) => fake.handle(req, res, body));
    return fake;
  }

  get port(): number {
    return this.server!.port;
  }

  /** FCM_ENDPOINT's value. */
  get endpoint(): string {
    return `127.0.0.1:${this.port}`;
  }

  received(): ReceivedFcmMessage[] {
    return [...this.messages];
  }

  clear(): void {
    this.messages.length = 0;
  }

  /** Later sends to `token` get 404 UNREGISTERED. */
  markUnregistered(token: string): void {
    this.unregistered.add(token);
  }

  /** The next `times` sends to `token` ('*': any token) get this answer. */
  failNext(token: string, failure: FcmFailure, times = 1): void {
    this.failures.set(token, [
      ...(this.failures.get(token) ?? []),
      ...Array<FcmFailure>(times).fill(failure),
    ]);
  }

  /** Forgets every access token issued: the next send with one gets 401. */
  revokeAccessTokens(): void {
    this.accessTokens.clear();
  }

  async close(): Promise<void> {
    await this.server?.close();
  }

  private now(): number {
    return (this.options.now ?? libraryNow)();
  }

  private async handle(req: Http2ServerRequest, res: Http2ServerResponse, body: string): Promise<void> {
    if (req.method === 'POST' && req.url === '/token') return this.grant(res, body);
    const send = /^\/v1\/projects\/([^/]+)\/messages:send$/.exec(req.url);
    if (req.method !== 'POST' || !send) return sendJson(res, 404, rpcError(404, 'Not found'));
    const bearer = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
    const expires = bearer ? this.accessTokens.get(bearer) : undefined;
    if (expires === undefined || expires <= this.now())
      return sendJson(
        res,
        401,
        rpcError(401, 'Request had invalid authentication credentials. Expected OAuth 2 access token.'),
      );
    if (send[1] !== this.options.projectId)
      return sendJson(res, 403, rpcError(403, 'Permission denied on resource project.'));
    let message: Record<string, unknown> = {};
    try {
      message = (JSON.parse(body) as { message?: Record<string, unknown> }).message ?? {};
    } catch {
      // judged below as an invalid message
    }
    const token = typeof message.token === 'string' ? message.token : undefined;
    const { status, errorCode } = this.judge(message, token);
    const failure = status === 200 && token ? this.takeFailure(token) : undefined;
    const headers = recordableHeaders(req);
    if (failure) {
      this.messages.push({ token, headers, message, status: failure.status, errorCode: failure.errorCode });
      const retryAfter =
        failure.retryAfter !== undefined ? { 'retry-after': String(failure.retryAfter) } : undefined;
      return sendJson(
        res,
        failure.status,
        rpcError(failure.status, MESSAGES[failure.errorCode], failure.errorCode),
        retryAfter,
      );
    }
    this.messages.push({ token, headers, message, status, ...(errorCode ? { errorCode } : {}) });
    if (status !== 200)
      return sendJson(
        res,
        status,
        rpcError(
          status,
          errorCode ? (MESSAGES[errorCode as FcmErrorCode] ?? errorCode) : 'Invalid message',
          errorCode,
        ),
      );
    sendJson(res, 200, { name: `projects/${this.options.projectId}/messages/${randomUUID()}` });
  }

  private judge(
    message: Record<string, unknown>,
    token: string | undefined,
  ): { status: number; errorCode?: string } {
    const invalid = { status: 400, errorCode: 'INVALID_ARGUMENT' };
    if (!token || 'topic' in message || 'condition' in message) return { status: 400 };
    const data = message.data;
    if (
      data !== undefined &&
      (typeof data !== 'object' || data === null || Object.values(data).some((v) => typeof v !== 'string'))
    )
      return { status: 400 };
    const notification = message.notification as Record<string, unknown> | undefined;
    if (
      notification !== undefined &&
      (typeof notification.title !== 'string' || typeof notification.body !== 'string')
    )
      return { status: 400 };
    const priority = (message.android as { priority?: unknown } | undefined)?.priority;
    if (priority !== undefined && !['high', 'normal', 'HIGH', 'NORMAL'].includes(String(priority)))
      return { status: 400 };
    if (!TOKEN.test(token)) return invalid;
    if (this.unregistered.has(token)) return { status: 404, errorCode: 'UNREGISTERED' };
    return { status: 200 };
  }

  private takeFailure(token: string): FcmFailure | undefined {
    for (const key of [token, '*']) {
      const queue = this.failures.get(key);
      if (queue?.length) return queue.shift();
    }
    return undefined;
  }

  /** Google's token endpoint, JWT-bearer grant only. */
  private async grant(res: Http2ServerResponse, body: string): Promise<void> {
    this.tokenRequests += 1;
    const form = new URLSearchParams(body);
    const refuse = (description: string) =>
      sendJson(res, 400, { error: 'invalid_grant', error_description: description });
    if (form.get('grant_type') !== 'urn:ietf:params:oauth:grant-type:jwt-bearer')
      return refuse('Invalid grant_type.');
    const nowS = Math.floor(this.now() / 1000);
    try {
      const { payload } = await jwtVerify(form.get('assertion') ?? '', this.key, {
        algorithms: ['RS256'],
        issuer: this.options.clientEmail,
        audience: TOKEN_URL,
        currentDate: new Date(nowS * 1000),
        requiredClaims: ['iat', 'exp'],
      });
      const scopes = typeof payload.scope === 'string' ? payload.scope.split(' ') : [];
      if (!scopes.some((s) => FCM_SCOPES.includes(s))) return refuse('Invalid scope.');
      if (payload.exp! - payload.iat! > 3600)
        return refuse('Invalid JWT: Token must be a short-lived token (60 minutes).');
    } catch {
      return refuse('Invalid JWT Signature.');
    }
    const accessToken = `ya29.fake-${randomBytes(24).toString('base64url')}`;
    this.accessTokens.set(accessToken, (nowS + ACCESS_TOKEN_TTL_S) * 1000);
    sendJson(res, 200, {
      access_token: accessToken,
      expires_in: ACCESS_TOKEN_TTL_S - 1,
      token_type: 'Bearer',
    });
  }
}
