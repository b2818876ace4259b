// APNs adapter of the push port: @parse/node-apn over HTTP/2 with token-based provider
// authentication (an ES256 JWT from the team's .p8 key, renewed by the library before it is an
// hour old). One HTTP/2 session per APNs environment, opened on first use.
// Endpoint override (the local fake): node-apn connects to `https://${address}` with `port` and
// `ca` handed to tls.connect (lib/client.js, lib/config.js), so `address: '127.0.0.1'`, the fake's
// port and its CA are all it takes; Apple's hosts are the default otherwise.
// node-apn would retry 408/429/5xx itself, immediately (it looks for a `Retry-After` header
// under a name HTTP/2 never delivers, and strips it from its errors anyway): retries are switched
// off (`connectionRetryLimit: 0`) and left to the caller, which gets `transient`.
// CommonJS: the default import is module.exports; the types come by name.
import apn from '@parse/node-apn';
import type { Notification, Provider, ResponseFailure, ResponseSent } from '@parse/node-apn';
import { clock } from '../clock/clock.js';
import type { Logger } from '../logging/logger.js';
import { assertSafePush, isPlausibleToken } from './pushPayloadGuard.js';
import {
  tokenHint,
  untilAborted,
  type PushMessage,
  type PushResult,
  type PushSender,
  type PushTarget,
} from './pushSender.js';

export interface ApnsSettings {
  /** The .p8 key's id (10 characters, from Apple's developer portal). */
  keyId: string;
  teamId: string;
  /** The app's bundle id: every push goes to this topic. */
  topic: string;
  /** The .p8 key, PEM (PKCS#8, P-256). */
  key: string;
  /** Instead of Apple's hosts: the local fake (both environments then go there). */
  endpoint?: { host: string; port: number; ca?: string };
  /** Per request, milliseconds (node-apn's default is 5 s). */
  requestTimeoutMs?: number;
}

type Environment = 'production' | 'sandbox';

const SHUTDOWN_WAIT_MS = 1000;

/** APNs reasons that mean the token will never work again for this app: prune it. */
const DEAD_TOKEN = new Set(['Unregistered', 'BadDeviceToken', 'ExpiredToken']);
/** Our provider token or key was refused: a configuration problem, not this push's. */
const AUTH = new Set([
  'InvalidProviderToken',
  'MissingProviderToken',
  'UnrelatedKeyIdInToken',
  'BadCertificate',
  'BadCertificateEnvironment',
  'Forbidden',
]);

/** Maps one node-apn failure (status + APNs reason, or a connection error) to a PushResult. */
export function apnsFailureResult(failure: ResponseFailure): PushResult {
  const status = failure.status;
  // No answer from APNs: connection refused or reset, TLS failure, timeout.
  if (status === undefined) return { outcome: 'transient', reason: 'ApnsUnreachable' };
  // node-apn keeps APNs' body as `response`, except for ExpiredProviderToken and a 500
  // InternalServerError, which it turns into an `error` (named after the reason for the former).
  const reason =
    failure.response?.reason ??
    (failure.error?.message === 'ExpiredProviderToken' ? 'ExpiredProviderToken' : `HTTP ${status}`);
  if (status === 410 || DEAD_TOKEN.has(reason)) {
    const ts = Number(failure.response?.timestamp);
    return {
      outcome: 'unregistered',
      reason,
      ...(Number.isFinite(ts) && ts > 0 ? { unregisteredAt: new Date(ts).toISOString() } : {}),
    };
  }
  // node-apn has already renewed the token: the next attempt carries a fresh one.
  if (reason === 'ExpiredProviderToken') return { outcome: 'transient', reason };
  if (AUTH.has(reason) || status === 403) return { outcome: 'failed', failure: 'provider_auth', reason };
  if (status === 429 || status >= 500) return { outcome: 'transient', reason };
  // Includes DeviceTokenNotForTopic: pruning on it would wipe every device if APNS_TOPIC were wrong.
  return { outcome: 'failed', failure: 'rejected', reason };
}

