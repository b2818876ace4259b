// A local fake of the APNs provider API (HTTP/2 over TLS): POST /3/device/<token> with token-based
// provider authentication, as Apple documents it ("Sending notification requests to APNs",
// "Establishing a token-based connection to APNs"). It checks what Apple checks and answers with
// Apple's status codes and `reason`s, so the real adapter (node-apn) runs unchanged against it:
// - `authorization: bearer <JWT>`: ES256, signed by the configured key, `kid` = key id,
//   `iss` = team id; missing → 403 MissingProviderToken, bad → 403 InvalidProviderToken, `iat`
//   older than an hour → 403 ExpiredProviderToken;
// - `apns-topic` = the bundle id (400 MissingTopic / TopicDisallowed); `apns-push-type` present and
//   matching the payload (background: priority 5, `content-available: 1`, no alert/sound/badge;
//   alert: an `aps.alert`), else 400 InvalidPushType / BadPriority; `apns-priority` 5 or 10;
//   `apns-collapse-id` ≤ 64 bytes; payload ≤ 4 KB (413 PayloadTooLarge);
// - tokens: 64–200 hex digits (else 400 BadDeviceToken); marked unregistered → 410 Unregistered
//   with the timestamp; `failNext` → any status and reason (429 TooManyRequests, 503...).
// Every request that passed authentication is recorded (headers + payload) for tests to assert on.
import { randomUUID } from 'node:crypto';
import type { Http2ServerRequest, Http2ServerResponse } from 'node:http2';
import { decodeProtectedHeader, importSPKI, jwtVerify } from 'jose';
import { recordableHeaders, sendJson, startFakeServer, type FakeServer } from './fakeHttp.js';
import { libraryNow } from './libraryClock.js';
import type { FakeTls } from './tlsMaterial.js';

export interface ApnsFakeOptions {
  keyId: string;
  teamId: string;
  /** The bundle id the provider key may push to. */
  topic: string;
  /** The public half of the .p8 key (SPKI PEM). */
  publicKey: string;
  tls: FakeTls;
  /** Epoch ms the token's `iat` is judged against; default the system clock (libraryClock.ts). */
  now?: () => number;
}

export interface ApnsFailure {
  status: number;
  reason: string;
}

export interface ReceivedApnsPush {
  token: string;
  /** `apns-*` and other request headers (not `authorization`). */
  headers: Record<string, string>;
  payload: unknown;
  /** The status the fake answered. */
  status: number;
  reason?: string;
}

const TOKEN = /^[0-9a-fA-F]{64,200}$/;
const PUSH_TYPES = new Set([
  'alert',
  'background',
  'voip',
  'complication',
  'fileprovider',
  'mdm',
  'liveactivity',
  'location',
  'pushtotalk',
  'widgets',
]);
const MAX_PAYLOAD = 4096;
const TOKEN_LIFETIME_S = 3600;
const CLOCK_SKEW_S = 60;

export class ApnsFake {
  private readonly pushes: ReceivedApnsPush[] = [];
  private readonly unregistered = new Map<string, number>();
  private readonly failures = new Map<string, ApnsFailure[]>();

  private constructor(
    private readonly options: ApnsFakeOptions,
    private readonly key: Awaited<ReturnType<typeof importSPKI>>,
    private server: FakeServer | undefined,
  ) {}

  static async start(options: ApnsFakeOptions): Promise<ApnsFake> {
    const fake = new ApnsFake(options, await importSPKI(options.publicKey, 'ES256'), undefined);
    fake.server = await startFakeServer(options.tls, (req, res, body) => fake.handle(req, res, body));
    return fake;
  }

  get port(): number {
    return this.server!.port;
  }

  /** APNS_ENDPOINT's value. */
  get endpoint(): string {
    return `127.0.0.1:${this.port}`;
  }

  received(): ReceivedApnsPush[] {
    return [...this.pushes];
  }

  clear(): void {
    this.pushes.length = 0;
  }

  /** Later pushes to `token` get 410 Unregistered, dated `atMs`. */
  markUnregistered(token: string, atMs: number = this.now()): void {
    this.unregistered.set(token.toLowerCase(), atMs);
  }

  /** The next `times` pushes to `token` ('*': any token) get this answer. */
  failNext(token: string, failure: ApnsFailure, times = 1): void {
    const key = token === '*' ? '*' : token.toLowerCase();
    this.failures.set(key, [...(this.failures.get(key) ?? []), ...Array<ApnsFailure>(times).fill(failure)]);
  }

  async close(): Promise<void> {
    await this.server?.close();
  }

  private now(): number {
    return (this.options.now ?? libraryNow)();
  }

