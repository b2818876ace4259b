// Both push fakes with fresh credentials, for `npm start`, the e2e tests and core/push's tests.
// `env` is what the API and worker need to send through them (core/config keys):
//   PUSH_MODE=on
//   APNS_KEY_ID, APNS_TEAM_ID, APNS_TOPIC   the fake's team, key id and bundle id
//   APNS_KEY                                the .p8 (PEM text) the fake trusts
//   APNS_ENDPOINT=127.0.0.1:<port>          APNS_CA: PEM of the fakes' self-signed certificate
//   FCM_PROJECT_ID                          the fake's Firebase project
//   FCM_SERVICE_ACCOUNT                     service-account key JSON the fake trusts
//   FCM_ENDPOINT=127.0.0.1:<port>           FCM_CA: the same certificate
// The values are multi-line (PEM, JSON): pass them in a child's environment, or write them to files
// under .state/ and set the variables to the paths (both forms are accepted).
import { randomBytes, randomUUID } from 'node:crypto';
import { ApnsFake, type ReceivedApnsPush } from './apnsFake.js';
import { FcmFake, type ReceivedFcmMessage } from './fcmFake.js';
import {
  generateApnsSigningKey,
  generateFakeTls,
  generateServiceAccount,
  type ServiceAccountJson,
} from './tlsMaterial.js';

export const FAKE_APNS_TEAM_ID = 'SYNCWELL01';
export const FAKE_APNS_KEY_ID = 'FAKEKEY001';
export const FAKE_APNS_TOPIC = 'com.syncwell.app';
export const FAKE_FCM_PROJECT_ID = 'syncwell-local';

export type ReceivedPush =
  ({ service: 'apns' } & ReceivedApnsPush) | ({ service: 'fcm' } & ReceivedFcmMessage);

export interface PushFakes {
  apns: ApnsFake;
  fcm: FcmFake;
  /** The environment variables that point the push adapters at these fakes (see above). */
  env: Record<string, string>;
  /** The .p8 the APNs fake trusts, and the service-account key the FCM fake trusts. */
  apnsKey: string;
  serviceAccount: ServiceAccountJson;
  /** The fakes' self-signed certificate: the CA to trust. */
  ca: string;
  /** Everything both fakes received, APNs first. */
  received(): ReceivedPush[];
  /** Marks a token dead at whichever service it belongs to (it is harmless at the other). */
  markUnregistered(token: string): void;
  close(): Promise<void>;
}

export async function startPushFakes(): Promise<PushFakes> {
  const tls = await generateFakeTls();
  const apnsKey = generateApnsSigningKey();
  const account = generateServiceAccount(FAKE_FCM_PROJECT_ID);
  const apns = await ApnsFake.start({
    keyId: FAKE_APNS_KEY_ID,
    teamId: FAKE_APNS_TEAM_ID,
    topic: FAKE_APNS_TOPIC,
    publicKey: apnsKey.publicKey,
    tls,
  });
  const fcm = await FcmFake.start({
    projectId: FAKE_FCM_PROJECT_ID,
    clientEmail: account.json.client_email,
    publicKey: account.publicKey,
    tls,
  }).catch(async (err: unknown) => {
    await apns.close();
    throw err;
  });
  return {
    apns,
    fcm,
    apnsKey: apnsKey.privateKey,
    serviceAccount: account.json,
    ca: tls.cert,
    env: {
      PUSH_MODE: 'on',
      APNS_KEY_ID: FAKE_APNS_KEY_ID,
      APNS_TEAM_ID: FAKE_APNS_TEAM_ID,
      APNS_TOPIC: FAKE_APNS_TOPIC,
      APNS_KEY: apnsKey.privateKey,
      APNS_ENDPOINT: apns.endpoint,
      APNS_CA: tls.cert,
      FCM_PROJECT_ID: FAKE_FCM_PROJECT_ID,
      FCM_SERVICE_ACCOUNT: JSON.stringify(account.json),
      FCM_ENDPOINT: fcm.endpoint,
      FCM_CA: tls.cert,
    },
    received: () => [
      ...apns.received().map((p) => ({ service: 'apns' as const, ...p })),
      ...fcm.received().map((m) => ({ service: 'fcm' as const, ...m })),
    ],
    markUnregistered(token) {
      apns.markUnregistered(token);
      fcm.markUnregistered(token);
    },
    async close() {
      await Promise.all([apns.close(), fcm.close()]);
    },
  };
}

/** A token the APNs fake accepts (64 hex digits, as a device gives). */
export function fakeApnsToken(): string {
  return randomBytes(32).toString('hex');
}

/** A token the FCM fake accepts (`<instance id>:<registration>`, as Firebase gives). */
export function fakeFcmToken(): string {
  return `${randomUUID().replace(/-/g, '').slice(0, 11)}:APA91b${randomBytes(60).toString('base64url')}`;
}
