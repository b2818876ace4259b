// The sync socket's public shapes: the WebSocket it drives (any RFC 6455 client with the browser's
// API: React Native's global WebSocket, a runtime's global one, or the `ws` package in Node), its
// options, events and errors. Frame shapes are the AsyncAPI messages' generated types.
import type { ApiError } from './errors.js';
import type { JobStatusFrame, SyncRequestFrame, SyncResultFrame } from './generated/messages.gen.js';
import type { ReconnectOptions, SocketClock } from './socketBackoff.js';
import type { TokenProvider } from './transport.js';

export type {
  ErrorFrame,
  JobStatusFrame,
  SyncRequestFrame,
  SyncResultFrame,
} from './generated/messages.gen.js';

/** Handler type that accepts the runtimes' own event classes (checked both ways, like a method). */
type Handler<E> = { bivarianceHack(event: E): void }['bivarianceHack'];

/** What the socket needs of a WebSocket instance: the browser API's subset every runtime has. */
export interface WebSocketLike {
  readonly readyState: number;
  onopen: Handler<unknown> | null;
  onmessage: Handler<{ data: unknown }> | null;
  onerror: Handler<unknown> | null;
  onclose: Handler<{ code: number; reason: string }> | null;
  send(data: string): void;
  close(code?: number, reason?: string): void;
}

/** `new WebSocket(url, protocols)`, as React Native, browsers and `ws` all accept it. */
export type WebSocketConstructor = new (url: string, protocols: string[]) => WebSocketLike;

export type SyncSocketState =
  /** Not connected and nothing asks for a connection (or `disconnect()` was called). */
  | 'idle'
  | 'connecting'
  | 'open'
  /** Waiting out a backoff before the next attempt. */
  | 'waiting'
  /** The server refused the token: no attempt until the token provider returns another token. */
  | 'unauthorized'
  /**
   * The account was deleted (close 4410 or an upgrade refused 410): sign the user out. No attempt
   * until the token provider returns another token (another account's; this one's is refused again).
   */
  | 'account_deleted'
  /** `close()` was called: final. */
  | 'closed';

export type SyncSocketEvent =
  | { type: 'state'; state: SyncSocketState }
  /** A connection (or an attempt) ended; `status` is the refused upgrade's HTTP status when known. */
  | { type: 'disconnected'; code: number; reason: string; wasOpen: boolean; status?: number }
  | { type: 'reconnect_scheduled'; attempt: number; delayMs: number }
  /** The token provider failed, or the WebSocket could not be created; retried after the backoff. */
  | { type: 'attempt_failed'; stage: 'token' | 'socket'; error: unknown }
  /** A frame the client does not know (a newer server) or cannot read: ignored. */
  | { type: 'frame_ignored'; reason: string };

export interface SyncSocketOptions {
  /** The API's base URL, as for the REST client (`https://…` becomes `wss://…/v1/ws`). */
  baseUrl: string;
  /** The REST client's token provider; called for every connection attempt, `{ forceRefresh: true }` after a refusal or 4401. */
  getToken: TokenProvider;
  /**
   * The WebSocket class (default: the runtime's global `WebSocket`). Node 20 has none: pass
   * `WebSocket` from the `ws` package.
   */
  WebSocket?: WebSocketConstructor;
  reconnect?: ReconnectOptions;
  /** Time and timers (default: the system's); tests inject their own to drive the backoff. */
  clock?: SocketClock;
  /** Returns [0, 1) for the backoff's jitter (default Math.random). */
  random?: () => number;
  /** Diagnostics (connections, backoff, ignored frames). Must not throw. */
  onEvent?: (event: SyncSocketEvent) => void;
}

export type SyncRequest = Pick<
  SyncRequestFrame,
  'sourceConnectionId' | 'destinationConnectionId' | 'dataType'
>;

export interface RequestSyncOptions {
  /** The request's id and idempotency key (default: a new UUID). The same id again follows the first job. */
  requestId?: string;
  /** The job's first status (`QUEUED`, with its `jobId`), before the result. */
  onStatus?: (frame: JobStatusFrame) => void;
  /** Stops waiting (the job still runs); the promise rejects with the signal's reason. */
  signal?: AbortSignal;
}

export interface SubscribeOptions {
  /** The subscription was refused (`ApiError`, e.g. `not_found`) or cannot go on (`SyncSocketError`); it has ended. */
  onError?: (error: ApiError | SyncSocketError) => void;
}

export interface SyncSocket {
  readonly state: SyncSocketState;
  /** Connects now and stays connected (reconnecting after idle timeouts) until `disconnect()` or `close()`. */
  connect(): void;
  /**
   * Closes the connection and stays disconnected (e.g. when the app goes to the background); pending
   * requests and subscriptions wait and are sent again at the next `connect()`.
   */
  disconnect(): void;
  /** Drops the connection and connects again now, backoff reset (after sign-in, or a network change). */
  reconnect(): void;
  /** Runs a sync over the socket; resolves with its SyncResultFrame (SUCCEEDED or FAILED). */
  requestSync(request: SyncRequest, options?: RequestSyncOptions): Promise<SyncResultFrame>;
  /**
   * Delivers the job's JobStatusFrames (its current status first, then each change) until it is
   * final; followed again after every reconnect (a status the listener already had is not repeated).
   * Returns the function that stops it.
   */
  subscribeJob(
    jobId: string,
    onStatus: (frame: JobStatusFrame) => void,
    options?: SubscribeOptions,
  ): () => void;
  /** Closes for good: no reconnect; pending requests reject with SyncSocketError `closed`. */
  close(): Promise<void>;
}

export type SyncSocketErrorReason =
  /** `close()` was called. */
  | 'closed'
  /** The server refused the token and the token provider has no other one. */
  | 'unauthorized'
  /** The server closed the socket for a frame it refused (close code in `closeCode`). */
  | 'protocol_error'
  /** The account was deleted (DELETE /v1/users/me): the app signs the user out. */
  | 'account_deleted';

/** A socket request that cannot complete for a reason of the socket itself (not a problem answer). */
export class SyncSocketError extends Error {
  override readonly name = 'SyncSocketError';

  constructor(
    readonly reason: SyncSocketErrorReason,
    message: string,
    readonly closeCode?: number,
  ) {
    super(message);
  }
}
