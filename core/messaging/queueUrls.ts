// Which configuration value holds each channel's queue URL. Keyed by every channel of the contract
// (`satisfies`), so a channel added to contracts/asyncapi.yaml does not compile until it has one.
import type { QueueChannel } from '../../generated/channels.gen.js';
import type { Config } from '../config/config.js';

type UrlKey = Exclude<
  { [K in keyof Config]-?: K extends `${string}_URL` ? K : never }[keyof Config],
  undefined
>;

export const QUEUE_URL_SETTING = {
  hotPathSync: 'HOT_PATH_QUEUE_URL',
  hotPathSyncDlq: 'HOT_PATH_DLQ_URL',
  coalescingBuffer: 'COALESCING_QUEUE_URL',
  pollSchedule: 'POLL_SCHEDULE_QUEUE_URL',
  historicalSync: 'HISTORICAL_QUEUE_URL',
  exportRequests: 'EXPORT_QUEUE_URL',
  userDeletion: 'USER_DELETION_QUEUE_URL',
  syncNotifications: 'SYNC_NOTIFICATIONS_QUEUE_URL',
} as const satisfies Record<QueueChannel, UrlKey>;

/** The queue URL of every channel this process is configured with. */
export function queueUrlsFrom(config: Pick<Config, UrlKey>): Partial<Record<QueueChannel, string>> {
  const urls: Partial<Record<QueueChannel, string>> = {};
  for (const [channel, key] of Object.entries(QUEUE_URL_SETTING) as [QueueChannel, UrlKey][]) {
    const url = config[key];
    if (url) urls[channel] = url;
  }
  return urls;
}
