// CONN items: one per third-party connection. Credentials never live here: CredentialArn is a
// random UUID pointer into the secret store (spec §2, secure configuration). ReAuthStatus is set
// only while a connection needs re-authorization, which keeps the ReAuthStatusIndex sparse.
import type { CloudProvider, ConnectionStatus, Provider } from '../domain/types.js';
import type { BatchWriter } from './batchWriter.js';
import { isConditionalCheckFailed, type DocumentStore } from './documentStore.js';
import { AlreadyExistsError } from './errors.js';
import { connectionSk, SK_PREFIX, userIdOfPk, userPk } from './keys.js';
import { queryPartition } from './queryPartition.js';
import { byCreation } from './creationOrder.js';

export type ReAuthStatus = 'ok' | 'pending_user_action' | 'failed';

export interface ConnectionRecord {
  userId: string;
  connectionId: string;
  provider: Provider | CloudProvider;
  status: ConnectionStatus;
  credentialRef: string | null;
  reAuthStatus?: ReAuthStatus;
  /** When the connection started needing the user (the re-authentication episode's start). */
  reAuthSince?: string;
  providerUserId?: string;
  createdAt: string;
  updatedAt: string;
}

export type ConnectionItem = {
  PK: string;
  SK: string;
  Entity: 'CONN';
  ConnectionId: string;
  Provider: ConnectionRecord['provider'];
  Status: ConnectionStatus;
  CredentialArn: string | null;
  ReAuthStatus?: ReAuthStatus;
  ReAuthSince?: string;
  ProviderUserId?: string;
  CreatedAt: string;
  UpdatedAt: string;
};

/** A CONN item as a record (also for core/store/reAuthRepository.ts, which reads the same items). */
export const connectionFromItem = (i: ConnectionItem): ConnectionRecord => ({
  userId: userIdOfPk(i.PK),
  connectionId: i.ConnectionId,
  provider: i.Provider,
  status: i.Status,
  credentialRef: i.CredentialArn ?? null,
  ...(i.ReAuthStatus ? { reAuthStatus: i.ReAuthStatus } : {}),
  ...(i.ReAuthSince ? { reAuthSince: i.ReAuthSince } : {}),
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
  ...(r.status === 'needs_reauth'
    ? { ReAuthStatus: r.reAuthStatus ?? 'pending_user_action', ReAuthSince: r.reAuthSince ?? r.updatedAt }
    : {}),
  ...(r.providerUserId ? { ProviderUserId: r.providerUserId } : {}),
  CreatedAt: r.createdAt,
  UpdatedAt: r.updatedAt,
});

export class ConnectionRepository {
  constructor(
    private readonly db: DocumentStore,
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
    return items.map(connectionFromItem).sort(byCreation((r) => r.connectionId));
  }

  async get(userId: string, connectionId: string): Promise<ConnectionRecord | undefined> {
    const out = await this.db.get({
      TableName: this.tableName,
      Key: { PK: userPk(userId), SK: connectionSk(connectionId) },
    });
    return out.Item ? connectionFromItem(out.Item as ConnectionItem) : undefined;
  }

  async create(record: ConnectionRecord): Promise<ConnectionRecord> {
    try {
      await this.db.put({
        TableName: this.tableName,
        Item: toItem(record),
        ConditionExpression: 'attribute_not_exists(PK)',
      });
      return record;
    } catch (error) {
      if (isConditionalCheckFailed(error)) throw new AlreadyExistsError(record);
      throw error;
    }
  }

  delete(userId: string, connectionId: string): Promise<void> {
    return this.writer.delete({ PK: userPk(userId), SK: connectionSk(connectionId) });
  }

  /** The user's connection to `provider` for the same provider account, if any (re-authorization). */
  async findByProviderUser(
    userId: string,
    provider: ConnectionRecord['provider'],
    providerUserId: string,
  ): Promise<ConnectionRecord | undefined> {
    const all = await this.listByUser(userId);
    return all.find(
      (c) => c.provider === provider && c.providerUserId === providerUserId && c.status !== 'pending',
    );
  }