  private async handle(req: Http2ServerRequest, res: Http2ServerResponse, body: string): Promise<void> {
    const apnsId = (req.headers['apns-id'] as string | undefined) ?? randomUUID();
    const answer = (status: number, reason?: string, extra: Record<string, unknown> = {}) => {
      if (status === 200) {
        res.writeHead(200, { 'apns-id': apnsId });
        res.end();
      } else sendJson(res, status, { reason, ...extra }, { 'apns-id': apnsId });
      return { status, ...(reason ? { reason } : {}) };
    };
    const match = /^\/3\/device\/([^/?]*)$/.exec(req.url);
    if (req.method !== 'POST') return void answer(405, 'MethodNotAllowed');
    if (!match) return void answer(404, 'BadPath');
    const authError = await this.checkProviderToken(req.headers.authorization);
    if (authError) return void answer(403, authError);

    const token = match[1]!.toLowerCase();
    let payload: unknown;
    try {
      payload = JSON.parse(body);
    } catch {
      payload = undefined;
    }
    const outcome = this.judge(req, token, payload, body);
    const failure = outcome.status === 200 ? this.takeFailure(token) : undefined;
    const result =
      outcome.status !== 200
        ? answer(outcome.status, outcome.reason, outcome.extra)
        : failure
          ? answer(failure.status, failure.reason)
          : answer(200);
    this.pushes.push({ token, headers: recordableHeaders(req), payload, ...result });
  }

  private judge(
    req: Http2ServerRequest,
    token: string,
    payload: unknown,
    body: string,
  ): { status: number; reason?: string; extra?: Record<string, unknown> } {
    const h = (name: string) => req.headers[name] as string | undefined;
    if (!token) return { status: 400, reason: 'MissingDeviceToken' };
    if (!TOKEN.test(token)) return { status: 400, reason: 'BadDeviceToken' };
    if (!h('apns-topic')) return { status: 400, reason: 'MissingTopic' };
    if (h('apns-topic') !== this.options.topic) return { status: 400, reason: 'TopicDisallowed' };
    const pushType = h('apns-push-type');
    if (!pushType || !PUSH_TYPES.has(pushType)) return { status: 400, reason: 'InvalidPushType' };
    const priority = h('apns-priority') ?? '10';
    if (priority !== '5' && priority !== '10' && priority !== '1')
      return { status: 400, reason: 'BadPriority' };
    const collapseId = h('apns-collapse-id');
    if (collapseId !== undefined && Buffer.byteLength(collapseId) > 64)
      return { status: 400, reason: 'BadCollapseId' };
    const expiration = h('apns-expiration');
    if (expiration !== undefined && !/^\d+$/.test(expiration))
      return { status: 400, reason: 'BadExpirationDate' };
    if (Buffer.byteLength(body) > MAX_PAYLOAD) return { status: 413, reason: 'PayloadTooLarge' };
    const aps = (payload as { aps?: Record<string, unknown> } | undefined)?.aps;
    if (!aps || typeof aps !== 'object') return { status: 400, reason: 'PayloadEmpty' };
    if (pushType === 'background') {
      // Apple: a push with only content-available must not use priority 10.
      if (priority === '10') return { status: 400, reason: 'BadPriority' };
      if (aps['content-available'] !== 1 || 'alert' in aps || 'sound' in aps || 'badge' in aps)
        return { status: 400, reason: 'InvalidPushType' };
    }
    if (pushType === 'alert' && !aps.alert) return { status: 400, reason: 'InvalidPushType' };
    const since = this.unregistered.get(token);
    if (since !== undefined) return { status: 410, reason: 'Unregistered', extra: { timestamp: since } };
    return { status: 200 };
  }

  private takeFailure(token: string): ApnsFailure | undefined {
    for (const key of [token, '*']) {
      const queue = this.failures.get(key);
      if (queue?.length) return queue.shift();
    }
    return undefined;
  }

  /** Undefined when the provider token is good, else Apple's reason. */
  private async checkProviderToken(authorization: string | undefined): Promise<string | undefined> {
    const jwt = /^bearer (.+)$/i.exec(authorization ?? '')?.[1];
    if (!jwt) return 'MissingProviderToken';
    try {
      if (decodeProtectedHeader(jwt).kid !== this.options.keyId) return 'InvalidProviderToken';
      const nowS = Math.floor(this.now() / 1000);
      const { payload } = await jwtVerify(jwt, this.key, {
        algorithms: ['ES256'],
        issuer: this.options.teamId,
        currentDate: new Date(nowS * 1000),
      });
      if (typeof payload.iat !== 'number' || payload.iat > nowS + CLOCK_SKEW_S) return 'InvalidProviderToken';
      if (nowS - payload.iat > TOKEN_LIFETIME_S) return 'ExpiredProviderToken';
      return undefined;
    } catch {
      return 'InvalidProviderToken';
    }
  }
}
