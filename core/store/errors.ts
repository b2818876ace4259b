// Storage-level outcomes the API maps to problem+json.

/** An optimistic-locking write lost: someone else wrote a newer version first. */
export class VersionConflictError extends Error {
  override readonly name = 'VersionConflictError';
  constructor(
    readonly expected: number,
    readonly actual: number | undefined,
  ) {
    super(`expected version ${expected}, found ${actual ?? 'none'}`);
  }
}

/** A conditional create found the item already there. */
export class AlreadyExistsError<T> extends Error {
  override readonly name = 'AlreadyExistsError';
  constructor(readonly existing: T) {
    super('item already exists');
  }
}
