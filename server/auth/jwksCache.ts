// The signing keys of the token issuer (Firebase's JWKS), cached in memory for JWKS_CACHE_TTL_MS
// (spec 3b, `jwks##{providerUrl}`, 1 h). `evict(kid)` is the admin mitigation for R-002: a key
// revoked upstream stops being trusted at once instead of up to an hour later. Refetches are
// rate-limited so tokens with unknown kids cannot turn into a request storm against the issuer.
import { importJWK, type JWK, type CryptoKey } from 'jose';
import { clock } from '../../core/clock/clock.js';

interface CachedSet {
  keys: Map<string, CryptoKey>;
  fetchedAt: number;
}

export class JwksCache {
  private cached: CachedSet | undefined;
  private fetching: Promise<CachedSet> | undefined;
  private lastFetchAt = 0;

  constructor(
    private readonly url: string,
    private readonly ttlMs: number,
    private readonly refetchCooldownMs = 30_000,
  ) {}

  get cacheKey(): string {
    return `jwks##${this.url}`;
  }

  /** The key for `kid`, refreshing the set when it is stale or does not know the kid (at most once per cooldown). */
  async getKey(kid: string): Promise<CryptoKey | undefined> {
    const now = clock.now();
    let set = this.cached;
    if (!set || now - set.fetchedAt > this.ttlMs) set = await this.refresh();
    const key = set.keys.get(kid);
    if (key || now - this.lastFetchAt < this.refetchCooldownMs) return key;
    return (await this.refresh()).keys.get(kid);
  }

  /** Drops one key (the next token signed with it refetches the set at once); false when it was not cached. */
  evict(kid: string): boolean {
    const evicted = this.cached?.keys.delete(kid) ?? false;
    if (evicted) this.lastFetchAt = 0;
    return evicted;
  }

  cachedKids(): string[] {
    return [...(this.cached?.keys.keys() ?? [])];
  }

  private refresh(): Promise<CachedSet> {
    this.fetching ??= this.fetchSet().finally(() => (this.fetching = undefined));
    return this.fetching;
  }

  private async fetchSet(): Promise<CachedSet> {
    this.lastFetchAt = clock.now();
    const response = await fetch(this.url, { signal: AbortSignal.timeout(5000) });
    if (!response.ok) throw new Error(`JWKS fetch failed: HTTP ${response.status}`);
    const body = (await response.json()) as { keys?: JWK[] };
    const keys = new Map<string, CryptoKey>();
    for (const jwk of body.keys ?? []) {
      if (!jwk.kid || (jwk.alg && jwk.alg !== 'RS256') || jwk.kty !== 'RSA') continue;
      keys.set(jwk.kid, (await importJWK(jwk, 'RS256')) as CryptoKey);
    }
    this.cached = { keys, fetchedAt: clock.now() };
    return this.cached;
  }
}
