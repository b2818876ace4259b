// Silent pushes for cloud → device jobs (core/sync/cloudToDevice.ts) to every registered device of
// the user on the store's platform. The wire payload is ids and times only, as flat strings (FCM
// data values must be strings, and the push port's guard refuses anything else): exactly the
// AsyncAPI messages DeviceReadRequest and DeviceWriteRequest (channel silentPush). The app reads the
// rest from GET /v1/device-requests. A token APNs or FCM calls dead is pruned at once
// (deviceFanOut.ts); other failures are logged: the app also pulls its pending work at launch, so a
// lost push delays a job and never loses it.
import type { DevicePlatform } from '../domain/types.js';
import type { Logger } from '../logging/logger.js';
import type { DeviceRepository } from '../store/deviceRepository.js';
import type { DeviceNotifier, DevicePush } from '../sync/cloudToDevice.js';
import type { DeviceReadRequest, DeviceWriteRequest } from '../../generated/messages.gen.js';
import { pushToDevices } from './deviceFanOut.js';
import type { PushSender } from './pushSender.js';

/** The flat, string-only form of a device request push: the contract's silentPush messages. */
export function wirePayload(push: DevicePush): DeviceReadRequest | DeviceWriteRequest {
  return push.type === 'device_read_request'
    ? {
        schemaVersion: '1',
        type: push.type,
        jobId: push.jobId,
        requestId: push.requestId,
        dataType: push.dataType,
        windowStart: push.dateRange.start,
        windowEnd: push.dateRange.end,
        respondBy: push.respondBy,
      }
    : {
        schemaVersion: '1',
        type: push.type,
        jobId: push.jobId,
        dataType: push.dataType,
        recordCount: String(push.recordCount),
        expiresAt: push.expiresAt,
      };
}

export class DevicePushNotifier implements DeviceNotifier {
  constructor(
    private readonly push: PushSender,
    private readonly devices: DeviceRepository,
    private readonly logger: Logger,
  ) {}

  async notify(userId: string, platform: DevicePlatform, push: DevicePush): Promise<void> {
    const targets = (await this.devices.listByUser(userId)).filter((d) => d.platform === platform);
    await pushToDevices(
      { push: this.push, devices: this.devices, logger: this.logger },
      targets,
      // One pending push per job and step: a newer one replaces an older one on the device.
      {
        kind: 'silent',
        data: { ...wirePayload(push) },
        collapseKey: `${push.jobId.slice(4, 40)}-${push.type === 'device_read_request' ? 'r' : 'w'}`,
      },
      { jobId: push.jobId },
    );
  }
}
