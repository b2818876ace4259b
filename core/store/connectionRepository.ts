// CONN items: one per third-party connection. Credentials never live here: CredentialArn is a
// random UUID pointer into the secret store (spec §2, secure configuration). ReAuthStatus is set
// only while a connection needs re-authorization, which keeps the ReAuthStatusIndex sparse.
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { CloudProvider, ConnectionStatus, Provider } from '../domain/types.js';
import type { BatchWriter } from './batchWriter.js';
import { isConditionalCheckFailed, type DocumentClient } from './dynamoClient.js';
import { AlreadyExistsError } from './errors.js';
import { connectionSk, SK_PREFIX, userPk } from './keys.js';
import { queryPartition } from './queryPartition.js';

export type ReAuthStatus = 'ok' | 'pending_user_action' | 'failed';

export interface ConnectionRecord {
  userId: string;
  connectionId: string;
  provider: Provider | CloudProvider;
  status: ConnectionStatus;
  credentialRef: string | null;
  reAuthStatus?: ReAuthStatus;
  providerUserId?: string;
  createdAt: string;
  updatedAt: string;
}

interface ConnectionItem {
  PK: string;
  SK: string;
  Entity: 'CONN';
  ConnectionId: string;
  Provider: ConnectionRecord['provider'];
  Status: ConnectionStatus;
  CredentialArn: string | null;
  ReAuthStatus?: ReAuthStatus;
  ProviderUserId?: string;
  CreatedAt: string;
  UpdatedAt: string;
}

const toRecord = (i: ConnectionItem): ConnectionRecord => ({
  userId: i.PK.slice('USER#'.length),
  connectionId: i.ConnectionId,
  provider: i.Provider,
  status: i.Status,
  credentialRef: i.CredentialArn ?? null,
  ...(i.ReAuthStatus ? { reAuthStatus: i.ReAuthStatus } : {}),
  ...(i.ProviderUserId ? { providerUserId: i.ProviderUserId } : {}),
  createdAt: i.CreatedAt,
  updatedAt: i.UpdatedAt,
});

const toItem = (r: ConnectionRecord): ConnectionItem => ({
  PK: userPk(r.userId),
  SK: connectionSk(r.connectionId),
  Entity: 'CONN',
  ConnectionId: r.connectionId,
  Provider: r.provider,
  Status: r.status,
  CredentialArn: r.credentialRef,
  // Sparse GSI attribute: present only while the user has to act.
  ...(r.status === 'needs_reauth' ? { ReAuthStatus: r.reAuthStatus ?? 'pending_user_action' } : {}),
  ...(r.providerUserId ? { ProviderUserId: r.providerUserId } : {}),
  CreatedAt: r.createdAt,
  UpdatedAt: r.updatedAt,
});

export class ConnectionRepository {
  constructor(
    private readonly db: DocumentClient,
    private readonly tableName: string,
    private readonly writer: BatchWriter,
  ) {}

  async listByUser(userId: string): Promise<ConnectionRecord[]> {
    const items = await queryPartition<ConnectionItem>(
      this.db,
      this.tableName,
      userPk(userId),
      SK_PREFIX.connection,
    );
    return items.map(toRecord);
  }

  async get(userId: string, connectionId: string): Promise<ConnectionRecord | undefined> {
    const out = await this.db.send(
      new GetCommand({
        TableName: this.tableName,
        Key: { PK: userPk(userId), SK: connectionSk(connectionId) },
      }),
    );
    return out.Item ? toRecord(out.Item as ConnectionItem) : undefined;
  }

  async create(record: ConnectionRecord): Promise<ConnectionRecord> {
    try {
      await this.db.send(
        new PutCommand({
          TableName: this.tableName,
          Item: toItem(record),
          ConditionExpression: 'attribute_not_exists(PK)',
        }),
      );
      return record;
    } catch (error) {
      if (isConditionalCheckFailed(error)) throw new AlreadyExistsError(record);
      throw error;
    }
  }

  delete(userId: string, connectionId: string): Promise<void> {
    return this.writer.delete({ PK: userPk(userId), SK: connectionSk(connectionId) });
  }
}
