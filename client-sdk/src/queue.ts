// Offline mode: queueing state-changing calls that could not reach the API, and replaying them in
// creation order with their stored Idempotency-Keys. An action is removed only after the server
// answered it, so a crash mid-replay re-sends it with the same key and the server replays its first
// response: applied exactly once, never lost.
import { ApiError, NetworkError, isAbortError } from './errors.js';
import type { SyncWellEvent } from './events.js';
import { parseEndpoint, type OfflineAction, type OfflineActionStore } from './offline.js';
import type { Transport } from './transport.js';
import type { Connection, SyncConfig } from './types.js';

/** The state-changing operations (those that take an Idempotency-Key). */
export const MUTATIONS = [
  'createConnection',
  'deleteConnection',
  'createSyncConfig',
  'updateSyncConfig',
  'deleteSyncConfig',
  'createSyncJob',
  'deleteCurrentUser',
  'updateUserSettings',
  'createExportJob',
  'registerDevice',
  'deleteDevice',
  'createDeviceConnection',
  'uploadDeviceData',
  'submitDeviceReadResponse',
  'confirmDeviceWrite',
] as const;
export type MutationName = (typeof MUTATIONS)[number];

/** What a queueable call resolves to. */
export type SentOrQueued<R> = { queued: false; result: R } | { queued: true; action: OfflineAction };

/** The same methods, resolving `SentOrQueued` instead of rejecting with NetworkError. */
export type Queueable<T> = {
  [K in keyof T]: T[K] extends (...args: infer A) => Promise<infer R>
    ? (...args: A) => Promise<SentOrQueued<R>>
    : never;
};

export interface ReplayOptions {
  signal?: AbortSignal;
}

export interface ReplaySummary {
  /** Actions the server accepted (now removed from the store), in order. */
  sent: Array<{ action: OfflineAction; status: number }>;
  /** Actions the server answered with 404 or 409 (removed from the store; the app should tell the user). */
  discarded: Array<{ action: OfflineAction; error: ApiError }>;
  /** The action replay stopped at (any other failure); it and the ones after it stay queued. */
  stopped?: { action: OfflineAction; error: unknown };
  /** What is still queued after this replay. */
  remaining: OfflineAction[];
  /** Fresh server state, fetched once the queue drained: refresh the app's cache from it. */
  refreshed?: { connections: Connection[]; syncConfigs: SyncConfig[] };
  /** Why the refresh after draining failed, if it did. */
  refreshError?: unknown;
}

export interface OfflineQueue {
  queueable: Record<MutationName, (...args: never[]) => Promise<SentOrQueued<unknown>>>;
  replay(options?: ReplayOptions): Promise<ReplaySummary>;
}

interface OfflineQueueDeps {
  store: OfflineActionStore | undefined;
  transport: Transport;
  onEvent: (event: SyncWellEvent) => void;
  methods: Record<MutationName, (...args: never[]) => Promise<unknown>>;
  refresh: (
    signal: AbortSignal | undefined,
  ) => Promise<{ connections: Connection[]; syncConfigs: SyncConfig[] }>;
}

export function createOfflineQueue(deps: OfflineQueueDeps): OfflineQueue {
  const { store, transport, onEvent, methods } = deps;

  async function enqueue(error: NetworkError): Promise<OfflineAction> {
    const { method, path, body, idempotencyKey } = error.request;
    const action: OfflineAction = {
      id: crypto.randomUUID(),
      endpoint: `${method} ${path}`,
      payload: body ?? '',
      idempotencyKey: idempotencyKey ?? '',
      createdAt: Date.now(),
    };
    await store!.add(action);
    onEvent({ type: 'action_queued', action });
    return action;
  }

  const queueable = {} as OfflineQueue['queueable'];
  for (const name of MUTATIONS) {
    queueable[name] = async (...args: never[]) => {
      try {
        return { queued: false, result: await methods[name](...args) };
      } catch (error) {
        // Only a call that never got an answer is queued; a request with If-Match is not (the stored
        // action has no headers): queue conditional updates with the body's `version` instead.
        if (
          !(error instanceof NetworkError) ||
          !store ||
          !error.request.idempotencyKey ||
          error.request.ifMatch
        )
          throw error;
        return { queued: true, action: await enqueue(error) };
      }
    };
  }

  let running: Promise<ReplaySummary> | undefined;

  async function replayOnce(options: ReplayOptions): Promise<ReplaySummary> {
    if (!store) throw new Error('replayOfflineActions needs the offlineQueue option');
    const { signal } = options;
    const summary: ReplaySummary = { sent: [], discarded: [], remaining: [] };
    for (const action of await store.list()) {
      const { method, path } = parseEndpoint(action.endpoint);
      const headers = new Headers({ 'idempotency-key': action.idempotencyKey });
      if (action.payload) headers.set('content-type', 'application/json');
      let response: Response;
      try {
        response = await transport.send(
          { method, path, headers, body: action.payload || undefined },
          { operation: `replay ${action.endpoint}`, signal },
        );
      } catch (error) {
        if (signal?.aborted || isAbortError(error)) throw error;
        summary.stopped = { action, error };
        break;
      }
      if (response.ok) {
        await response.body?.cancel();
        onEvent({ type: 'replay_succeeded', action, status: response.status });
        await store.remove(action.id);
        summary.sent.push({ action, status: response.status });
        continue;
      }
      const error = ApiError.from(response, await readBody(response), {
        method,
        path,
        body: action.payload || undefined,
        idempotencyKey: action.idempotencyKey,
      });
      // 404/409: the action no longer applies (the thing is gone, or already exists / changed) — but a
      // key still in flight is not a verdict: keep it for the next replay.
      if ((error.status === 404 || error.status === 409) && error.code !== 'idempotency_key_in_use') {
        await store.remove(action.id);
        summary.discarded.push({ action, error });
        onEvent({ type: 'replay_discarded', action, error });
        continue;
      }
      summary.stopped = { action, error };
      break;
    }
    summary.remaining = await store.list();
    if (summary.stopped) {
      onEvent({
        type: 'replay_stopped',
        action: summary.stopped.action,
        error: summary.stopped.error,
        remaining: summary.remaining.length,
      });
    }
    if (summary.remaining.length === 0) {
      try {
        summary.refreshed = await deps.refresh(signal);
      } catch (error) {
        if (signal?.aborted) throw error;
        summary.refreshError = error;
      }
    }
    return summary;
  }

  return {
    queueable,
    replay(options = {}) {
      // One replay at a time: a second caller shares the running one.
      running ??= replayOnce(options).finally(() => {
        running = undefined;
      });
      return running;
    },
  };
}

async function readBody(response: Response): Promise<unknown> {
  const text = await response.text();
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
