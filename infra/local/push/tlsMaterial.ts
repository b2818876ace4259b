// Key material for the push fakes, made in-process (no openssl binary): a TLS certificate naming
// loopback and the real services' hosts (clients still say `fcm.googleapis.com` in TLS when they are
// redirected to the fake), the APNs .p8 signing key (P-256, PKCS#8 as Apple issues it), and a
// Google service-account key (RSA, the JSON Firebase issues).
import { generateKeyPairSync } from 'node:crypto';
import { generate } from 'selfsigned';
import { libraryNow } from './libraryClock.js';

export const FAKE_TLS_HOSTS = [
  'localhost',
  'api.push.apple.com',
  'api.sandbox.push.apple.com',
  'fcm.googleapis.com',
  'oauth2.googleapis.com',
];

export interface FakeTls {
  key: string;
  /** Self-signed: clients trust it as their CA (APNS_CA, FCM_CA). */
  cert: string;
}

export async function generateFakeTls(): Promise<FakeTls> {
  // TLS checks validity against the system clock, whatever core/clock says.
  const now = libraryNow();
  const pems = await generate([{ name: 'commonName', value: 'SyncWell local push fake' }], {
    keyType: 'ec',
    curve: 'P-256',
    algorithm: 'sha256',
    notBeforeDate: new Date(now - 24 * 3600_000),
    notAfterDate: new Date(now + 30 * 24 * 3600_000),
    extensions: [
      { name: 'basicConstraints', cA: true },
      { name: 'keyUsage', digitalSignature: true, keyCertSign: true },
      { name: 'extKeyUsage', serverAuth: true },
      {
        name: 'subjectAltName',
        altNames: [
          ...FAKE_TLS_HOSTS.map((value) => ({ type: 2 as const, value })),
          { type: 7, ip: '127.0.0.1' },
        ],
      },
    ],
  });
  return { key: pems.private, cert: pems.cert };
}

export interface KeyPairPem {
  privateKey: string;
  publicKey: string;
}

/** An APNs provider-token signing key: the .p8 (PKCS#8 PEM, P-256) and its public half. */
export function generateApnsSigningKey(): KeyPairPem {
  return generateKeyPairSync('ec', {
    namedCurve: 'prime256v1',
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
    publicKeyEncoding: { type: 'spki', format: 'pem' },
  });
}

export interface ServiceAccountJson {
  type: 'service_account';
  project_id: string;
  private_key_id: string;
  private_key: string;
  client_email: string;
  token_uri: string;
}

/** A Google service-account key for `projectId` (what FCM_SERVICE_ACCOUNT holds) and its public key. */
export function generateServiceAccount(projectId: string): { json: ServiceAccountJson; publicKey: string } {
  const pair = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
    publicKeyEncoding: { type: 'spki', format: 'pem' },
  });
  return {
    json: {
      type: 'service_account',
      project_id: projectId,
      private_key_id: 'fake-key-1',
      private_key: pair.privateKey,
      client_email: `firebase-adminsdk@${projectId}.iam.gserviceaccount.com`,
      token_uri: 'https://oauth2.googleapis.com/token',
    },
    publicKey: pair.publicKey,
  };
}
