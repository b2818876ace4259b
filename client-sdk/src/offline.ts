// The offline action queue (seed §3g, C-012 OfflineAction schema) and its storage port.
// Apps plug in their own store (SQLDelight, Core Data, AsyncStorage...) by implementing OfflineActionStore.

/** A state-changing call made while offline, replayed later with the same Idempotency-Key. */
export interface OfflineAction {
  /** UUID of the queued action. */
  id: string;
  /** Method and concrete path relative to the base URL, e.g. `POST /v1/sync-configs`. */
  endpoint: string;
  /** The JSON body as it will be sent, `""` when there is none. */
  payload: string;
  /** The key the action is sent with, on every replay. */
  idempotencyKey: string;
  /** Unix milliseconds when the action was queued. */
  createdAt: number;
}

/**
 * Storage for queued actions. `add` and `remove` must be durable when they resolve (the SDK removes an
 * action only after the server accepted it, so a crash in between replays it with the same key, and the
 * server answers with its stored first response).
 */
export interface OfflineActionStore {
  /** Every stored action, in creation order. */
  list(): Promise<OfflineAction[]>;
  /** Stores an action (storing the same id twice keeps one). */
  add(action: OfflineAction): Promise<void>;
  /** Removes an action; removing an unknown id is not an error. */
  remove(id: string): Promise<void>;
}

/** A store that lives as long as the process (tests, or apps that accept losing the queue on exit). */
export class MemoryOfflineActionStore implements OfflineActionStore {
  private actions: OfflineAction[] = [];

  async list(): Promise<OfflineAction[]> {
    return this.actions.map((a) => ({ ...a }));
  }

  async add(action: OfflineAction): Promise<void> {
    if (!this.actions.some((a) => a.id === action.id)) this.actions.push({ ...action });
  }

  async remove(id: string): Promise<void> {
    this.actions = this.actions.filter((a) => a.id !== id);
  }
}

/** Splits `POST /v1/sync-configs` into method and path. */
export function parseEndpoint(endpoint: string): { method: string; path: string } {
  const space = endpoint.indexOf(' ');
  if (space <= 0) throw new Error(`Malformed offline action endpoint: ${endpoint}`);
  return { method: endpoint.slice(0, space).toUpperCase(), path: endpoint.slice(space + 1) };
}