function notificationFor(message: PushMessage, topic: string): Notification {
  const note = new apn.Notification();
  note.topic = topic;
  if (message.kind === 'silent') {
    note.contentAvailable = true;
    note.pushType = 'background';
    // Apple refuses priority 10 for a push that only has content-available.
    note.priority = 5;
    note.payload = { ...message.data };
  } else {
    note.alert = { title: message.title, body: message.body };
    note.pushType = 'alert';
    note.priority = 10;
    note.payload = { ...message.data };
  }
  if (message.collapseKey !== undefined) note.collapseId = message.collapseKey;
  if (message.ttlSeconds !== undefined) note.expiry = Math.floor(clock.now() / 1000) + message.ttlSeconds;
  return note;
}

/**
 * Provider.shutdown takes a callback and returns nothing (its typings say Promise), and never calls
 * back when its session died before connecting (it waits for a 'close' event that has already
 * fired). Such a session is destroyed already, so after a moment we go on without the callback.
 */
function shutdown(provider: Provider): Promise<void> {
  return new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, SHUTDOWN_WAIT_MS).unref();
    void provider.shutdown(() => {
      clearTimeout(timer);
      resolve();
    });
  });
}

export class ApnsPushSender implements PushSender {
  private readonly providers = new Map<Environment, Provider>();
  private closed = false;

  constructor(
    private readonly settings: ApnsSettings,
    private readonly logger?: Logger,
  ) {}

  async send(target: PushTarget, message: PushMessage, signal?: AbortSignal): Promise<PushResult> {
    assertSafePush(message);
    signal?.throwIfAborted();
    if (this.closed) return { outcome: 'failed', failure: 'not_configured', reason: 'SenderClosed' };
    if (!isPlausibleToken(target))
      return this.report(target, { outcome: 'unregistered', reason: 'MalformedToken' });
    const provider = this.provider(target.apnsEnvironment ?? 'production');
    let result: PushResult;
    try {
      const { sent, failed } = await untilAborted(
        provider.send(notificationFor(message, this.settings.topic), target.token),
        signal,
      );
      const ok = sent[0] as (ResponseSent & { 'apns-id'?: string }) | undefined;
      if (ok) result = { outcome: 'delivered', ...(ok['apns-id'] ? { messageId: ok['apns-id'] } : {}) };
      else if (failed[0]) result = apnsFailureResult(failed[0]);
      else result = { outcome: 'transient', reason: 'ApnsNoAnswer' };
    } catch (err) {
      if (signal?.aborted) throw signal.reason;
      // node-apn rejects with plain objects ({ device, error }); nothing of it goes upward.
      result = { outcome: 'transient', reason: 'ApnsClientError' };
      this.logger?.warn(
        { err: err instanceof Error ? err.message : 'non-error rejection' },
        'apns: send failed',
      );
    }
    return this.report(target, result);
  }

  async close(): Promise<void> {
    this.closed = true;
    const providers = [...this.providers.values()];
    this.providers.clear();
    await Promise.all(providers.map(shutdown));
  }

  private provider(environment: Environment): Provider {
    // With an endpoint override both environments share the one fake.
    const key: Environment = this.settings.endpoint ? 'production' : environment;
    let provider = this.providers.get(key);
    if (!provider) {
      const { keyId, teamId, key: p8, endpoint, requestTimeoutMs } = this.settings;
      provider = new apn.Provider({
        token: { key: p8, keyId, teamId },
        production: key === 'production',
        connectionRetryLimit: 0,
        ...(requestTimeoutMs !== undefined ? { requestTimeout: requestTimeoutMs } : {}),
        ...(endpoint
          ? { address: endpoint.host, port: endpoint.port, ...(endpoint.ca ? { ca: [endpoint.ca] } : {}) }
          : {}),
      });
      this.providers.set(key, provider);
    }
    return provider;
  }

  private report(target: PushTarget, result: PushResult): PushResult {
    if (result.outcome !== 'delivered')
      this.logger?.warn(
        {
          platform: 'ios',
          tokenHint: tokenHint(target.token),
          outcome: result.outcome,
          reason: result.reason,
        },
        'apns: push not delivered',
      );
    return result;
  }
}
