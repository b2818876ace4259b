// Diagnostics the SDK reports through the `onEvent` option (logging, metrics, tests).
import type { ApiError, NetworkError } from './errors.js';
import type { OfflineAction } from './offline.js';

export type SyncWellEvent =
  | { type: 'request'; operation: string; method: string; path: string; attempt: number }
  | { type: 'response'; operation: string; status: number; attempt: number }
  | { type: 'network_error'; operation: string; attempt: number; error: NetworkError }
  | {
      type: 'retry';
      operation: string;
      attempt: number;
      delayMs: number;
      status: number | undefined;
      idempotencyKey: string | undefined;
    }
  | { type: 'token_refresh'; operation: string }
  | { type: 'action_queued'; action: OfflineAction }
  /** The server accepted a replayed action; it is removed from the store next. */
  | { type: 'replay_succeeded'; action: OfflineAction; status: number }
  | { type: 'replay_discarded'; action: OfflineAction; error: ApiError }
  | { type: 'replay_stopped'; action: OfflineAction; error: unknown; remaining: number };