  /**
   * pending → active once the code exchange stored the tokens. Conditional: a connection deleted
   * meanwhile is not brought back (returns undefined).
   */
  activate(
    userId: string,
    connectionId: string,
    changes: { credentialRef: string; providerUserId?: string; now: string },
  ): Promise<ConnectionRecord | undefined> {
    return this.setStatus(userId, connectionId, 'active', changes, 'attribute_exists(PK)');
  }

  /**
   * A refresh failed for good (invalid_grant), the user revoked us, or the stored credentials are
   * gone: the user must reconnect. With `credentialRef`, only while the connection still points at
   * those credentials (null: at none), so a reconnect that just stored new ones is not undone.
   */
  markNeedsReauth(
    userId: string,
    connectionId: string,
    now: string,
    options: { credentialRef?: string | null } = {},
  ): Promise<ConnectionRecord | undefined> {
    let condition = 'attribute_exists(PK) AND #s = :active';
    const values: Record<string, unknown> = { ':active': 'active' };
    if (options.credentialRef === null) {
      condition += ' AND (attribute_not_exists(CredentialArn) OR attribute_type(CredentialArn, :nullType))';
      values[':nullType'] = 'NULL';
    } else if (options.credentialRef !== undefined) {
      condition += ' AND CredentialArn = :expectedRef';
      values[':expectedRef'] = options.credentialRef;
    }
    return this.setStatus(userId, connectionId, 'needs_reauth', { now }, condition, values);
  }

  /**
   * needs_reauth → active for a connection without credentials (a phone's health store the app
   * connected again). Conditional, so a deleted or revoked connection is not brought back.
   */
  restore(userId: string, connectionId: string, now: string): Promise<ConnectionRecord | undefined> {
    return this.setStatus(userId, connectionId, 'active', { now }, 'attribute_exists(PK) AND #s = :nr', {
      ':nr': 'needs_reauth',
    });
  }

  /** The user revoked SyncWell at the provider (a deauthorization webhook): nothing to retry. */
  markRevoked(userId: string, connectionId: string, now: string): Promise<ConnectionRecord | undefined> {
    return this.setStatus(userId, connectionId, 'revoked', { now }, 'attribute_exists(PK)');
  }

  private async setStatus(
    userId: string,
    connectionId: string,
    status: ConnectionStatus,
    changes: { credentialRef?: string; providerUserId?: string; now: string },
    condition: string,
    extraValues: Record<string, unknown> = {},
  ): Promise<ConnectionRecord | undefined> {
    const sets = ['#s = :status', 'UpdatedAt = :now'];
    const values: Record<string, unknown> = { ':status': status, ':now': changes.now, ...extraValues };
    if (changes.credentialRef) {
      sets.push('CredentialArn = :ref');
      values[':ref'] = changes.credentialRef;
    }
    if (changes.providerUserId) {
      sets.push('ProviderUserId = :puid');
      values[':puid'] = changes.providerUserId;
    }
    // ReAuthStatus is the sparse index attribute: present only while the user has to act (C-007:
    // absent is `ok`). ReAuthSince starts the episode the reconnect notification is sent once for.
    let update = `SET ${sets.join(', ')}`;
    if (status === 'needs_reauth') {
      update += ', ReAuthStatus = :reauth, ReAuthSince = :now REMOVE ReAuthNotifiedAt';
      values[':reauth'] = 'pending_user_action';
    } else update += ' REMOVE ReAuthStatus, ReAuthSince, ReAuthNotifiedAt';
    try {
      const out = await this.db.update({
        TableName: this.tableName,
        Key: { PK: userPk(userId), SK: connectionSk(connectionId) },
        UpdateExpression: update,
        ConditionExpression: condition,
        ExpressionAttributeNames: { '#s': 'Status' },
        ExpressionAttributeValues: values,
        ReturnValues: 'ALL_NEW',
      });
      return out.Attributes ? connectionFromItem(out.Attributes as ConnectionItem) : undefined;
    } catch (error) {
      if (isConditionalCheckFailed(error)) return undefined;
      throw error;
    }
  }
}
