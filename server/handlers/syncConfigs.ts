// Sync configurations: CRUD with optimistic locking (ETag / version) and ownership checks.
import { AppError } from '../../core/errors/AppError.js';
import type { ConflictStrategy, SyncConfig } from '../../core/domain/types.js';
import { DEFAULT_SETTINGS } from '../../core/store/profileRepository.js';
import { AlreadyExistsError, VersionConflictError } from '../../core/store/errors.js';
import type { SyncConfigRecord } from '../../core/store/syncConfigRepository.js';
import type { HandlerMap } from '../http/operationTypes.js';
import {
  etagOf,
  preconditionFrom,
  requirePrecondition,
  versionConflictToHttp,
} from '../http/preconditions.js';
import { ownedConnection } from './connections.js';
import { callerOf, idempotencyOf, type HandlerDependencies } from './dependencies.js';
import { clock } from '../../core/clock/clock.js';

const toView = ({ userId: _userId, ...config }: SyncConfigRecord): SyncConfig => config;
const location = (configId: string) => `/v1/sync-configs/${configId}`;
const syncConfigNotFound = () =>
  new AppError(404, 'not_found', { params: { resource: 'sync configuration' } });

type SyncConfigOps =
  'listSyncConfigs' | 'createSyncConfig' | 'getSyncConfig' | 'updateSyncConfig' | 'deleteSyncConfig';

export function syncConfigHandlers(d: HandlerDependencies): Pick<HandlerMap, SyncConfigOps> {
  async function find(userId: string, configId: string): Promise<SyncConfigRecord> {
    const { syncConfigs } = await d.userConfig.get(userId);
    const found = syncConfigs.find((c) => c.configId === configId);
    if (!found) throw syncConfigNotFound();
    return found;
  }

  /** The user's setting; the documented default when the user has no profile or left it unset. */
  async function defaultConflictStrategy(userId: string): Promise<ConflictStrategy> {
    const profile = await d.profiles.get(userId);
    return profile?.settings.conflictResolutionStrategy ?? DEFAULT_SETTINGS.conflictResolutionStrategy;
  }

  async function checkPair(userId: string, sourceConnectionId: string, destinationConnectionId: string) {
    if (sourceConnectionId === destinationConnectionId) throw new AppError(400, 'same_connection');
    await Promise.all([
      ownedConnection(d, userId, sourceConnectionId),
      ownedConnection(d, userId, destinationConnectionId),
    ]);
  }

  return {
    async listSyncConfigs(_req, ctx) {
      const { syncConfigs } = await d.userConfig.get(callerOf(ctx).userId);
      return { status: 200, body: { syncConfigs: syncConfigs.map(toView) } };
    },

    async createSyncConfig({ body }, ctx) {
      const { userId } = callerOf(ctx);
      const { reservedId } = idempotencyOf(ctx);
      await checkPair(userId, body.sourceConnectionId, body.destinationConnectionId);
      const now = clock.date().toISOString();
      // The id comes from the idempotency reservation: a retry after a crash finds "its" config.
      const configId = `cfg_${reservedId}`;
      let created: SyncConfigRecord;
      try {
        created = await d.syncConfigs.create({
          userId,
          configId,
          sourceConnectionId: body.sourceConnectionId,
          destinationConnectionId: body.destinationConnectionId,
          dataType: body.dataType,
          conflictStrategy: body.conflictStrategy ?? (await defaultConflictStrategy(userId)),
          isEnabled: body.isEnabled ?? true,
          version: 1,
          createdAt: now,
          updatedAt: now,
        });
      } catch (error) {
        if (!(error instanceof AlreadyExistsError)) throw error;
        const existing = error.existing as SyncConfigRecord;
        if (existing.configId !== configId)
          throw new AppError(409, 'sync_config_exists', { params: { configId: existing.configId } });
        created = existing;
      }
      await d.userConfig.invalidate(userId);
      return {
        status: 201,
        body: toView(created),
        headers: { ETag: etagOf(created.version), Location: location(created.configId) },
      };
    },

    async getSyncConfig({ params }, ctx) {
      const config = await find(callerOf(ctx).userId, params.configId);
      return { status: 200, body: toView(config), headers: { ETag: etagOf(config.version) } };
    },

    async updateSyncConfig({ params, headers, body }, ctx) {
      const { userId } = callerOf(ctx);
      const precondition = requirePrecondition(headers['If-Match'], body.version);
      const current = await find(userId, params.configId);
      if (
        body.destinationConnectionId !== undefined &&
        body.destinationConnectionId !== current.destinationConnectionId
      )
        await checkPair(userId, current.sourceConnectionId, body.destinationConnectionId);
      const expected = precondition === '*' ? current.version : precondition.version;
      let updated: SyncConfigRecord;
      try {
        updated = await d.syncConfigs.update(
          current,
          {
            destinationConnectionId: body.destinationConnectionId,
            conflictStrategy: body.conflictStrategy,
            isEnabled: body.isEnabled,
          },
          expected,
        );
      } catch (error) {
        if (!(error instanceof VersionConflictError)) throw error;
        if (error.actual === undefined) throw syncConfigNotFound();
        if (precondition === '*')
          throw new AppError(409, 'version_conflict', { params: { expected, actual: error.actual } });
        throw versionConflictToHttp(error, precondition);
      }
      await d.userConfig.invalidate(userId);
      return { status: 200, body: toView(updated), headers: { ETag: etagOf(updated.version) } };
    },

    async deleteSyncConfig({ params, headers }, ctx) {
      const { userId } = callerOf(ctx);
      const precondition = preconditionFrom(headers['If-Match'], undefined);
      const current = await find(userId, params.configId);
      try {
        await d.syncConfigs.delete(current, precondition?.version);
      } catch (error) {
        if (!(error instanceof VersionConflictError) || !precondition) throw error;
        if (error.actual === undefined) throw syncConfigNotFound();
        throw versionConflictToHttp(error, precondition);
      }
      await d.userConfig.invalidate(userId);
      return { status: 204, body: undefined };
    },
  };
}
