// Verifies Firebase ID tokens (RS256, issuer https://securetoken.google.com/<project>, audience
// <project>) and caches the verified identity per token for AUTH_CACHE_TTL_MS (spec: the
// authorizer's 5-minute cache), never past the token's own expiry.
import { errors as joseErrors, jwtVerify, type JWTPayload } from 'jose';
import { LRUCache } from 'lru-cache';
import type { SubscriptionLevel } from '../../core/domain/types.js';
import { AppError } from '../../core/errors/AppError.js';
import type { JwksCache } from './jwksCache.js';
import { clock } from '../../core/clock/clock.js';

export interface AuthUser {
  userId: string;
  email: string | null;
  tier: SubscriptionLevel;
  /** `operator` for SyncWell's operators (a Firebase custom claim set by the Admin SDK), else `user`. */
  role: 'user' | 'operator';
  kid: string;
}

const USER_ID = /^[A-Za-z0-9_-]{1,128}$/;
const WWW_AUTHENTICATE = { 'WWW-Authenticate': 'Bearer error="invalid_token"' };

const unauthenticated = (cause?: unknown) =>
  new AppError(401, 'unauthenticated', { headers: WWW_AUTHENTICATE, cause });

export class TokenVerifier {
  private readonly verified: LRUCache<string, AuthUser>;
  readonly issuer: string;

  constructor(
    private readonly jwks: JwksCache,
    private readonly projectId: string,
    cacheTtlMs: number,
  ) {
    this.issuer = `https://securetoken.google.com/${projectId}`;
    this.verified = new LRUCache({ max: 100_000, ttl: Math.max(cacheTtlMs, 1) });
  }

  /** Resolves the caller from an Authorization header value; throws a 401 AppError. */
  async authenticate(authorization: string | undefined): Promise<AuthUser> {
    const match = /^Bearer ([A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+)$/.exec(authorization ?? '');
    const token = match?.[1];
    if (!token) throw unauthenticated();
    const cached = this.verified.get(token);
    if (cached) return cached;

    let payload: JWTPayload;
    let kid: string;
    try {
      const result = await jwtVerify(
        token,
        async (header) => {
          const key = header.kid ? await this.jwks.getKey(header.kid) : undefined;
          if (!key) throw new joseErrors.JWKSNoMatchingKey();
          return key;
        },
        {
          issuer: this.issuer,
          audience: this.projectId,
          algorithms: ['RS256'],
          requiredClaims: ['sub', 'iat', 'exp'],
          currentDate: clock.date(),
        },
      );
      payload = result.payload;
      kid = result.protectedHeader.kid ?? '';
    } catch (error) {
      if (error instanceof joseErrors.JWTExpired)
        throw new AppError(401, 'token_expired', { headers: WWW_AUTHENTICATE, cause: error });
      if (error instanceof joseErrors.JOSEError) throw unauthenticated(error);
      // JWKS unreachable: not the client's fault.
      throw new AppError(503, 'service_unavailable', {
        params: { retryAfterSeconds: 5 },
        headers: { 'Retry-After': '5' },
        cause: error,
      });
    }
    const authTime = typeof payload.auth_time === 'number' ? payload.auth_time : undefined;
    if (
      !payload.sub ||
      !USER_ID.test(payload.sub) ||
      (authTime !== undefined && authTime > clock.now() / 1000 + 60)
    )
      throw unauthenticated();

    const user: AuthUser = {
      userId: payload.sub,
      email: typeof payload.email === 'string' ? payload.email : null,
      // Billing sets the tier as a Firebase custom claim; without it the user is on the free tier.
      tier: payload.tier === 'PRO' ? 'PRO' : 'FREE',
      role: payload.role === 'operator' ? 'operator' : 'user',
      kid,
    };
    const ttl = (payload.exp ?? 0) * 1000 - clock.now();
    if (ttl > 0) this.verified.set(token, user, { ttl: Math.min(ttl, this.verified.ttl) });
    return user;
  }

  /** Admin: stop trusting a signing key now (and every identity verified with it). */
  evictKey(kid: string): boolean {
    const evicted = this.jwks.evict(kid);
    for (const [token, user] of this.verified.entries()) if (user.kid === kid) this.verified.delete(token);
    return evicted;
  }
}
