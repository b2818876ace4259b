// What the sync socket does when a connection ends: the server's close codes (contracts/asyncapi.yaml,
// channel `syncSocket`; test/sdk/socket.test.ts keeps this table equal to the contract's) and the
// HTTP answers that refuse an upgrade (401, 410, 429, 503) mapped to one reaction each.

/** Close codes the server sends on /v1/ws. */
export const SOCKET_CLOSE_CODES = {
  /** The API process is stopping: reconnect (to another process). */
  going_away: 1001,
  frame_too_large: 1009,
  internal_error: 1011,
  frame_not_json: 4400,
  /** The token the socket was opened with expired: reconnect with a fresh one. */
  token_expired: 4401,
  unknown_action: 4404,
  /** The account was deleted: the socket cannot be opened again with its tokens (the upgrade answers 410). */
  account_deleted: 4410,
  /** No application frame either way for the server's idle timeout (10 minutes by default). */
  idle_timeout: 4408,
  invalid_frame: 4422,
  /** The client did not read fast enough. */
  slow_consumer: 4429,
} as const;

/** How the client reacts to the end of a connection (or of a connection attempt). */
export type Reaction =
  /** Try again after the backoff. */
  | 'backoff'
  /** Try again after the backoff plus the limit delay: the server says a limit is reached. */
  | 'limit'
  /** Reconnect at once with a token fetched with `forceRefresh` (4401). */
  | 'fresh_token'
  /** Reconnect at once if there is anything to follow or the app asked to stay connected (4408). */
  | 'if_needed'
  /** A frame broke the protocol: what it asked is failed (it would fail again), then backoff. */
  | 'protocol_error'
  /** The upgrade was refused 401: no reconnect until the token provider gives another token. */
  | 'unauthorized'
  /** The account was deleted (4410, or an upgrade refused 410): like `unauthorized`, without the forced refresh. */
  | 'account_deleted';

const PROTOCOL_ERRORS = new Set<number>([
  SOCKET_CLOSE_CODES.frame_too_large,
  SOCKET_CLOSE_CODES.frame_not_json,
  SOCKET_CLOSE_CODES.unknown_action,
  SOCKET_CLOSE_CODES.invalid_frame,
]);

/** The reaction to a close of an open socket (1006 when it was dropped without a close frame). */
export function reactionToClose(code: number): Reaction {
  if (code === SOCKET_CLOSE_CODES.account_deleted) return 'account_deleted';
  if (code === SOCKET_CLOSE_CODES.token_expired) return 'fresh_token';
  if (code === SOCKET_CLOSE_CODES.idle_timeout) return 'if_needed';
  if (code === SOCKET_CLOSE_CODES.slow_consumer) return 'limit';
  if (PROTOCOL_ERRORS.has(code)) return 'protocol_error';
  return 'backoff';
}

/** The reaction to an upgrade that never opened; `status` is the HTTP answer when the runtime reports it. */
export function reactionToRefusal(status: number | undefined): Reaction {
  if (status === 401) return 'unauthorized';
  if (status === 410) return 'account_deleted';
  if (status === 429) return 'limit';
  return 'backoff';
}

/**
 * The HTTP status of a refused upgrade, read from the error event the runtime fires before the close.
 * The WebSocket API has no field for it, only texts: `ws` says "Unexpected server response: 401",
 * React Native on Android (OkHttp) "Expected HTTP 101 response but was '401 Unauthorized'", on iOS
 * "Received bad response code from server: 401.". Runtimes that say nothing (browsers, undici) get
 * `undefined`, and the attempt is treated like a network failure (backoff).
 */
export function refusalStatus(errorEvent: unknown): number | undefined {
  const event = errorEvent as { message?: unknown; error?: { message?: unknown } } | null | undefined;
  const text = [event?.message, event?.error?.message].filter((m) => typeof m === 'string').join(' ');
  const match = /(?:response|code|was)\D{0,24}?\b([45]\d\d)\b/i.exec(text);
  return match ? Number(match[1]) : undefined;
}
