// The order the contract promises for a user's connections and sync configurations: oldest first.
// The table keeps them in sort-key order (random UUIDs), so the lists are sorted after reading. The
// order is total (equal creation times fall back to the id), so a later keyset cursor stays stable.

const compare = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** Oldest first by `createdAt` (ISO 8601 UTC, so text order is time order), then by id. */
export const byCreation =
  <T extends { createdAt: string }>(idOf: (item: T) => string) =>
  (a: T, b: T): number =>
    compare(a.createdAt, b.createdAt) || compare(idOf(a), idOf(b));
