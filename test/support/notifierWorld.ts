// The world a worker timer that notifies users runs in, for its tests: dynalite (the local stack),
// the APNs and FCM fakes behind the real push adapters, the repositories, and the real
// PushUserNotifier on the test's clock. Shared by the re-authentication and provider-notice tests.
import type { Clock } from '../../core/clock/clock.js';
import { loadConfig, type Config } from '../../core/config/config.js';
import type { Logger } from '../../core/logging/logger.js';
import { createPushSender } from '../../core/push/createPushSender.js';
import { PushUserNotifier } from '../../core/push/pushUserNotifier.js';
import type { PushSender } from '../../core/push/pushSender.js';
import { BatchWriter } from '../../core/store/batchWriter.js';
import { ConnectionRepository } from '../../core/store/connectionRepository.js';
import { DeviceRepository } from '../../core/store/deviceRepository.js';
import { createDocumentStore } from '../../core/store/dynamoClient.js';
import { NotificationMarkerRepository } from '../../core/store/notificationMarkerRepository.js';
import { ProfileRepository } from '../../core/store/profileRepository.js';
import { startPushFakes, type PushFakes } from '../../infra/local/push/pushFakes.js';
import { startLocalStack, type LocalStack } from '../../infra/local/stack.js';

export interface NotifierWorld {
  stack: LocalStack;
  fakes: PushFakes;
  config: Config;
  push: PushSender;
  db: ReturnType<typeof createDocumentStore>;
  connections: ConnectionRepository;
  profiles: ProfileRepository;
  devices: DeviceRepository;
  notifier: PushUserNotifier;
  stop(): Promise<void>;
}

/** Starts the world with `env` on top of the stack's and the fakes' settings. */
export async function startNotifierWorld(
  env: Record<string, string>,
  clock: Clock,
  logger: Logger,
): Promise<NotifierWorld> {
  const [stack, fakes] = await Promise.all([startLocalStack(), startPushFakes()]);
  const config = loadConfig({ ...stack.env, ...fakes.env, NODE_ENV: 'test', ...env });
  const push = createPushSender(config, logger);
  const db = createDocumentStore(config);
  const writer = new BatchWriter(db, config.TABLE_NAME, 0);
  const profiles = new ProfileRepository(db, config.TABLE_NAME, config.SCHEDULER_SHARDS);
  const devices = new DeviceRepository(db, config.TABLE_NAME);
  const notifier = new PushUserNotifier({
    push,
    profiles,
    devices,
    markers: new NotificationMarkerRepository(db, config.TABLE_NAME),
    logger,
    dedupSeconds: 7 * 86_400,
    clock,
  });
  return {
    stack,
    fakes,
    config,
    push,
    db,
    connections: new ConnectionRepository(db, config.TABLE_NAME, writer),
    profiles,
    devices,
    notifier,
    async stop() {
      await push.close();
      await writer.drain();
      db.destroy();
      await Promise.all([stack.stop(), fakes.close()]);
    },
  };
}
