import { clock } from '../clock/clock.js';
// A user's OAuth tokens for one provider connection (spec §2). The class is built so that a careless
// log line, error, JSON body or copy cannot carry the secrets anywhere:
// - every field is a JS private field (#), so JSON.stringify, spread, Object.keys/entries,
//   structuredClone and util.inspect see no token material;
// - toString(), toJSON() and the util.inspect hook print a redacted summary;
// - the secrets come out only through explicitly named methods (revealAccessToken,
//   revealRefreshToken, sealForStorage), and a lint rule (eslint.config.js, no-restricted-syntax)
//   allows those calls only in core/secrets, core/oauth, the provider HTTP layer and the worker's
//   credential code.

const INSPECT = Symbol.for('nodejs.util.inspect.custom');
const SEALED_VERSION = 1;

export interface ProviderTokensInit {
  accessToken: string;
  /** Null or absent when the provider issues none (or the grant does not include offline access). */
  refreshToken?: string | null;
  /** When the access token expires, epoch milliseconds. */
  expiresAt: number;
  /** Granted scopes as the provider reports them (space-separated); empty when unknown. */
  scope?: string;
  /** Usually `Bearer`. */
  tokenType?: string;
  /** The user's id at the provider, when the token response carries it. */
  providerUserId?: string;
}

/** A token refresh response, normalised. */
export interface RefreshedTokens {
  accessToken: string;
  /** Absent when the provider keeps the refresh token (Google); present when it rotates it (Fitbit, Strava). */
  refreshToken?: string | null;
  expiresAt: number;
  /** Absent keeps the current scopes. */
  scope?: string;
  tokenType?: string;
}

/** What toJSON() and the inspect hook show: metadata only, never token material. */
export interface RedactedProviderTokens {
  redacted: true;
  tokenType: string;
  scope: string;
  expiresAt: string;
  hasRefreshToken: boolean;
}

function requireNonEmpty(value: unknown, field: string): string {
  // The message names the field only: never the value, which may be a token.
  if (typeof value !== 'string' || value.length === 0) {
    throw new TypeError(`ProviderTokens: ${field} must be a non-empty string`);
  }
  return value;
}

function requireExpiresAt(value: unknown): number {
  // 8.64e15 is the largest instant a Date can hold.
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || value > 8.64e15) {
    throw new TypeError('ProviderTokens: expiresAt must be a finite epoch-milliseconds number');
  }
  return value;
}

export class ProviderTokens {
  readonly #accessToken: string;
  readonly #refreshToken: string | null;
  readonly #expiresAt: number;
  readonly #scope: string;
  readonly #tokenType: string;
  readonly #providerUserId: string | undefined;

