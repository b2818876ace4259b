// SYNCCONFIG items, keyed SYNCCONFIG#{sourceConnectionId}##{dataType}: at most one configuration
// per source connection and data type. The public configId is an attribute; a user has few
// configurations, so resolving it reads the user's list (served from the user config cache).
import type { ConflictStrategy, DataType, SyncConfig } from '../domain/types.js';
import type { BatchWriter } from './batchWriter.js';
import { isConditionalCheckFailed, type DocumentStore } from './documentStore.js';
import { AlreadyExistsError, VersionConflictError } from './errors.js';
import { SK_PREFIX, syncConfigSk, userIdOfPk, userPk } from './keys.js';
import { queryPartition } from './queryPartition.js';
import { byCreation } from './creationOrder.js';
import { clock } from '../clock/clock.js';

/**
 * Where a configuration came from when a retiring provider's connection was replaced
 * (core/connections/providerMigration.ts): the sync manager reads the old pair's ledger while the
 * migration is recent, so nothing the old connection already synced is written again.
 */
export interface ConfigMigration {
  /** The old connections whose pairs this configuration continues (two when two merged into one). */
  fromConnectionIds: string[];
  /** Which end of the configuration the old connection was. */
  role: 'source' | 'destination';
  at: string;
}

export type SyncConfigRecord = SyncConfig & { userId: string; migration?: ConfigMigration };

type SyncConfigItem = {
  PK: string;
  SK: string;
  Entity: 'SYNCCONFIG';
  ConfigId: string;
  SourceConnectionId: string;
  DestinationConnectionId: string;
  DataType: DataType;
  ConflictStrategy: ConflictStrategy;
  IsEnabled: boolean;
  version: number;
  CreatedAt: string;
  UpdatedAt: string;
  MigratedFrom?: string[];
  MigratedRole?: ConfigMigration['role'];
  MigratedAt?: string;
};

const toRecord = (i: SyncConfigItem): SyncConfigRecord => ({
  userId: userIdOfPk(i.PK),
  configId: i.ConfigId,
  sourceConnectionId: i.SourceConnectionId,
  destinationConnectionId: i.DestinationConnectionId,
  dataType: i.DataType,
  conflictStrategy: i.ConflictStrategy,
  isEnabled: i.IsEnabled,
  version: i.version,
  createdAt: i.CreatedAt,
  updatedAt: i.UpdatedAt,
  ...(i.MigratedFrom && i.MigratedRole && i.MigratedAt
    ? { migration: { fromConnectionIds: i.MigratedFrom, role: i.MigratedRole, at: i.MigratedAt } }
    : {}),
});

const migrationAttributes = (m: ConfigMigration | undefined) =>
  m ? { MigratedFrom: m.fromConnectionIds, MigratedRole: m.role, MigratedAt: m.at } : {};

const keyOf = (r: Pick<SyncConfigRecord, 'userId' | 'sourceConnectionId' | 'dataType'>) => ({
  PK: userPk(r.userId),
  SK: syncConfigSk(r.sourceConnectionId, r.dataType),
});

export type SyncConfigChanges = Partial<
  Pick<SyncConfig, 'destinationConnectionId' | 'conflictStrategy' | 'isEnabled'>
>;

const ATTRIBUTE_OF: Record<keyof SyncConfigChanges, string> = {
  destinationConnectionId: 'DestinationConnectionId',
  conflictStrategy: 'ConflictStrategy',
  isEnabled: 'IsEnabled',
};

export class SyncConfigRepository {
  constructor(
    private readonly db: DocumentStore,
    private readonly tableName: string,
    private readonly writer: BatchWriter,
  ) {}

  async listByUser(userId: string): Promise<SyncConfigRecord[]> {
    const items = await queryPartition<SyncConfigItem>(
      this.db,
      this.tableName,
      userPk(userId),
      SK_PREFIX.syncConfig,
      {
        consistentRead: true,
      },
    );
    return items.map(toRecord).sort(byCreation((r) => r.configId));
  }

  /** Creates the configuration; AlreadyExistsError carries the one already stored for that key. */
  async create(record: SyncConfigRecord): Promise<SyncConfigRecord> {
    const item: SyncConfigItem = {
      ...keyOf(record),
      Entity: 'SYNCCONFIG',
      ConfigId: record.configId,
      SourceConnectionId: record.sourceConnectionId,
      DestinationConnectionId: record.destinationConnectionId,
      DataType: record.dataType,
      ConflictStrategy: record.conflictStrategy,
      IsEnabled: record.isEnabled,
      version: record.version,
      CreatedAt: record.createdAt,
      UpdatedAt: record.updatedAt,
      ...migrationAttributes(record.migration),
    };
    try {
      await this.db.put({
        TableName: this.tableName,
        Item: item,
        ConditionExpression: 'attribute_not_exists(PK)',
      });
      return record;
    } catch (error) {
      if (!isConditionalCheckFailed(error)) throw error;
      const existing = (await this.listByUser(record.userId)).find(
        (c) => c.sourceConnectionId === record.sourceConnectionId && c.dataType === record.dataType,
      );
      throw new AlreadyExistsError(existing ?? record);
    }
  }

