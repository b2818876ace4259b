// Small durable state the device module keeps between app launches: each pair's lastSyncTime and the
// journal of a staged write in progress. Ids and instants only, never health data. Apps plug in their
// own store (UserDefaults, DataStore, MMKV, AsyncStorage...) by implementing KeyValueStore.

/**
 * String values by key. `set` and `delete` must be durable when they resolve: the device module writes
 * its journal before confirming a write, so a crash in between does not write the records twice.
 */
export interface KeyValueStore {
  /** The value, or `undefined` when the key is not set. */
  get(key: string): Promise<string | undefined>;
  set(key: string, value: string): Promise<void>;
  /** Removes the key; removing a missing key is not an error. */
  delete(key: string): Promise<void>;
}

/** A store that lives as long as the process (tests, simulators). */
export class MemoryKeyValueStore implements KeyValueStore {
  private readonly values = new Map<string, string>();

  async get(key: string): Promise<string | undefined> {
    return this.values.get(key);
  }

  async set(key: string, value: string): Promise<void> {
    this.values.set(key, value);
  }

  async delete(key: string): Promise<void> {
    this.values.delete(key);
  }

  /** The keys held, sorted (diagnostics and tests). */
  keys(): string[] {
    return [...this.values.keys()].sort();
  }
}
