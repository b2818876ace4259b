// A provider's connections across all users, for the rare sweeps that need them (a provider's
// retirement notice, core/notices/): a Scan of CONN items filtered by provider, page by page, since
// no index is keyed by provider (every request path reads connections by user). Callers throttle
// between pages, as the re-authentication scan does (seed T-003).
import type { Provider } from '../domain/types.js';
import { connectionFromItem, type ConnectionItem, type ConnectionRecord } from './connectionRepository.js';
import type { DocumentStore, Item } from './documentStore.js';

export interface ConnectionPage {
  connections: ConnectionRecord[];
  /** Where the next page starts; absent after the last one. */
  next?: Item;
}

export class ConnectionsByProvider {
  constructor(
    private readonly db: DocumentStore,
    private readonly tableName: string,
  ) {}

  /** Up to `limit` items examined (a Scan's Limit counts before the filter), the matching ones returned. */
  async scanPage(provider: Provider, limit: number, start?: Item): Promise<ConnectionPage> {
    const out = await this.db.scan({
      TableName: this.tableName,
      FilterExpression: 'Entity = :conn AND Provider = :provider',
      ExpressionAttributeValues: { ':conn': 'CONN', ':provider': provider },
      Limit: limit,
      ...(start ? { ExclusiveStartKey: start } : {}),
    });
    return {
      connections: out.Items.map((i) => connectionFromItem(i as ConnectionItem)),
      ...(out.LastEvaluatedKey ? { next: out.LastEvaluatedKey } : {}),
    };
  }
}
