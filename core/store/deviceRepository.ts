// DEVICE items: one per app installation of a user (PK USER#{userId}, SK DEVICE#{deviceId}), with
// the push token the push port sends to. A push token belongs to one installation: the
// PUSHTOKEN#{sha256(token)} item says which device holds it, so registering it elsewhere (another
// account signed in on the same phone) first takes it away from the previous device: pushes, and
// visible notification texts, never reach someone else's phone. No transactions: the order of the
// writes is what keeps a crash harmless (the old holder is removed before the new one is written).
import { createHash } from 'node:crypto';
import type { DevicePlatform } from '../domain/types.js';
import { isConditionalCheckFailed, type DocumentStore } from './documentStore.js';
import { deviceSk, pushTokenKey, SK_PREFIX, singletonKey, userIdOfPk, userPk } from './keys.js';
import { queryPartition } from './queryPartition.js';
import { byCreation } from './creationOrder.js';

export type ApnsEnvironment = 'production' | 'sandbox';

export interface DeviceRecord {
  userId: string;
  deviceId: string;
  installationId: string;
  platform: DevicePlatform;
  /** Never leaves the backend except towards APNs/FCM. */
  pushToken: string;
  apnsEnvironment?: ApnsEnvironment;
  appVersion?: string;
  deviceName?: string;
  createdAt: string;
  updatedAt: string;
}

type DeviceItem = {
  PK: string;
  SK: string;
  Entity: 'DEVICE';
  DeviceId: string;
  InstallationId: string;
  Platform: DevicePlatform;
  PushToken: string;
  TokenHash: string;
  ApnsEnvironment?: ApnsEnvironment;
  AppVersion?: string;
  DeviceName?: string;
  CreatedAt: string;
  UpdatedAt: string;
};

const tokenHash = (token: string) => createHash('sha256').update(token).digest('hex');

const toRecord = (i: DeviceItem): DeviceRecord => ({
  userId: userIdOfPk(i.PK),
  deviceId: i.DeviceId,
  installationId: i.InstallationId,
  platform: i.Platform,
  pushToken: i.PushToken,
  ...(i.ApnsEnvironment ? { apnsEnvironment: i.ApnsEnvironment } : {}),
  ...(i.AppVersion ? { appVersion: i.AppVersion } : {}),
  ...(i.DeviceName ? { deviceName: i.DeviceName } : {}),
  createdAt: i.CreatedAt,
  updatedAt: i.UpdatedAt,
});

const toItem = (r: DeviceRecord): DeviceItem => ({
  PK: userPk(r.userId),
  SK: deviceSk(r.deviceId),
  Entity: 'DEVICE',
  DeviceId: r.deviceId,
  InstallationId: r.installationId,
  Platform: r.platform,
  PushToken: r.pushToken,
  TokenHash: tokenHash(r.pushToken),
  ...(r.apnsEnvironment ? { ApnsEnvironment: r.apnsEnvironment } : {}),
  ...(r.appVersion ? { AppVersion: r.appVersion } : {}),
  ...(r.deviceName ? { DeviceName: r.deviceName } : {}),
  CreatedAt: r.createdAt,
  UpdatedAt: r.updatedAt,
});

type TokenHolderItem = { UserId?: string; DeviceId?: string };

export class DeviceRepository {
  constructor(
    private readonly db: DocumentStore,
    private readonly tableName: string,
  ) {}

  async listByUser(userId: string): Promise<DeviceRecord[]> {
    const items = await queryPartition<DeviceItem>(this.db, this.tableName, userPk(userId), SK_PREFIX.device);
    return items.map(toRecord).sort(byCreation((r) => r.deviceId));
  }

  async get(userId: string, deviceId: string): Promise<DeviceRecord | undefined> {
    const out = await this.db.get({
      TableName: this.tableName,
      Key: { PK: userPk(userId), SK: deviceSk(deviceId) },
    });
    return out.Item ? toRecord(out.Item as DeviceItem) : undefined;
  }

  /**
   * Creates or refreshes the device (keeping its `createdAt`); `created` says which. The token is
   * taken from any other device holding it first.
   */
  async register(
    device: Omit<DeviceRecord, 'createdAt' | 'updatedAt'>,
    now: string,
  ): Promise<{ device: DeviceRecord; created: boolean }> {
    const hash = tokenHash(device.pushToken);
    const holderKey = singletonKey(pushTokenKey(hash));
    const holder = (await this.db.get({ TableName: this.tableName, Key: holderKey })).Item as
      TokenHolderItem | undefined;
    if (
      holder?.UserId &&
      holder.DeviceId &&
      (holder.UserId !== device.userId || holder.DeviceId !== device.deviceId)
    )
      await this.removeIfToken(holder.UserId, holder.DeviceId, hash);

    const existing = await this.get(device.userId, device.deviceId);
    const record: DeviceRecord = {
      ...device,
      createdAt: existing?.createdAt ?? now,
      updatedAt: now,
    };
    await this.db.put({ TableName: this.tableName, Item: toItem(record) });
    await this.db.put({
      TableName: this.tableName,
      Item: { ...holderKey, Entity: 'PUSHTOKEN', UserId: device.userId, DeviceId: device.deviceId },
    });
    // A rotated token: its old holder entry no longer names a live token of this device.
    if (existing && existing.pushToken !== device.pushToken)
      await this.releaseToken(tokenHash(existing.pushToken), device.userId, device.deviceId);
    return { device: record, created: !existing };
  }

  /** Removes the device (sign-out); false when the user has no such device. */
  async delete(userId: string, deviceId: string): Promise<boolean> {
    const out = await this.db.delete({
      TableName: this.tableName,
      Key: { PK: userPk(userId), SK: deviceSk(deviceId) },
      ReturnValues: 'ALL_OLD',
    });
    const old = out.Attributes as DeviceItem | undefined;
    if (!old) return false;
    await this.releaseToken(old.TokenHash, userId, deviceId);
    return true;
  }

  /**
   * APNs or FCM said the token is dead: the device goes, unless it registered a new token since
   * (the condition compares the token that failed).
   */
  async prune(userId: string, deviceId: string, deadToken: string): Promise<boolean> {
    const hash = tokenHash(deadToken);
    const removed = await this.removeIfToken(userId, deviceId, hash);
    if (removed) await this.releaseToken(hash, userId, deviceId);
    return removed;
  }

  private async removeIfToken(userId: string, deviceId: string, hash: string): Promise<boolean> {
    try {
      await this.db.delete({
        TableName: this.tableName,
        Key: { PK: userPk(userId), SK: deviceSk(deviceId) },
        ConditionExpression: 'TokenHash = :h',
        ExpressionAttributeValues: { ':h': hash },
      });
      return true;
    } catch (error) {
      if (isConditionalCheckFailed(error)) return false;
      throw error;
    }
  }

  private async releaseToken(hash: string, userId: string, deviceId: string): Promise<void> {
    try {
      await this.db.delete({
        TableName: this.tableName,
        Key: singletonKey(pushTokenKey(hash)),
        ConditionExpression: 'UserId = :u AND DeviceId = :d',
        ExpressionAttributeValues: { ':u': userId, ':d': deviceId },
      });
    } catch (error) {
      if (!isConditionalCheckFailed(error)) throw error;
    }
  }
}
