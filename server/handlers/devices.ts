// Devices (app installations with a push token) and the phone's health stores as connections.
// Device uploads (Model 2) are in deviceUpload.ts.
import { AppError } from '../../core/errors/AppError.js';
import { clock } from '../../core/clock/clock.js';
import { deviceConnectionIdOf, deviceIdOf } from '../../core/domain/ids.js';
import type { Device } from '../../core/domain/types.js';
import { deviceProfile } from '../../core/providers/profiles.js';
import type { ConnectionRecord } from '../../core/store/connectionRepository.js';
import type { DeviceRecord } from '../../core/store/deviceRepository.js';
import { AlreadyExistsError } from '../../core/store/errors.js';
import { reportHealthStoreUnavailable } from '../../core/sync/healthStoreOutage.js';
import type { HandlerMap } from '../http/operationTypes.js';
import { toConnectionView } from './connectionView.js';
import { connectionNotFound } from './connections.js';
import { callerOf, type HandlerDependencies } from './dependencies.js';

type DeviceOps =
  | 'registerDevice'
  | 'listDevices'
  | 'deleteDevice'
  | 'createDeviceConnection'
  | 'reportHealthStoreUnavailable';

/** APNs device tokens are hex (32 bytes today; Apple says not to assume the length). */
const APNS_TOKEN = /^[0-9a-fA-F]{64,200}$/;

const toDeviceView = ({ userId: _u, pushToken: _t, ...device }: DeviceRecord): Device => device;

const invalidToken = (reason: string, path = '/pushToken') =>
  new AppError(400, 'invalid_push_token', {
    params: { reason },
    errors: [{ location: 'body', path, message: reason }],
  });

export function deviceHandlers(d: HandlerDependencies): Pick<HandlerMap, DeviceOps> {
  return {
    async registerDevice({ body }, ctx) {
      const { userId } = callerOf(ctx);
      if (body.platform === 'ios' && !APNS_TOKEN.test(body.pushToken))
        throw invalidToken('An APNs device token is a string of at least 64 hexadecimal characters.');
      if (body.platform === 'android' && body.apnsEnvironment)
        throw invalidToken('apnsEnvironment applies to iOS devices only.', '/apnsEnvironment');
      const { device, created } = await d.devices.register(
        {
          userId,
          deviceId: deviceIdOf(userId, body.installationId),
          installationId: body.installationId,
          platform: body.platform,
          pushToken: body.pushToken,
          ...(body.platform === 'ios' ? { apnsEnvironment: body.apnsEnvironment ?? 'production' } : {}),
          ...(body.appVersion ? { appVersion: body.appVersion } : {}),
          ...(body.deviceName ? { deviceName: body.deviceName } : {}),
        },
        clock.date().toISOString(),
      );
      ctx.logger.info({ deviceId: device.deviceId, platform: device.platform, created }, 'device registered');
      return { status: created ? 201 : 200, body: toDeviceView(device) };
    },

    async listDevices(_req, ctx) {
      const devices = await d.devices.listByUser(callerOf(ctx).userId);
      return { status: 200, body: { devices: devices.map(toDeviceView) } };
    },

    async deleteDevice({ params }, ctx) {
      const { userId } = callerOf(ctx);
      if (!(await d.devices.delete(userId, params.deviceId)))
        throw new AppError(404, 'device_not_found', { params: { deviceId: params.deviceId } });
      ctx.logger.info({ deviceId: params.deviceId }, 'device removed');
      return { status: 204, body: undefined };
    },

    // No OAuth: the app already holds the platform's health permissions. One connection per user
    // and health store (a deterministic id), so a retry or a second phone finds the same one.
    async createDeviceConnection({ body }, ctx) {
      const { userId } = callerOf(ctx);
      const profile = deviceProfile(body.provider)!;
      const devices = await d.devices.listByUser(userId);
      if (!devices.some((x) => x.platform === profile.platform))
        throw new AppError(409, 'device_not_registered', {
          params: { provider: profile.displayName, platform: profile.platform === 'ios' ? 'iOS' : 'Android' },
        });
      const connectionId = deviceConnectionIdOf(userId, body.provider);
      const existing = await d.connections.get(userId, connectionId);
      if (existing?.status === 'needs_reauth') {
        // The store had been reported unavailable; the app connecting it again says it works now.
        const restored = await d.connections.restore(userId, connectionId, clock.date().toISOString());
        await d.userConfig.invalidate(userId);
        ctx.logger.info(
          { connectionId, provider: body.provider, restored: Boolean(restored) },
          'device connection restored',
        );
        const current = restored ?? (await d.connections.get(userId, connectionId)) ?? existing;
        return { status: 200, body: toConnectionView(current, d.config.ASSET_BASE_URL) };
      }
      if (existing) return { status: 200, body: toConnectionView(existing, d.config.ASSET_BASE_URL) };
      const now = clock.date().toISOString();
      const record: ConnectionRecord = {
        userId,
        connectionId,
        provider: body.provider,
        status: 'active',
        credentialRef: null,
        createdAt: now,
        updatedAt: now,
      };
      try {
        await d.connections.create(record);
      } catch (error) {
        if (!(error instanceof AlreadyExistsError)) throw error;
        const raced = await d.connections.get(userId, connectionId);
        if (raced) return { status: 200, body: toConnectionView(raced, d.config.ASSET_BASE_URL) };
        throw error;
      }
      await d.userConfig.invalidate(userId);
      ctx.logger.info({ connectionId, provider: body.provider }, 'device connection created');
      return { status: 201, body: toConnectionView(record, d.config.ASSET_BASE_URL) };
    },

    async reportHealthStoreUnavailable({ params, body }, ctx) {
      const { userId } = callerOf(ctx);
      const connectionId = deviceConnectionIdOf(userId, params.provider);
      const connection = await d.connections.get(userId, connectionId);
      if (!connection) throw connectionNotFound(connectionId);
      const reported = await reportHealthStoreUnavailable(healthStoreOutageDeps(d), connection, body.reason);
      ctx.logger.info(
        {
          connectionId,
          provider: params.provider,
          reason: body.reason,
          failedJobs: reported.failedJobIds.length,
        },
        'health store reported unavailable',
      );
      return { status: 200, body: toConnectionView(reported.connection, d.config.ASSET_BASE_URL) };
    },
  };
}

export const healthStoreOutageDeps = (d: HandlerDependencies) => ({
  connections: d.connections,
  cloudToDevice: d.cloudToDevice,
  invalidate: (userId: string) => d.userConfig.invalidate(userId),
});
