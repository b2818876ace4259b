// The sync socket (GET /v1/ws, AsyncAPI channel `syncSocket`): sync requests answered on the socket
// and live job status instead of polling. One connection at a time, opened when something needs it
// (or on connect()), with a token from the app's provider for every attempt. What is in flight
// survives a reconnect: pending sync requests are sent again with the same requestId (the server's
// idempotency key: no second job, the first one followed) and subscriptions are renewed (the server
// answers with the job's current status). Close codes and refused upgrades map to reactions in
// socketCloses.ts; waits follow socketBackoff.ts. Heartbeats need nothing here: the server pings,
// and every WebSocket implementation answers pings itself.
import type { ApiError } from './errors.js';
import type {
  ErrorFrame,
  JobStatusFrame,
  SyncRequestFrame,
  SyncResultFrame,
} from './generated/messages.gen.js';
import { DEFAULT_RECONNECT, fullJitterDelay, systemClock } from './socketBackoff.js';
import { reactionToClose, reactionToRefusal, refusalStatus, type Reaction } from './socketCloses.js';
import {
  isFinalStatus,
  problemError,
  readServerFrame,
  socketProtocols,
  socketUrl,
  subscribeJobFrame,
  syncRequestFrame,
  unsubscribeJobFrame,
  type ClientFrame,
} from './socketFrames.js';
import {
  SyncSocketError,
  type SubscribeOptions,
  type SyncSocket,
  type SyncSocketEvent,
  type SyncSocketOptions,
  type SyncSocketState,
  type WebSocketConstructor,
  type WebSocketLike,
} from './socketTypes.js';

/** A replayed request may meet its first run still in progress (409 idempotency_key_in_use, Retry-After 1). */
const IN_USE_RETRY_MS = 1000;
const IN_USE_RETRIES = 5;
const NORMAL_CLOSURE = 1000;
const CLOSED = 3;

interface PendingRequest {
  frame: SyncRequestFrame;
  resolve(frame: SyncResultFrame): void;
  reject(error: unknown): void;
  onStatus: ((frame: JobStatusFrame) => void) | undefined;
  /** The connection the frame was last sent on while the server has not answered it yet. */
  unansweredOn: number | undefined;
  inUseRetries: number;
  retryTimer: unknown;
  detach(): void;
}

interface Listener {
  onStatus(frame: JobStatusFrame): void;
  onError: SubscribeOptions['onError'];
  /** What the listener last heard: a frame saying the same again (a renewal, a replay) is not repeated. */
  last: string | undefined;
}

/** A status frame's news, without its requestId. */
const statusKey = (f: JobStatusFrame) =>
  JSON.stringify([f.status, f.recordsWritten, f.recordsSkipped, f.errorCode, f.retryable]);

interface Subscription {
  jobId: string;
  listeners: Set<Listener>;
  /** The requestId of the subscribe frame last sent (its answer carries it). */
  requestId: string;
  unansweredOn: number | undefined;
}

interface Connection {
  id: number;
  ws: WebSocketLike;
  token: string;
  /** The token was fetched with forceRefresh. */
  forced: boolean;
  opened: boolean;
  openedAt: number;
  /** The refused upgrade's HTTP status, when the runtime reported it. */
  refusal: number | undefined;
}

