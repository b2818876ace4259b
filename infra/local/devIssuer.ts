// Local stand-in for Firebase Auth: an RS256 key kept under .state/, Firebase-shaped ID tokens, and
// a JWKS endpoint the API verifies them against exactly as it verifies Google's.
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { link, mkdir, readFile, unlink, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { SignJWT, calculateJwkThumbprint, exportJWK, generateKeyPair, importJWK, type JWK } from 'jose';
import { clock } from '../../core/clock/clock.js';

export const DEV_PROJECT_ID = 'syncwell-local';
export const DEV_ISSUER = `https://securetoken.google.com/${DEV_PROJECT_ID}`;
export const DEV_AUDIENCE = DEV_PROJECT_ID;
export const DEFAULT_KEY_FILE = fileURLToPath(new URL('../../.state/dev-issuer/keys.json', import.meta.url));
export const USER_ID_PATTERN = /^[A-Za-z0-9_-]{1,128}$/;

export type Tier = 'PRO' | 'FREE';

export interface DevKeys {
  kid: string;
  privateKey: CryptoKey;
  publicJwk: JWK;
}

interface KeyFileContents {
  version: 1;
  kid: string;
  privateJwk: JWK;
  createdAt: string;
}

const cache = new Map<string, Promise<DevKeys>>();

async function readKeys(keyFile: string): Promise<DevKeys> {
  const contents = JSON.parse(await readFile(keyFile, 'utf8')) as Partial<KeyFileContents>;
  const jwk = contents.privateJwk;
  if (contents.version !== 1 || jwk?.kty !== 'RSA' || !jwk.n || !jwk.e || !jwk.d) {
    throw new Error(`${keyFile} is not a dev-issuer key file; delete it to generate a new key`);
  }
  const publicJwk: JWK = { kty: 'RSA', n: jwk.n, e: jwk.e };
  // Derived, not trusted from the file: the kid always names this exact public key.
  const kid = await calculateJwkThumbprint(publicJwk);
  const privateKey = await importJWK(jwk, 'RS256');
  if (privateKey instanceof Uint8Array) throw new Error(`${keyFile}: not an asymmetric key`);
  return { kid, privateKey, publicJwk: { ...publicJwk, kid, alg: 'RS256', use: 'sig' } };
}

async function createKeys(keyFile: string): Promise<void> {
  await mkdir(path.dirname(keyFile), { recursive: true, mode: 0o700 });
  const { privateKey } = await generateKeyPair('RS256', { extractable: true });
  const privateJwk = await exportJWK(privateKey);
  const contents: KeyFileContents = {
    version: 1,
    kid: await calculateJwkThumbprint({ kty: 'RSA', n: privateJwk.n, e: privateJwk.e }),
    privateJwk,
    createdAt: clock.date().toISOString(),
  };
  // Write aside, then link into place: link fails if another process won the race, and both use its key.
  const temp = `${keyFile}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  await writeFile(temp, `${JSON.stringify(contents, null, 2)}\n`, { mode: 0o600, flag: 'wx' });
  try {
    await link(temp, keyFile);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  } finally {
    await unlink(temp);
  }
}

/**
 * The persisted dev key, created on first use. Cached per file for minting; `reload` reads the
 * file again (the issuer does, so a restarted stack always serves what is on disk).
 */
export function loadDevKeys(
  keyFile: string = DEFAULT_KEY_FILE,
  options: { reload?: boolean } = {},
): Promise<DevKeys> {
  let keys = options.reload ? undefined : cache.get(keyFile);
  if (!keys) {
    keys = readKeys(keyFile).catch(async (err: NodeJS.ErrnoException) => {
      if (err.code !== 'ENOENT') throw err;
      await createKeys(keyFile);
      return readKeys(keyFile);
    });
    const current = keys;
    current.catch(() => cache.get(keyFile) === current && cache.delete(keyFile));
    cache.set(keyFile, current);
  }
  return keys;
}

export interface MintOptions {
  tier?: Tier;
  /** The `role` custom claim: `operator` opens the operator console's API. */
  role?: 'operator';
  email?: string;
  expiresInSeconds?: number;
  /** Epoch seconds; set it in the past to mint an already-expired token. Defaults to now. */
  issuedAtSeconds?: number;
  keyFile?: string;
}

/** A token with the claims Firebase Auth puts in an ID token (email/password sign-in). */
export async function mintDevToken(userId: string, options: MintOptions = {}): Promise<string> {
  if (!USER_ID_PATTERN.test(userId)) throw new Error(`userId must match ${USER_ID_PATTERN}`);
  const expiresIn = options.expiresInSeconds ?? 3600;
  if (!Number.isInteger(expiresIn) || expiresIn <= 0)
    throw new Error('expiresInSeconds must be a positive integer');
  if (options.tier !== undefined && options.tier !== 'PRO' && options.tier !== 'FREE') {
    throw new Error('tier must be PRO or FREE');
  }
  const { kid, privateKey } = await loadDevKeys(options.keyFile);
  const now = options.issuedAtSeconds ?? Math.floor(clock.now() / 1000);
  const email = options.email ?? `${userId}@example.test`;
  return new SignJWT({
    user_id: userId,
    auth_time: now,
    email,
    email_verified: true,
    firebase: { identities: { email: [email] }, sign_in_provider: 'password' },
    ...(options.tier ? { tier: options.tier } : {}),
    ...(options.role ? { role: options.role } : {}),
  })
    .setProtectedHeader({ alg: 'RS256', kid, typ: 'JWT' })
    .setIssuer(DEV_ISSUER)
    .setAudience(DEV_AUDIENCE)
    .setSubject(userId)
    .setIssuedAt(now)
    .setExpirationTime(now + expiresIn)
    .sign(privateKey);
}

export interface DevIssuer {
  jwksUrl: string;
  issuer: string;
  audience: string;
  projectId: string;
  port: number;
  stop(): Promise<void>;
}

/** Serves GET /jwks.json (cached like Google's endpoint) and GET /healthz on 127.0.0.1. */
export async function startDevIssuer(options: { port?: number; keyFile?: string } = {}): Promise<DevIssuer> {
  const { publicJwk } = await loadDevKeys(options.keyFile, { reload: true });
  const jwks = JSON.stringify({ keys: [publicJwk] });
  const send = (res: ServerResponse, status: number, body: string, headers: Record<string, string> = {}) => {
    res.writeHead(status, { 'Content-Type': 'application/json', ...headers }).end(body);
  };
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (req.method !== 'GET') send(res, 405, '{"error":"method not allowed"}', { Allow: 'GET' });
    else if (url.pathname === '/jwks.json') send(res, 200, jwks, { 'Cache-Control': 'public, max-age=3600' });
    else if (url.pathname === '/healthz') send(res, 200, '{"status":"ok"}');
    else send(res, 404, '{"error":"not found"}');
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  let stopped: Promise<void> | undefined;
  return {
    jwksUrl: `http://127.0.0.1:${port}/jwks.json`,
    issuer: DEV_ISSUER,
    audience: DEV_AUDIENCE,
    projectId: DEV_PROJECT_ID,
    port,
    stop: () =>
      (stopped ??= new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      })),
  };
}