  constructor(init: ProviderTokensInit) {
    this.#accessToken = requireNonEmpty(init.accessToken, 'accessToken');
    this.#refreshToken =
      init.refreshToken === undefined || init.refreshToken === null
        ? null
        : requireNonEmpty(init.refreshToken, 'refreshToken');
    this.#expiresAt = requireExpiresAt(init.expiresAt);
    this.#scope = init.scope ?? '';
    if (typeof this.#scope !== 'string') throw new TypeError('ProviderTokens: scope must be a string');
    this.#tokenType = init.tokenType === undefined ? 'Bearer' : requireNonEmpty(init.tokenType, 'tokenType');
    this.#providerUserId =
      init.providerUserId === undefined ? undefined : requireNonEmpty(init.providerUserId, 'providerUserId');
    // No own properties may ever be added (a later `tokens.debug = ...` would be serialisable).
    Object.freeze(this);
  }

  // --- Non-secret metadata (getters live on the prototype: not enumerable, not copied) ---

  get expiresAt(): number {
    return this.#expiresAt;
  }

  get scope(): string {
    return this.#scope;
  }

  get tokenType(): string {
    return this.#tokenType;
  }

  get providerUserId(): string | undefined {
    return this.#providerUserId;
  }

  get hasRefreshToken(): boolean {
    return this.#refreshToken !== null;
  }

  /** True when the access token expires within `ms` of `now` (or has already expired). */
  expiresWithin(ms: number, now: number = clock.now()): boolean {
    return this.#expiresAt - now <= ms;
  }

  /**
   * The tokens after a refresh, as a new instance. Providers that rotate refresh tokens (Fitbit,
   * Strava) send a new one, which replaces the old; providers that do not (Google) send none, and the
   * current one is kept. Scope and token type are kept unless the response states them.
   */
  withRefreshed(refreshed: RefreshedTokens): ProviderTokens {
    const rotated = refreshed.refreshToken !== undefined && refreshed.refreshToken !== null;
    return new ProviderTokens({
      accessToken: refreshed.accessToken,
      refreshToken: rotated ? refreshed.refreshToken : this.#refreshToken,
      expiresAt: refreshed.expiresAt,
      scope: refreshed.scope ?? this.#scope,
      tokenType: refreshed.tokenType ?? this.#tokenType,
      ...(this.#providerUserId === undefined ? {} : { providerUserId: this.#providerUserId }),
    });
  }

  // --- The only ways out for the secrets (restricted by lint to a few modules) ---

  /** The access token, for the Authorization header of a provider call. */
  revealAccessToken(): string {
    return this.#accessToken;
  }

  /** The refresh token, for a refresh grant; null when the provider issued none. */
  revealRefreshToken(): string | null {
    return this.#refreshToken;
  }

  /** The plaintext serialisation a secret-store adapter encrypts or hands to Secrets Manager. */
  sealForStorage(): string {
    return JSON.stringify({
      v: SEALED_VERSION,
      accessToken: this.#accessToken,
      refreshToken: this.#refreshToken,
      expiresAt: this.#expiresAt,
      scope: this.#scope,
      tokenType: this.#tokenType,
      ...(this.#providerUserId === undefined ? {} : { providerUserId: this.#providerUserId }),
    });
  }

  /**
   * The inverse of sealForStorage(). Throws a TypeError that says nothing about the content (JSON
   * parse errors quote the input, which would put token material into logs).
   */
  static unsealFromStorage(sealed: string): ProviderTokens {
    let data: unknown;
    try {
      data = JSON.parse(sealed);
    } catch {
      throw new TypeError('ProviderTokens: sealed value is not valid JSON');
    }
    if (typeof data !== 'object' || data === null || (data as { v?: unknown }).v !== SEALED_VERSION) {
      throw new TypeError('ProviderTokens: sealed value has an unknown format');
    }
    const d = data as Record<string, unknown>;
    return new ProviderTokens({
      accessToken: d.accessToken as string,
      refreshToken: d.refreshToken as string | null | undefined,
      expiresAt: d.expiresAt as number,
      scope: d.scope as string | undefined,
      tokenType: d.tokenType as string | undefined,
      ...(d.providerUserId === undefined ? {} : { providerUserId: d.providerUserId as string }),
    });
  }

  // --- Redacted views ---

  toJSON(): RedactedProviderTokens {
    return {
      redacted: true,
      tokenType: this.#tokenType,
      scope: this.#scope,
      expiresAt: new Date(this.#expiresAt).toISOString(),
      hasRefreshToken: this.#refreshToken !== null,
    };
  }

  toString(): string {
    return (
      `ProviderTokens(accessToken=[redacted], refreshToken=${this.#refreshToken === null ? 'none' : '[redacted]'}, ` +
      `tokenType=${this.#tokenType}, scope=${JSON.stringify(this.#scope)}, expiresAt=${new Date(this.#expiresAt).toISOString()})`
    );
  }

  [Symbol.toPrimitive](): string {
    return this.toString();
  }

  [INSPECT](): string {
    return this.toString();
  }

  get [Symbol.toStringTag](): string {
    return 'ProviderTokens';
  }
}
