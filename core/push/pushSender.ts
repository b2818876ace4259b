// The push port: one push to one device, through APNs (iOS) or FCM HTTP v1 (Android). Adapters:
// apnsPushSender.ts and fcmPushSender.ts; createPushSender.ts routes by platform. A push is a hint
// that carries ids only (the app fetches state through the API): the payload guard
// (pushPayloadGuard.ts) refuses anything else before a byte leaves the process. Adapters never
// throw the libraries' errors: every answer of the services, and every network failure, becomes a
// PushResult.
import type { DevicePlatform } from '../domain/types.js';

export interface PushTarget {
  platform: DevicePlatform;
  /** The device's push token. Never logged in full (see tokenHint). */
  token: string;
  /** iOS only: which APNs environment issued the token (a debug build's is `sandbox`). Default production. */
  apnsEnvironment?: 'production' | 'sandbox';
}

/** Ids only: a flat map of short id-like strings (pushPayloadGuard.ts says exactly what passes). */
export type PushData = Readonly<Record<string, string>>;

interface PushOptions {
  /** Pushes with the same key replace each other on the device (APNs collapse-id, FCM collapse_key). */
  collapseKey?: string;
  /** How long the service may hold the push for an offline device; unset: the service's default. */
  ttlSeconds?: number;
}

/**
 * Silent: wakes the app in the background (APNs `content-available: 1`, push type background,
 * priority 5; FCM data-only, Android priority high). Visible: a notification the user sees
 * (APNs push type alert, priority 10; FCM notification message); its texts come from resource
 * files, never from health data.
 */
export type PushMessage =
  | ({ kind: 'silent'; data: PushData } & PushOptions)
  | ({ kind: 'visible'; title: string; body: string; data?: PushData } & PushOptions);

/**
 * - `delivered`: the service accepted the push (not a guarantee that the device shows or runs it).
 * - `unregistered`: the token is dead (APNs 410 / BadDeviceToken, FCM UNREGISTERED or an invalid
 *   token): prune it.
 * - `transient`: try again later, after `retryAfterSeconds` when the service said so.
 * - `failed`: will not succeed by retrying: `provider_auth` (our credentials were refused: fix the
 *   configuration), `rejected` (the service refused this push), `not_configured` (no adapter for the
 *   platform in this deployment).
 * `reason` is the service's own code (e.g. `Unregistered`, `messaging/internal-error`): safe to log.
 */
export type PushResult =
  | { outcome: 'delivered'; messageId?: string }
  | { outcome: 'unregistered'; reason: string; unregisteredAt?: string }
  | { outcome: 'transient'; reason: string; retryAfterSeconds?: number }
  | { outcome: 'failed'; failure: 'provider_auth' | 'rejected' | 'not_configured'; reason: string };

export interface PushSender {
  /**
   * Sends one push. Throws UnsafePushPayloadError (a bug in the caller) before sending a payload
   * that is not ids only, and the signal's reason when it aborts (the push may still arrive).
   */
  send(target: PushTarget, message: PushMessage, signal?: AbortSignal): Promise<PushResult>;
  /** Closes connections and timers (HTTP/2 sessions, keep-alive sockets) so the process can exit. */
  close(): Promise<void>;
}

/** What logs may show of a push token: its length and last four characters. */
export function tokenHint(token: string): string {
  return `…${token.slice(-4)} (${token.length})`;
}

/**
 * Resolves as `work` does, or rejects with the signal's reason as soon as it aborts. The push
 * libraries take no AbortSignal, so an aborted send is abandoned, not cancelled.
 */
export function untilAborted<T>(work: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return work;
  signal.throwIfAborted();
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}
