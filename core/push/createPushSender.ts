// Builds the process's PushSender from configuration (kept apart from the port, which the adapters
// import). PUSH_MODE=off: no adapters. PUSH_MODE=on (the default): an adapter for each platform
// whose settings are complete; half a platform's settings is an error everywhere, and production
// refuses to start unless both platforms are configured against the real services (no endpoint
// overrides, which exist for the local fakes).
import { ConfigError, type Config } from '../config/config.js';
import type { Logger } from '../logging/logger.js';
import { ApnsPushSender, type ApnsSettings } from './apnsPushSender.js';
import { FcmPushSender, type FcmSettings } from './fcmPushSender.js';
import { hostPortSetting, pemSetting, serviceAccountSetting } from './pushCredentials.js';
import { RoutingPushSender } from './routingPushSender.js';

export type PushConfig = Pick<
  Config,
  | 'NODE_ENV'
  | 'PUSH_MODE'
  | 'APNS_KEY_ID'
  | 'APNS_TEAM_ID'
  | 'APNS_TOPIC'
  | 'APNS_KEY'
  | 'APNS_ENDPOINT'
  | 'APNS_CA'
  | 'FCM_PROJECT_ID'
  | 'FCM_SERVICE_ACCOUNT'
  | 'FCM_ENDPOINT'
  | 'FCM_CA'
>;

const APNS_REQUIRED = ['APNS_KEY_ID', 'APNS_TEAM_ID', 'APNS_TOPIC', 'APNS_KEY'] as const;

function apnsSettings(c: PushConfig, problems: string[]): ApnsSettings | undefined {
  const missing = APNS_REQUIRED.filter((k) => !c[k]);
  if (missing.length === APNS_REQUIRED.length && !c.APNS_ENDPOINT) {
    if (c.NODE_ENV === 'production') problems.push(`APNs: ${missing.join(', ')} required in production`);
    return undefined;
  }
  if (missing.length > 0) {
    problems.push(`APNs: ${missing.join(', ')} missing`);
    return undefined;
  }
  if (c.NODE_ENV === 'production' && (c.APNS_ENDPOINT || c.APNS_CA))
    problems.push('APNs: APNS_ENDPOINT and APNS_CA are for the local fake, not production');
  return {
    keyId: c.APNS_KEY_ID!,
    teamId: c.APNS_TEAM_ID!,
    topic: c.APNS_TOPIC!,
    key: pemSetting('APNS_KEY', c.APNS_KEY!),
    ...(c.APNS_ENDPOINT
      ? {
          endpoint: {
            ...hostPortSetting(c.APNS_ENDPOINT),
            ...(c.APNS_CA ? { ca: pemSetting('APNS_CA', c.APNS_CA) } : {}),
          },
        }
      : {}),
  };
}

function fcmSettings(c: PushConfig, problems: string[]): FcmSettings | undefined {
  if (!c.FCM_SERVICE_ACCOUNT) {
    if (c.NODE_ENV === 'production') problems.push('FCM: FCM_SERVICE_ACCOUNT required in production');
    else if (c.FCM_PROJECT_ID || c.FCM_ENDPOINT) problems.push('FCM: FCM_SERVICE_ACCOUNT missing');
    return undefined;
  }
  if (c.NODE_ENV === 'production' && (c.FCM_ENDPOINT || c.FCM_CA))
    problems.push('FCM: FCM_ENDPOINT and FCM_CA are for the local fake, not production');
  const serviceAccount = serviceAccountSetting('FCM_SERVICE_ACCOUNT', c.FCM_SERVICE_ACCOUNT);
  return {
    projectId: c.FCM_PROJECT_ID ?? serviceAccount.project_id,
    serviceAccount,
    ...(c.FCM_ENDPOINT
      ? {
          endpoint: {
            ...hostPortSetting(c.FCM_ENDPOINT),
            ...(c.FCM_CA ? { ca: pemSetting('FCM_CA', c.FCM_CA) } : {}),
          },
        }
      : {}),
  };
}

/**
 * The PushSender for this process. Throws a ConfigError listing every problem (call it at start-up,
 * so a misconfigured process never starts).
 */
export function createPushSender(config: PushConfig, logger?: Logger): RoutingPushSender {
  if (config.PUSH_MODE === 'off') {
    logger?.info({ push: 'off' }, 'push: off');
    return new RoutingPushSender({});
  }
  const problems: string[] = [];
  const apns = apnsSettings(config, problems);
  const fcm = fcmSettings(config, problems);
  if (problems.length > 0) throw new ConfigError(`Invalid push configuration:\n  ${problems.join('\n  ')}`);
  const sender = new RoutingPushSender({
    ...(apns ? { ios: new ApnsPushSender(apns, logger) } : {}),
    ...(fcm ? { android: new FcmPushSender(fcm, logger) } : {}),
  });
  logger?.info(
    {
      push: 'on',
      apns: apns
        ? apns.endpoint
          ? `${apns.endpoint.host}:${apns.endpoint.port}`
          : 'apple'
        : 'not configured',
      fcm: fcm ? (fcm.endpoint ? `${fcm.endpoint.host}:${fcm.endpoint.port}` : 'google') : 'not configured',
    },
    'push: adapters',
  );
  return sender;
}
