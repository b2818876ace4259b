// Who a provider's user is to us: `PROVIDERUSER#{provider}#{providerUserId}` → user id and
// connection id. Webhooks name only the provider's user (Strava's owner_id, Fitbit's ownerId,
// Garmin's userId); the coalescer resolves them here with one GetItem. Written when a connection
// is activated, deleted with the connection.
import type { CloudProvider } from '../domain/types.js';
import { isConditionalCheckFailed, type DocumentStore } from './documentStore.js';
import { providerUserKey, singletonKey } from './keys.js';

const key = (provider: CloudProvider, providerUserId: string) =>
  singletonKey(providerUserKey(provider, providerUserId));

export interface ProviderUserLink {
  userId: string;
  connectionId: string;
}

export class ProviderUserIndex {
  constructor(
    private readonly db: DocumentStore,
    private readonly tableName: string,
  ) {}

  async link(provider: CloudProvider, providerUserId: string, link: ProviderUserLink): Promise<void> {
    await this.db.put({
      TableName: this.tableName,
      Item: {
        ...key(provider, providerUserId),
        Entity: 'PROVIDERUSER',
        UserId: link.userId,
        ConnectionId: link.connectionId,
      },
    });
  }

  async resolve(provider: CloudProvider, providerUserId: string): Promise<ProviderUserLink | undefined> {
    const out = await this.db.get({ TableName: this.tableName, Key: key(provider, providerUserId) });
    const item = out.Item as { UserId?: string; ConnectionId?: string } | undefined;
    return item?.UserId && item.ConnectionId
      ? { userId: item.UserId, connectionId: item.ConnectionId }
      : undefined;
  }

  /** Removes the link only if it still points at this connection (a newer one may have replaced it). */
  async unlink(provider: CloudProvider, providerUserId: string, connectionId: string): Promise<void> {
    try {
      await this.db.delete({
        TableName: this.tableName,
        Key: key(provider, providerUserId),
        ConditionExpression: 'ConnectionId = :c',
        ExpressionAttributeValues: { ':c': connectionId },
      });
    } catch (error) {
      if (!isConditionalCheckFailed(error)) throw error;
    }
  }
}
