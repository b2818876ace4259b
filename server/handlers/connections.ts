// Connections: list and delete here; the OAuth flow (create + callback) is in connectionOAuth.ts.
import { AppError } from '../../core/errors/AppError.js';
import type { ConnectionRecord } from '../../core/store/connectionRepository.js';
import type { HandlerMap } from '../http/operationTypes.js';
import { connectionOAuthHandlers } from './connectionOAuth.js';
import { noticesFor, toConnectionView } from './connectionView.js';
import { callerOf, type HandlerDependencies } from './dependencies.js';

export const connectionNotFound = (connectionId: string) =>
  new AppError(404, 'connection_not_found', { params: { connectionId } });

type ConnectionOps = 'listConnections' | 'createConnection' | 'completeOAuth' | 'deleteConnection';

export function connectionHandlers(d: HandlerDependencies): Pick<HandlerMap, ConnectionOps> {
  return {
    async listConnections(_req, ctx) {
      const { userId, tier } = callerOf(ctx);
      const { connections } = await d.userConfig.get(userId);
      // Retiring providers' notices, as operators set them in the dynamic configuration.
      const noticeOf = noticesFor(d.dynamicConfig, { userId, tier });
      return {
        status: 200,
        body: {
          connections: connections.map((c) =>
            toConnectionView(c, d.config.ASSET_BASE_URL, noticeOf(c.provider)),
          ),
        },
      };
    },

    ...connectionOAuthHandlers(d),

    // Revoked at the provider first; if it cannot be asked now, the connection still goes and the
    // worker retries the revocation (core/connections/connectionRemoval.ts). 204 either way.
    async deleteConnection({ params }, ctx) {
      const { userId } = callerOf(ctx);
      const connection = await d.connections.get(userId, params.connectionId);
      if (!connection) throw connectionNotFound(params.connectionId);
      const { revocation } = await d.connectionRemoval.remove(userId, connection);
      ctx.logger.info(
        { connectionId: connection.connectionId, provider: connection.provider, revocation },
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
