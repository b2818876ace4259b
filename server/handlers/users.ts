// The caller's own profile and settings. The profile is created on first sight of a user; an
// account deletion is recorded here and carried out by the worker (core/account/accountDeletion.ts).
import { DEFAULT_SETTINGS } from '../../core/store/profileRepository.js';
import { VersionConflictError } from '../../core/store/errors.js';
import type { HandlerMap } from '../http/operationTypes.js';
import { etagOf, requirePrecondition, versionConflictToHttp } from '../http/preconditions.js';
import { callerOf, type HandlerDependencies } from './dependencies.js';
import { AppError } from '../../core/errors/AppError.js';
import { clock } from '../../core/clock/clock.js';
import { deletionRequestOf } from '../../core/account/deletionRequest.js';

type UserOps = 'getCurrentUser' | 'getUserSettings' | 'updateUserSettings' | 'deleteCurrentUser';

export function userHandlers(d: HandlerDependencies): Pick<HandlerMap, UserOps> {
  const profileOf = (ctx: Parameters<HandlerMap['getCurrentUser']>[1]) => {
    const caller = callerOf(ctx);
    return d.profiles.ensure(caller.userId, { email: caller.email, tier: caller.tier });
  };

  return {
    async getCurrentUser(_req, ctx) {
      const p = await profileOf(ctx);
      return {
        status: 200,
        body: {
          userId: p.userId,
          email: p.email,
          subscriptionLevel: p.subscriptionLevel,
          createdAt: p.createdAt,
          settings: p.settings,
        },
      };
    },

    async getUserSettings(_req, ctx) {
      const p = await profileOf(ctx);
      return {
        status: 200,
        body: { settings: p.settings, version: p.version },
        headers: { ETag: etagOf(p.version) },
      };
    },

    // PUT replaces the settings document: keys left out fall back to their defaults.
    async updateUserSettings({ headers, body }, ctx) {
      const precondition = requirePrecondition(headers['If-Match'], body.version);
      const current = await profileOf(ctx);
      const expected = precondition === '*' ? current.version : precondition.version;
      try {
        const p = await d.profiles.updateSettings(
          current.userId,
          { ...DEFAULT_SETTINGS, ...body.settings },
          expected,
        );
        return {
          status: 200,
          body: { settings: p.settings, version: p.version },
          headers: { ETag: etagOf(p.version) },
        };
      } catch (error) {
        if (!(error instanceof VersionConflictError)) throw error;
        if (precondition === '*')
          throw new AppError(409, 'version_conflict', {
            params: { expected, actual: error.actual ?? 'none' },
          });
        throw versionConflictToHttp(error, precondition);
      }
    },

    // The tombstone first: from then on the account answers 410 and nothing of it runs, whatever
    // happens to the message. A repeated request (or a retry after a failed send) finds the
    // tombstone, answers the first requestedAt and sends the message again: the deletion's steps are
    // idempotent, and that run also erases what the repeated request itself left (its idempotency
    // record). The message waits USER_DELETION_SETTLE_SECONDS, see core/account/accountDeletion.ts.
    async deleteCurrentUser(_req, ctx) {
      const { userId } = callerOf(ctx);
      if (!d.producer.has('userDeletion'))
        throw new AppError(503, 'service_unavailable', {
          params: { retryAfterSeconds: 60 },
          headers: { 'Retry-After': '60' },
        });
      const deletion = await d.deletedUsers.request(userId, clock.date().toISOString());
      // Every process drops what it cached of the user, its account status included; this one
      // knows the answer at once.
      await d.userConfig.invalidate(userId);
      d.accountStatus.remember(userId, deletion);
      await d.producer.send('userDeletion', deletionRequestOf(userId, deletion), {
        delaySeconds: d.config.USER_DELETION_SETTLE_SECONDS,
      });
      ctx.logger.info({ requestedAt: deletion.requestedAt }, 'account deletion accepted');
      return { status: 202, body: { status: 'PENDING', requestedAt: deletion.requestedAt } };
    },
  };
}
