// One PushSender for every platform: iOS goes to the APNs adapter, Android to the FCM adapter. A
// platform without an adapter (push off, or not configured outside production) answers
// `not_configured`, after the same payload guard, so callers behave alike everywhere.
import type { DevicePlatform } from '../domain/types.js';
import { assertSafePush } from './pushPayloadGuard.js';
import type { PushMessage, PushResult, PushSender, PushTarget } from './pushSender.js';

export class RoutingPushSender implements PushSender {
  constructor(private readonly byPlatform: Partial<Record<DevicePlatform, PushSender>>) {}

  /** Which platforms have an adapter (for start-up logs and readiness). */
  get platforms(): DevicePlatform[] {
    return Object.keys(this.byPlatform) as DevicePlatform[];
  }

  async send(target: PushTarget, message: PushMessage, signal?: AbortSignal): Promise<PushResult> {
    assertSafePush(message);
    const sender = this.byPlatform[target.platform];
    if (!sender)
      return { outcome: 'failed', failure: 'not_configured', reason: `NoAdapterFor_${target.platform}` };
    return sender.send(target, message, signal);
  }

  async close(): Promise<void> {
    await Promise.all(Object.values(this.byPlatform).map((s) => s.close()));
  }
}
