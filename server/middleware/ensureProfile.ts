// Every signed-in user has a PROFILE item whose tier is the token's (issue 10 §3e). The scheduler
// finds users only through the profile's SchedulerIndex attributes (SyncTierShardId,
// NextSyncTimestamp), and the tier comes from the token's `tier` claim, which billing owns: so the
// profile is ensured on the first request of a user (whatever the operation: an app may connect
// providers and configure syncs without ever calling GET /v1/users/me) and again whenever a token
// carries another tier. A small in-process cache remembers which users were reconciled with which
// tier, so an ordinary request costs no backend call.
import type { NextFunction, Request, Response } from 'express';
import { LRUCache } from 'lru-cache';
import type { SubscriptionLevel } from '../../core/domain/types.js';
import type { ProfileRepository } from '../../core/store/profileRepository.js';

/** Re-checked after this long even without a tier change (a profile removed meanwhile comes back). */
const RECHECK_MS = 10 * 60_000;
const MAX_USERS = 100_000;

export function ensureProfile(profiles: Pick<ProfileRepository, 'ensure'>) {
  const reconciled = new LRUCache<string, SubscriptionLevel>({ max: MAX_USERS, ttl: RECHECK_MS });
  return async (_req: Request, res: Response, next: NextFunction) => {
    const { ctx } = res.locals;
    const caller = ctx.auth;
    if (!caller || reconciled.get(caller.userId) === caller.tier) return next();
    try {
      // Idempotent: creates the profile if absent (never overwrites one), moves it to the token's tier.
      await profiles.ensure(caller.userId, { email: caller.email, tier: caller.tier });
      reconciled.set(caller.userId, caller.tier);
    } catch (error) {
      // The profile feeds the scheduler, not this request: it goes on, and the next one tries again.
      ctx.logger.warn({ err: error }, 'profile not ensured; the next request retries');
    }
    next();
  };
}
