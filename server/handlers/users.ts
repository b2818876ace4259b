// The caller's own profile and settings. The profile is created on first sight of a user.
import { DEFAULT_SETTINGS } from '../../core/store/profileRepository.js';
import { VersionConflictError } from '../../core/store/errors.js';
import type { HandlerMap } from '../http/operationTypes.js';
import { etagOf, requirePrecondition, versionConflictToHttp } from '../http/preconditions.js';
import { callerOf, type HandlerDependencies } from './dependencies.js';
import { AppError, notImplemented } from '../../core/errors/AppError.js';

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

    async deleteCurrentUser() {
      throw notImplemented('deleteCurrentUser');
    },
  };
}