export function createSyncSocket(options: SyncSocketOptions): SyncSocket {
  const WebSocketClass: WebSocketConstructor | undefined =
    options.WebSocket ?? (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket;
  if (!WebSocketClass)
    throw new TypeError(
      'This runtime has no global WebSocket: pass options.WebSocket (e.g. from the ws package)',
    );
  const SocketClass: WebSocketConstructor = WebSocketClass;
  const url = socketUrl(options.baseUrl);
  const backoff = { ...DEFAULT_RECONNECT, ...options.reconnect };
  const clock = options.clock ?? systemClock;
  const random = options.random ?? Math.random;
  const emit = (event: SyncSocketEvent) => {
    try {
      options.onEvent?.(event);
    } catch {
      // A broken diagnostics hook must not break the socket.
    }
  };

  let state: SyncSocketState = 'idle';
  let connection: Connection | undefined;
  /** Bumped by every attempt and every intervention (disconnect, reconnect, close): stale work stops. */
  let generation = 0;
  /** Consecutive failed attempts (reset by a connection that stayed up `stableAfterMs`). */
  let attempt = 0;
  let timer: unknown;
  let stayConnected = false;
  let paused = false;
  let forceRefresh = false;
  /** The token the server last refused (401, or 410/4410 for a deleted account): not offered again. */
  let refusedToken: string | undefined;
  let refusedAs: 'unauthorized' | 'account_deleted' = 'unauthorized';
  let closing: Promise<void> | undefined;
  const requests = new Map<string, PendingRequest>();
  const subscriptions = new Map<string, Subscription>();

  const setState = (next: SyncSocketState) => {
    if (state === next) return;
    state = next;
    emit({ type: 'state', state: next });
  };
  const wanted = () => !paused && (stayConnected || requests.size > 0 || subscriptions.size > 0);
  const closedError = () => new SyncSocketError('closed', 'The sync socket was closed');
  /** App callbacks run in the socket's event handler; their errors surface to the app, not here. */
  const callApp = (callback: () => void) => {
    try {
      callback();
    } catch (error) {
      queueMicrotask(() => {
        throw error;
      });
    }
  };
  const clearTimer = () => {
    if (timer !== undefined) clock.clearTimeout(timer);
    timer = undefined;
  };

  function send(conn: Connection, frame: ClientFrame): void {
    try {
      conn.ws.send(JSON.stringify(frame));
    } catch {
      // The socket is closing: its close event follows, and the frame is sent again after the reconnect.
    }
  }

  function sendRequest(conn: Connection, request: PendingRequest): void {
    request.unansweredOn = conn.id;
    send(conn, request.frame);
  }

  function sendSubscribe(conn: Connection, sub: Subscription): void {
    sub.requestId = crypto.randomUUID();
    sub.unansweredOn = conn.id;
    send(conn, subscribeJobFrame(sub.jobId, sub.requestId));
  }

  function finishRequest(request: PendingRequest): void {
    requests.delete(request.frame.requestId);
    if (request.retryTimer !== undefined) clock.clearTimeout(request.retryTimer);
    request.detach();
  }

  function endSubscription(sub: Subscription, error: SyncSocketError | ApiError): void {
    if (subscriptions.get(sub.jobId) === sub) subscriptions.delete(sub.jobId);
    for (const listener of sub.listeners) if (listener.onError) callApp(() => listener.onError!(error));
  }

  /** Everything in flight ends with `error` (an unusable token, or close()). */
  function failEverything(error: SyncSocketError): void {
    for (const request of [...requests.values()]) {
      finishRequest(request);
      request.reject(error);
    }
    for (const sub of [...subscriptions.values()]) endSubscription(sub, error);
  }

  function becomeUnauthorized(): void {
    setState('unauthorized');
    failEverything(
      new SyncSocketError('unauthorized', 'The server refused the token and the token provider has no other'),
    );
  }

  /** The server said the account is gone: everything fails; the token is not offered again. */
  function becomeAccountDeleted(closeCode?: number): void {
    setState('account_deleted');
    failEverything(new SyncSocketError('account_deleted', 'The account was deleted', closeCode));
  }

  function ensureConnecting(): void {
    if (!paused && (state === 'idle' || state === 'unauthorized' || state === 'account_deleted')) void open();
  }

  async function open(): Promise<void> {
    clearTimer();
    const id = ++generation;
    setState('connecting');
    const forced = forceRefresh;
    let token: string;
    try {
      token = await options.getToken(forced ? { forceRefresh: true } : undefined);
    } catch (error) {
      if (id !== generation) return;
      emit({ type: 'attempt_failed', stage: 'token', error });
      return retryLater('backoff');
    }
    if (id !== generation) return;
    forceRefresh = false;
    if (token === refusedToken)
      return refusedAs === 'account_deleted' ? becomeAccountDeleted() : becomeUnauthorized();
    let ws: WebSocketLike;
    try {
      ws = new SocketClass(url, socketProtocols(token));
    } catch (error) {
      emit({ type: 'attempt_failed', stage: 'socket', error });
      return retryLater('backoff');
    }
    const conn: Connection = { id, ws, token, forced, opened: false, openedAt: 0, refusal: undefined };
    connection = conn;
    ws.onopen = () => {
      if (connection !== conn) return;
      conn.opened = true;
      conn.openedAt = clock.now();
      refusedToken = undefined;
      setState('open');
      for (const sub of subscriptions.values()) sendSubscribe(conn, sub);
      for (const request of requests.values()) sendRequest(conn, request);
    };
    ws.onmessage = (event) => {
      if (connection === conn) receive(event.data);
    };
    // Fired before the close of a refused upgrade; kept set for the socket's whole life (`ws`
    // throws an 'error' nobody listens to).
    ws.onerror = (event) => {
      if (!conn.opened) conn.refusal ??= refusalStatus(event);
    };
    ws.onclose = (event) => {
      if (connection !== conn) return;
      connection = undefined;
      ended(conn, event.code, event.reason);
    };
  }

  function ended(conn: Connection, code: number, reason: string): void {
    const status = conn.opened ? undefined : conn.refusal;
    emit({ type: 'disconnected', code, reason, wasOpen: conn.opened, ...(status ? { status } : {}) });
    if (conn.opened && clock.now() - conn.openedAt >= backoff.stableAfterMs) attempt = 0;
    const reaction = conn.opened ? reactionToClose(code) : reactionToRefusal(status);
    switch (reaction) {
      case 'account_deleted':
        refusedToken = conn.token;
        refusedAs = 'account_deleted';
        return becomeAccountDeleted(conn.opened ? code : undefined);
      case 'unauthorized':
        refusedToken = conn.token;
        refusedAs = 'unauthorized';
        // One more attempt with a token fetched anew; refused again, the socket waits for a new token.
        if (conn.forced) return becomeUnauthorized();
        forceRefresh = true;
        return reconnectNowIfWanted();
      case 'fresh_token':
        forceRefresh = true;
        return reconnectNowIfWanted();
      case 'if_needed':
        return reconnectNowIfWanted();
      case 'protocol_error':
        failUnanswered(conn.id, code);
        return retryLater('backoff');
      default:
        return retryLater(reaction);
    }
  }

  function reconnectNowIfWanted(): void {
    if (wanted()) void open();
    else setState('idle');
  }

  function retryLater(reaction: Extract<Reaction, 'backoff' | 'limit'>): void {
    if (!wanted()) return setState('idle');
    attempt += 1;
    const delayMs =
      fullJitterDelay(attempt, backoff, random) + (reaction === 'limit' ? backoff.limitDelayMs : 0);
    setState('waiting');
    emit({ type: 'reconnect_scheduled', attempt, delayMs });
    timer = clock.setTimeout(() => {
      timer = undefined;
      void open();
    }, delayMs);
  }

  /** The server closed for a frame it refused: the culprit is among those it had not answered yet. */
  function failUnanswered(connectionId: number, code: number): void {
    const error = new SyncSocketError('protocol_error', `The server closed the socket (${code})`, code);
    for (const request of [...requests.values()])
      if (request.unansweredOn === connectionId) {
        finishRequest(request);
        request.reject(error);
      }
    for (const sub of [...subscriptions.values()])
      if (sub.unansweredOn === connectionId) endSubscription(sub, error);
  }

  function receive(data: unknown): void {
    const read = readServerFrame(data);
    if ('ignored' in read) return emit({ type: 'frame_ignored', reason: read.ignored });
    const { frame } = read;
    if (frame.type === 'sync_result') {
      const request = requests.get(frame.requestId);
      if (!request) return;
      finishRequest(request);
      request.resolve(frame);
    } else if (frame.type === 'job_status') {
      const request = frame.requestId ? requests.get(frame.requestId) : undefined;
      if (request) {
        request.unansweredOn = undefined;
        if (request.onStatus) callApp(() => request.onStatus!(frame));
      }
      const sub = subscriptions.get(frame.jobId);
      if (!sub) return;
      if (frame.requestId === sub.requestId) sub.unansweredOn = undefined;
      // The server forgets a job once it is final; so does the client (no re-subscription).
      if (isFinalStatus(frame.status)) subscriptions.delete(frame.jobId);
      const key = statusKey(frame);
      for (const listener of [...sub.listeners]) {
        if (listener.last === key) continue;
        listener.last = key;
        callApp(() => listener.onStatus(frame));
      }
    } else {
      refused(frame);
    }
  }

  function refused(frame: ErrorFrame): void {
    const request = frame.requestId ? requests.get(frame.requestId) : undefined;
    if (request) {
      request.unansweredOn = undefined;
      if (frame.problem.code === 'idempotency_key_in_use' && request.inUseRetries < IN_USE_RETRIES) {
        request.inUseRetries += 1;
        request.retryTimer = clock.setTimeout(() => {
          request.retryTimer = undefined;
          if (requests.get(request.frame.requestId) === request && connection?.opened)
            sendRequest(connection, request);
        }, IN_USE_RETRY_MS);
        return;
      }
      finishRequest(request);
      return request.reject(problemError(frame, request.frame));
    }
    const sub = [...subscriptions.values()].find((s) => frame.requestId && s.requestId === frame.requestId);
    if (sub) return endSubscription(sub, problemError(frame, subscribeJobFrame(sub.jobId, sub.requestId)));
    emit({ type: 'frame_ignored', reason: `error ${frame.problem.code} for nothing pending` });
  }

  /** Forgets the current connection and closes it; resolves once it is closed. */
  function dropConnection(): Promise<void> {
    const conn = connection;
    connection = undefined;
    if (!conn || conn.ws.readyState === CLOSED) return Promise.resolve();
    return new Promise((resolve) => {
      conn.ws.onclose = () => resolve();
      try {
        conn.ws.close(NORMAL_CLOSURE);
      } catch {
        resolve();
      }
    });
  }

  return {
    get state() {
      return state;
    },

    connect() {
      if (state === 'closed') throw closedError();
      paused = false;
      stayConnected = true;
      ensureConnecting();
    },

    disconnect() {
      if (state === 'closed') return;
      paused = true;
      stayConnected = false;
      clearTimer();
      generation += 1;
      void dropConnection();
      setState('idle');
    },

    reconnect() {
      if (state === 'closed') throw closedError();
      paused = false;
      attempt = 0;
      clearTimer();
      void dropConnection();
      void open();
    },

    requestSync(request, o = {}) {
      if (state === 'closed') return Promise.reject(closedError());
      if (o.signal?.aborted) return Promise.reject(o.signal.reason);
      const requestId = o.requestId ?? crypto.randomUUID();
      if (requests.has(requestId))
        return Promise.reject(new TypeError(`A sync request with requestId ${requestId} is pending already`));
      return new Promise<SyncResultFrame>((resolve, reject) => {
        const onAbort = () => {
          if (requests.get(requestId) !== pending) return;
          finishRequest(pending);
          reject(o.signal!.reason);
        };
        const pending: PendingRequest = {
          frame: syncRequestFrame(requestId, request),
          resolve,
          reject,
          onStatus: o.onStatus,
          unansweredOn: undefined,
          inUseRetries: 0,
          retryTimer: undefined,
          detach: () => o.signal?.removeEventListener('abort', onAbort),
        };
        o.signal?.addEventListener('abort', onAbort, { once: true });
        requests.set(requestId, pending);
        if (connection?.opened) sendRequest(connection, pending);
        else ensureConnecting();
      });
    },

    subscribeJob(jobId, onStatus, o = {}) {
      if (state === 'closed') throw closedError();
      const listener: Listener = { onStatus, onError: o.onError, last: undefined };
      let sub = subscriptions.get(jobId);
      if (!sub) {
        sub = { jobId, listeners: new Set(), requestId: '', unansweredOn: undefined };
        subscriptions.set(jobId, sub);
      }
      sub.listeners.add(listener);
      // Every new listener gets the current status: a subscribe frame again is answered with it.
      if (connection?.opened) sendSubscribe(connection, sub);
      else ensureConnecting();
      const followed = sub;
      return () => {
        if (!followed.listeners.delete(listener) || followed.listeners.size > 0) return;
        if (subscriptions.get(jobId) !== followed) return;
        subscriptions.delete(jobId);
        if (connection?.opened) send(connection, unsubscribeJobFrame(jobId));
      };
    },

    close() {
      if (closing) return closing;
      clearTimer();
      generation += 1;
      setState('closed');
      failEverything(closedError());
      closing = dropConnection();
      return closing;
    },
  };
}