  /** Applies `changes` if the stored version is still `expectedVersion`; bumps the version. */
  async update(
    current: SyncConfigRecord,
    changes: SyncConfigChanges,
    expectedVersion: number,
  ): Promise<SyncConfigRecord> {
    const names: Record<string, string> = {};
    const values: Record<string, unknown> = {
      ':expected': expectedVersion,
      ':one': 1,
      ':now': clock.date().toISOString(),
    };
    const sets = ['UpdatedAt = :now', 'version = version + :one'];
    for (const [field, value] of Object.entries(changes) as [keyof SyncConfigChanges, unknown][]) {
      if (value === undefined) continue;
      names[`#${field}`] = ATTRIBUTE_OF[field];
      values[`:${field}`] = value;
      sets.push(`#${field} = :${field}`);
    }
    try {
      const out = await this.db.update({
        TableName: this.tableName,
        Key: keyOf(current),
        UpdateExpression: `SET ${sets.join(', ')}`,
        ConditionExpression: 'attribute_exists(PK) AND version = :expected',
        ...(Object.keys(names).length ? { ExpressionAttributeNames: names } : {}),
        ExpressionAttributeValues: values,
        ReturnValues: 'ALL_NEW',
      });
      return toRecord(out.Attributes as SyncConfigItem);
    } catch (error) {
      if (!isConditionalCheckFailed(error)) throw error;
      const now = (await this.listByUser(current.userId)).find((c) => c.configId === current.configId);
      throw new VersionConflictError(expectedVersion, now?.version);
    }
  }

  /** Deletes the configuration; with `expectedVersion`, only if nobody changed it meanwhile. */
  async delete(current: SyncConfigRecord, expectedVersion?: number): Promise<void> {
    try {
      await this.db.delete({
        TableName: this.tableName,
        Key: keyOf(current),
        ...(expectedVersion === undefined
          ? {}
          : {
              ConditionExpression: 'version = :expected',
              ExpressionAttributeValues: { ':expected': expectedVersion },
            }),
      });
    } catch (error) {
      if (!isConditionalCheckFailed(error) || expectedVersion === undefined) throw error;
      const now = (await this.listByUser(current.userId)).find((c) => c.configId === current.configId);
      throw new VersionConflictError(expectedVersion, now?.version);
    }
  }

  /** Deletes every configuration that reads from or writes to the connection (spec C-009). */
  async deleteForConnection(userId: string, connectionId: string): Promise<number> {
    const dependent = (await this.listByUser(userId)).filter(
      (c) => c.sourceConnectionId === connectionId || c.destinationConnectionId === connectionId,
    );
    await Promise.all(dependent.map((c) => this.writer.delete(keyOf(c))));
    return dependent.length;
  }

  /**
   * Points the configuration at `to` instead of the connection it is leaving (a provider migration),
   * keeping its configId, strategy and state. A new source is a new key: the item is written under it
   * and the old one deleted, so a crash in between leaves two copies that a rerun settles. Returns
   * `merged` when the new key already holds another configuration (kept; this one is dropped).
   */
  async retarget(
    current: SyncConfigRecord,
    to: Pick<SyncConfigRecord, 'sourceConnectionId' | 'destinationConnectionId'>,
    migration: ConfigMigration,
  ): Promise<'moved' | 'merged'> {
    const updatedAt = clock.date().toISOString();
    if (to.sourceConnectionId === current.sourceConnectionId) {
      await this.db.update({
        TableName: this.tableName,
        Key: keyOf(current),
        UpdateExpression:
          'SET DestinationConnectionId = :dst, MigratedFrom = :from, MigratedRole = :role, MigratedAt = :at, UpdatedAt = :now, version = version + :one',
        ConditionExpression: 'attribute_exists(PK) AND ConfigId = :id',
        ExpressionAttributeValues: {
          ':dst': to.destinationConnectionId,
          ':from': migration.fromConnectionIds,
          ':role': migration.role,
          ':at': migration.at,
          ':now': updatedAt,
          ':one': 1,
          ':id': current.configId,
        },
      });
      return 'moved';
    }
    let outcome: 'moved' | 'merged' = 'moved';
    try {
      await this.create({
        ...current,
        ...to,
        version: current.version + 1,
        updatedAt,
        migration,
      });
    } catch (error) {
      if (!(error instanceof AlreadyExistsError)) throw error;
      // The same configId there: an earlier attempt got this far. Another one: the user already
      // syncs this data type from the new connection (or a second retiring connection moved there
      // first): that configuration stays, and remembers this old pair too.
      const existing = error.existing as SyncConfigRecord;
      if (existing.configId !== current.configId) {
        outcome = 'merged';
        const from = [...(existing.migration?.fromConnectionIds ?? [])];
        for (const id of migration.fromConnectionIds) if (!from.includes(id)) from.push(id);
        await this.db.update({
          TableName: this.tableName,
          Key: keyOf(existing),
          UpdateExpression:
            'SET MigratedFrom = :from, MigratedRole = :role, MigratedAt = :at, UpdatedAt = :now, version = version + :one',
          ConditionExpression: 'attribute_exists(PK)',
          ExpressionAttributeValues: {
            ':from': from,
            ':role': migration.role,
            ':at': migration.at,
            ':now': updatedAt,
            ':one': 1,
          },
        });
      }
    }
    await this.db.delete({ TableName: this.tableName, Key: keyOf(current) });
    return outcome;
  }
}
