// FCM adapter of the push port: firebase-admin's messaging().send() (FCM HTTP v1, one request per
// push) with a service-account credential (serviceAccountCredential.ts: a JWT signed with the
// account's key, exchanged for an OAuth access token at Google's token endpoint). The local fake
// speaks both the token endpoint and FCM, and FcmHttpAgent sends both there (see fcmHttpAgent.ts).
// firebase-admin itself retries a 503 up to 4 times when its Retry-After is at most 60 s (or has
// none); anything else comes back at once as a FirebaseMessagingError, mapped here to a PushResult.
import { randomUUID } from 'node:crypto';
import { deleteApp, initializeApp, type App } from 'firebase-admin/app';
import { getMessaging, type Message, type Messaging } from 'firebase-admin/messaging';
import type { Logger } from '../logging/logger.js';
import { FcmHttpAgent, type HostRedirect } from './fcmHttpAgent.js';
import { assertSafePush, isPlausibleToken } from './pushPayloadGuard.js';
import { ServiceAccountCredential, type ServiceAccountKey } from './serviceAccountCredential.js';
import {
  tokenHint,
  untilAborted,
  type PushMessage,
  type PushResult,
  type PushSender,
  type PushTarget,
} from './pushSender.js';

export interface FcmSettings {
  /** The Firebase project the Android app is registered in. */
  projectId: string;
  serviceAccount: ServiceAccountKey;
  /** Instead of Google's hosts: the local fake (FCM and the OAuth token endpoint). */
  endpoint?: HostRedirect;
}

const errorCode = (err: unknown): string =>
  typeof err === 'object' && err !== null && 'code' in err && typeof err.code === 'string'
    ? err.code
    : 'unknown';

/** Maps a firebase-admin error (codes from its utils/error.js) to a PushResult. */
export function fcmErrorResult(err: unknown, retryAfterSeconds?: number): PushResult {
  const code = errorCode(err);
  const message = err instanceof Error ? err.message : '';
  const transient = (): PushResult => ({
    outcome: 'transient',
    reason: code,
    ...(retryAfterSeconds !== undefined ? { retryAfterSeconds } : {}),
  });
  switch (code) {
    case 'messaging/registration-token-not-registered': // UNREGISTERED, NOT_FOUND
    case 'messaging/invalid-registration-token':
      return { outcome: 'unregistered', reason: code };
    case 'messaging/invalid-argument': // INVALID_ARGUMENT: the token, or (our bug) the message
      return /registration token/i.test(message)
        ? { outcome: 'unregistered', reason: code }
        : { outcome: 'failed', failure: 'rejected', reason: code };
    case 'messaging/message-rate-exceeded': // QUOTA_EXCEEDED, RESOURCE_EXHAUSTED
    case 'messaging/device-message-rate-exceeded':
    case 'messaging/server-unavailable': // UNAVAILABLE
    case 'messaging/internal-error': // INTERNAL
    case 'app/network-error':
    case 'app/network-timeout':
      return transient();
    case 'messaging/third-party-auth-error': // UNAUTHENTICATED: the access token was refused
    case 'messaging/authentication-error':
    case 'messaging/mismatched-credential': // PERMISSION_DENIED, SENDER_ID_MISMATCH
      return { outcome: 'failed', failure: 'provider_auth', reason: code };
    case 'app/invalid-credential': // the token endpoint refused the key, or could not be reached
      return /invalid_grant|invalid_client|unauthorized_client/.test(message)
        ? { outcome: 'failed', failure: 'provider_auth', reason: code }
        : transient();
    default:
      return { outcome: 'failed', failure: 'rejected', reason: code };
  }
}

function messageFor(target: PushTarget, message: PushMessage): Message {
  const android = {
    ...(message.collapseKey !== undefined ? { collapseKey: message.collapseKey } : {}),
    ...(message.ttlSeconds !== undefined ? { ttl: message.ttlSeconds * 1000 } : {}),
  };
  if (message.kind === 'silent')
    // Data-only, high priority: the app's handler runs even when the app is in the background.
    return { token: target.token, data: { ...message.data }, android: { ...android, priority: 'high' } };
  return {
    token: target.token,
    notification: { title: message.title, body: message.body },
    ...(message.data ? { data: { ...message.data } } : {}),
    android,
  };
}

export class FcmPushSender implements PushSender {
  private readonly agent: FcmHttpAgent;
  private readonly app: App;
  private readonly messaging: Messaging;
  private closed = false;

  constructor(
    settings: FcmSettings,
    private readonly logger?: Logger,
  ) {
    this.agent = new FcmHttpAgent(settings.endpoint);
    const credential = new ServiceAccountCredential(settings.serviceAccount, this.agent);
    this.app = initializeApp(
      { credential, projectId: settings.projectId, httpAgent: this.agent },
      `syncwell-push-${randomUUID()}`,
    );
    this.messaging = getMessaging(this.app);
  }

  async send(target: PushTarget, message: PushMessage, signal?: AbortSignal): Promise<PushResult> {
    assertSafePush(message);
    signal?.throwIfAborted();
    if (this.closed) return { outcome: 'failed', failure: 'not_configured', reason: 'SenderClosed' };
    if (!isPlausibleToken(target))
      return this.report(target, { outcome: 'unregistered', reason: 'MalformedToken' });
    const fcmMessage = messageFor(target, message);
    const { outcome, retryAfter } = await untilAborted(
      this.agent.observe(() => this.messaging.send(fcmMessage)),
      signal,
    );
    // The message name is projects/<id>/messages/<id>: ids only, safe to return and log.
    const result: PushResult =
      outcome.status === 'fulfilled'
        ? { outcome: 'delivered', messageId: outcome.value }
        : fcmErrorResult(outcome.reason, retryAfter);
    return this.report(target, result);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await deleteApp(this.app);
    this.agent.destroy();
  }

  private report(target: PushTarget, result: PushResult): PushResult {
    if (result.outcome !== 'delivered')
      this.logger?.warn(
        {
          platform: 'android',
          tokenHint: tokenHint(target.token),
          outcome: result.outcome,
          reason: result.reason,
        },
        'fcm: push not delivered',
      );
    return result;
  }
}
