// The ids-only rule for pushes, enforced before sending: a push crosses Apple's or Google's
// infrastructure and may sit on a lock screen, so it must never carry health data. Data is a flat
// map of short id-like strings (job ids, request ids, a data type, an ISO instant); numbers,
// decimals-with-units, free text, objects and arrays are refused, as are oversized payloads.
// A number sent as a string ("72") still matches the pattern: the typed push builders (AsyncAPI
// messages) are the first line, this guard the last.
import type { PushMessage, PushTarget } from './pushSender.js';

/** A key names an id: `jobId`, `requestId`, `kind`. */
const KEY = /^[a-zA-Z][a-zA-Z0-9_]{0,31}$/;
/** Keys the services reserve (APNs `aps`; FCM `from`, `notification`, `message_type`, google./gcm.). */
const RESERVED_KEY = /^(aps|from|notification|message_type|google.*|gcm.*)$/i;
/** A value is an id or an instant: `job_5f0c…`, `device_read_request`, `2027-03-14T06:30:00Z`. */
const ID_LIKE = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$/;
const MAX_KEYS = 10;
/** Bytes of the data map as JSON: far below APNs' 4 KB and FCM's 4 KB, so nothing bulky fits. */
const MAX_DATA_BYTES = 1024;
const MAX_TITLE = 100;
const MAX_BODY = 300;
const MAX_COLLAPSE_KEY = 64;
/** FCM's longest TTL (28 days). */
const MAX_TTL_SECONDS = 28 * 24 * 3600;
/** Tokens go into a URL path (APNs) and a JSON body (FCM): letters, digits and `_:-.` only. */
const TOKEN = /^[A-Za-z0-9_:.-]{1,4096}$/;

/** The caller tried to push something that is not ids only. Values are never echoed. */
export class UnsafePushPayloadError extends TypeError {
  override readonly name = 'UnsafePushPayloadError';
}

function assertData(data: unknown, where: string): void {
  if (data === null || typeof data !== 'object' || Array.isArray(data))
    throw new UnsafePushPayloadError(`${where} must be a flat object of id strings`);
  const proto = Object.getPrototypeOf(data);
  if (proto !== Object.prototype && proto !== null)
    throw new UnsafePushPayloadError(`${where} must be a plain object`);
  const entries = Object.entries(data);
  if (entries.length > MAX_KEYS) throw new UnsafePushPayloadError(`${where} has more than ${MAX_KEYS} keys`);
  for (const [key, value] of entries) {
    if (!KEY.test(key)) throw new UnsafePushPayloadError(`${where} has a key that is not an id name`);
    if (RESERVED_KEY.test(key))
      throw new UnsafePushPayloadError(`${where}.${key} is reserved by APNs or FCM`);
    if (typeof value !== 'string' || !ID_LIKE.test(value))
      throw new UnsafePushPayloadError(`${where}.${key} must be an id-like string`);
  }
  if (Buffer.byteLength(JSON.stringify(data)) > MAX_DATA_BYTES)
    throw new UnsafePushPayloadError(`${where} is larger than ${MAX_DATA_BYTES} bytes`);
}

function assertText(value: unknown, max: number, where: string): void {
  if (typeof value !== 'string' || value.trim() === '' || value.length > max)
    throw new UnsafePushPayloadError(`${where} must be a non-empty string of at most ${max} characters`);
}

/** Throws UnsafePushPayloadError unless `message` is a well-formed ids-only push. */
export function assertSafePush(message: PushMessage): void {
  if (message.kind === 'silent') assertData(message.data, 'data');
  else if (message.kind === 'visible') {
    assertText(message.title, MAX_TITLE, 'title');
    assertText(message.body, MAX_BODY, 'body');
    if (message.data !== undefined) assertData(message.data, 'data');
  } else throw new UnsafePushPayloadError('kind must be silent or visible');
  const { collapseKey, ttlSeconds } = message;
  if (collapseKey !== undefined && !(ID_LIKE.test(collapseKey) && collapseKey.length <= MAX_COLLAPSE_KEY))
    throw new UnsafePushPayloadError(`collapseKey must be an id of at most ${MAX_COLLAPSE_KEY} characters`);
  if (
    ttlSeconds !== undefined &&
    !(Number.isInteger(ttlSeconds) && ttlSeconds >= 0 && ttlSeconds <= MAX_TTL_SECONDS)
  )
    throw new UnsafePushPayloadError(`ttlSeconds must be an integer from 0 to ${MAX_TTL_SECONDS}`);
}

/** False for a token that cannot be real (and could change the request's path): prune it unsent. */
export function isPlausibleToken(target: PushTarget): boolean {
  return typeof target.token === 'string' && TOKEN.test(target.token);
}
