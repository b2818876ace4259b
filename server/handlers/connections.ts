// Connections: list and delete here; the OAuth flow (create + callback) is in connectionOAuth.ts.
import { AppError } from '../../core/errors/AppError.js';
import { isCloudProvider } from '../../core/providers/profiles.js';
import type { ConnectionRecord } from '../../core/store/connectionRepository.js';
import type { HandlerMap } from '../http/operationTypes.js';
import { connectionOAuthHandlers } from './connectionOAuth.js';
import { toConnectionView } from './connectionView.js';
import { callerOf, type HandlerDependencies } from './dependencies.js';

export const connectionNotFound = (connectionId: string) =>
  new AppError(404, 'connection_not_found', { params: { connectionId } });

type ConnectionOps = 'listConnections' | 'createConnection' | 'completeOAuth' | 'deleteConnection';

export function connectionHandlers(d: HandlerDependencies): Pick<HandlerMap, ConnectionOps> {
  return {
    async listConnections(_req, ctx) {
      const { connections } = await d.userConfig.get(callerOf(ctx).userId);
      return {
        status: 200,
        body: { connections: connections.map((c) => toConnectionView(c, d.config.ASSET_BASE_URL)) },
      };
    },

    ...connectionOAuthHandlers(d),

    // Spec C-009: dependent sync configurations go first, so a crash in between never leaves a
    // configuration pointing at a connection that no longer exists.
    async deleteConnection({ params }, ctx) {
      const { userId } = callerOf(ctx);
      const connection = await d.connections.get(userId, params.connectionId);
      if (!connection) throw connectionNotFound(params.connectionId);
      await d.syncConfigs.deleteForConnection(userId, connection.connectionId);
      await d.connections.delete(userId, connection.connectionId);
      if (connection.providerUserId && isCloudProvider(connection.provider))
        await d.providerUsers.unlink(connection.provider, connection.providerUserId, connection.connectionId);
      await d.userConfig.invalidate(userId);
      // The tokens go with the connection; a failure here leaves an orphan secret, never a live pointer.
      if (connection.credentialRef)
        await d.secrets
          .delete(connection.credentialRef)
          .catch((error: unknown) =>
            ctx.logger.warn({ err: error, connectionId: connection.connectionId }, 'credentials not deleted'),
          );
      ctx.logger.info(
        { connectionId: connection.connectionId, provider: connection.provider },
        'connection deleted',
      );
      return { status: 204, body: undefined };
    },
  };
}

/**
 * The caller's connection, from the user config cache; a miss is re-checked against the table
 * (the cache may predate a connection created moments ago). Other users' ids are simply not found.
 */
export async function ownedConnection(
  d: HandlerDependencies,
  userId: string,
  connectionId: string,
): Promise<ConnectionRecord> {
  const { connections } = await d.userConfig.get(userId);
  const found =
    connections.find((c) => c.connectionId === connectionId) ??
    (await d.connections.get(userId, connectionId));
  if (!found) throw connectionNotFound(connectionId);
  return found;
}
