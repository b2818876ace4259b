// One push to several of a user's devices, and what every sender must do with the answers: a token
// APNs or FCM calls dead prunes its device at once (unless the device registered a new token
// meanwhile), other failures are logged. Shared by the silent device-request pushes
// (devicePushNotifier.ts) and the visible notifications (pushUserNotifier.ts).
import type { Logger } from '../logging/logger.js';
import type { DeviceRecord, DeviceRepository } from '../store/deviceRepository.js';
import { tokenHint, type PushMessage, type PushResult, type PushSender } from './pushSender.js';

export interface DeviceFanOutDeps {
  push: PushSender;
  devices: Pick<DeviceRepository, 'prune'>;
  logger: Logger;
}

/** What one device's push came to. */
export interface DevicePushOutcome {
  device: DeviceRecord;
  result: PushResult;
}

/**
 * Sends `message` to each of `targets` (all of them at once) and returns each answer. `context` is
 * added to the log lines (ids only). Throws only what the push port throws (an unsafe payload, the
 * signal's abort) or what pruning a dead token throws (the store).
 */
export async function pushToDevices(
  d: DeviceFanOutDeps,
  targets: readonly DeviceRecord[],
  message: PushMessage,
  context: Record<string, string>,
  signal?: AbortSignal,
): Promise<DevicePushOutcome[]> {
  return Promise.all(
    targets.map(async (device) => {
      const result = await d.push.send(
        {
          platform: device.platform,
          token: device.pushToken,
          ...(device.apnsEnvironment ? { apnsEnvironment: device.apnsEnvironment } : {}),
        },
        message,
        signal,
      );
      const log = {
        ...context,
        userId: device.userId,
        deviceId: device.deviceId,
        token: tokenHint(device.pushToken),
        kind: message.kind,
      };
      if (result.outcome === 'unregistered') {
        const pruned = await d.devices.prune(device.userId, device.deviceId, device.pushToken);
        d.logger.info({ ...log, reason: result.reason, pruned }, 'push token is dead: device pruned');
      } else if (result.outcome !== 'delivered') d.logger.warn({ ...log, ...result }, 'push not delivered');
      return { device, result };
    }),
  );
}
