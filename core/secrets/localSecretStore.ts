// Local adapter of SecretStore: one file per ref under SECRET_STORE_DIR, encrypted with AES-256-GCM.
// For the local stack and tests only; AWS deployments use Secrets Manager (SECRET_STORE=aws).
//
// - Key: LOCAL_SECRET_KEY (base64 of 32 bytes). When it is unset, development and test generate a
//   random key once in `<SECRET_STORE_DIR>/.key` (mode 0600) and reuse it, so secrets survive
//   restarts of the local stack. That file sits next to the secrets it protects: it keeps tokens
//   out of casual reads, backups of the table and logs, not away from someone who can read the
//   directory. Production refuses to start without LOCAL_SECRET_KEY.
// - Each write uses a fresh random 12-byte IV. The ref and the key id are additional authenticated
//   data, so a file copied or renamed to another ref fails authentication, as does any edit.
// - Writes are atomic (temporary file, fsync, rename): a reader sees the old or the new tokens,
//   never half a file. Files are 0600, the directory 0700.
import { createCipheriv, createDecipheriv, createHash, randomBytes, randomUUID } from 'node:crypto';
import { linkSync, mkdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { mkdir, open, readFile, rename, stat, unlink } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { ConfigError, type Config } from '../config/config.js';
import type { Logger } from '../logging/logger.js';
import { ProviderTokens } from './providerTokens.js';
import {
  assertSecretRef,
  SecretCorruptedError,
  SecretNotFoundError,
  SecureStorageUnavailableError,
  type SecretStore,
} from './secretStore.js';

const KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const FORMAT = 'syncwell-secret-v1';
const ALGORITHM = 'aes-256-gcm';
const KEY_FILE = '.key';

interface Envelope {
  format: typeof FORMAT;
  /** Identifies the key (not secret): a wrong key is reported as such rather than as tampering. */
  kid: string;
  iv: string;
  tag: string;
  ciphertext: string;
}

/** Decodes a base64 key of exactly 32 bytes; the error never contains the value. */
export function parseLocalSecretKey(base64: string, source = 'LOCAL_SECRET_KEY'): Buffer {
  const trimmed = base64.trim();
  const key = Buffer.from(trimmed, 'base64');
  // Buffer.from ignores characters outside the alphabet; re-encoding catches anything but base64.
  if (key.toString('base64') !== trimmed || key.length !== KEY_BYTES) {
    throw new ConfigError(
      `${source} must be the base64 encoding of exactly ${KEY_BYTES} bytes (an AES-256 key); ` +
        `generate one with: openssl rand -base64 ${KEY_BYTES}`,
    );
  }
  return key;
}

/** A short, non-secret identifier of a key. */
function keyId(key: Buffer): string {
  return createHash('sha256').update('syncwell-local-secret-key-id\0').update(key).digest('hex').slice(0, 16);
}

function errorCode(error: unknown): string | undefined {
  return typeof error === 'object' && error !== null && 'code' in error ? String(error.code) : undefined;
}

export interface LocalSecretStoreOptions {
  dir: string;
  key: Buffer;
}

export class LocalSecretStore implements SecretStore {
  readonly dir: string;
  readonly #key: Buffer;
  readonly #kid: string;
  #dirReady: Promise<void> | undefined;

  constructor(options: LocalSecretStoreOptions) {
    if (options.key.length !== KEY_BYTES) {
      throw new ConfigError(`the local secret store needs a ${KEY_BYTES}-byte key`);
    }
    this.dir = resolve(options.dir);
    this.#key = Buffer.from(options.key);
    this.#kid = keyId(this.#key);
  }

  async create(tokens: ProviderTokens): Promise<string> {
    const ref = randomUUID();
    await this.#write(ref, tokens);
    return ref;
  }

  async get(ref: string): Promise<ProviderTokens> {
    assertSecretRef(ref);
    let raw: string;
    try {
      raw = await readFile(this.#path(ref), 'utf8');
    } catch (error) {
      if (errorCode(error) === 'ENOENT') throw new SecretNotFoundError(ref);
      throw this.#unavailable('read', error);
    }
    return this.#decrypt(ref, raw);
  }

  async put(ref: string, tokens: ProviderTokens): Promise<void> {
    assertSecretRef(ref);
    try {
      await stat(this.#path(ref));
    } catch (error) {
      if (errorCode(error) === 'ENOENT') throw new SecretNotFoundError(ref);
      throw this.#unavailable('read', error);
    }
    await this.#write(ref, tokens);
  }

  async delete(ref: string): Promise<void> {
    assertSecretRef(ref);
    try {
      await unlink(this.#path(ref));
    } catch (error) {
      if (errorCode(error) === 'ENOENT') return;
      throw this.#unavailable('delete', error);
    }
  }

  #path(ref: string): string {
    // ref is a validated UUID: no separators, no dots, so the path stays inside dir.
    return join(this.dir, `${ref}.secret`);
  }

  #unavailable(operation: string, cause: unknown): SecureStorageUnavailableError {
    return new SecureStorageUnavailableError(
      `local secret store: ${operation} failed (${errorCode(cause) ?? 'error'})`,
      { cause },
    );
  }

  #aad(ref: string): Buffer {
    return Buffer.from(`${FORMAT}\0${ref}\0${this.#kid}`, 'utf8');
  }

  #encrypt(ref: string, tokens: ProviderTokens): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv(ALGORITHM, this.#key, iv, { authTagLength: TAG_BYTES });
    cipher.setAAD(this.#aad(ref));
    const ciphertext = Buffer.concat([cipher.update(tokens.sealForStorage(), 'utf8'), cipher.final()]);
    const envelope: Envelope = {
      format: FORMAT,
      kid: this.#kid,
      iv: iv.toString('base64'),
      tag: cipher.getAuthTag().toString('base64'),
      ciphertext: ciphertext.toString('base64'),
    };
    return `${JSON.stringify(envelope)}\n`;
  }

  #decrypt(ref: string, raw: string): ProviderTokens {
    let envelope: Partial<Envelope>;
    try {
      envelope = JSON.parse(raw) as Partial<Envelope>;
    } catch {
      throw new SecretCorruptedError(ref, 'the file is not a secret envelope (corrupted or tampered with)');
    }
    if (
      envelope?.format !== FORMAT ||
      typeof envelope.iv !== 'string' ||
      typeof envelope.tag !== 'string' ||
      typeof envelope.ciphertext !== 'string'
    ) {
      throw new SecretCorruptedError(ref, 'the file is not a secret envelope (corrupted or tampered with)');
    }
    if (envelope.kid !== this.#kid) {
      throw new SecretCorruptedError(ref, 'it was encrypted with a different LOCAL_SECRET_KEY');
    }
    const iv = Buffer.from(envelope.iv, 'base64');
    const tag = Buffer.from(envelope.tag, 'base64');
    if (iv.length !== IV_BYTES || tag.length !== TAG_BYTES) {
      throw new SecretCorruptedError(ref, 'the file is not a secret envelope (corrupted or tampered with)');
    }
    let plaintext: string;
    try {
      const decipher = createDecipheriv(ALGORITHM, this.#key, iv, { authTagLength: TAG_BYTES });
      decipher.setAAD(this.#aad(ref));
      decipher.setAuthTag(tag);
      plaintext = Buffer.concat([
        decipher.update(Buffer.from(envelope.ciphertext, 'base64')),
        decipher.final(),
      ]).toString('utf8');
    } catch {
      throw new SecretCorruptedError(
        ref,
        'it failed authentication (the file was modified, or copied from another ref)',
      );
    }
    try {
      return ProviderTokens.unsealFromStorage(plaintext);
    } catch {
      throw new SecretCorruptedError(ref, 'the decrypted content is not a token set');
    }
  }

  async #ensureDir(): Promise<void> {
    this.#dirReady ??= mkdir(this.dir, { recursive: true, mode: 0o700 }).then(
      () => undefined,
      (error: unknown) => {
        this.#dirReady = undefined;
        throw error;
      },
    );
    return this.#dirReady;
  }

  async #write(ref: string, tokens: ProviderTokens): Promise<void> {
    const content = this.#encrypt(ref, tokens);
    const target = this.#path(ref);
    const temp = join(this.dir, `.${ref}.${randomUUID()}.tmp`);
    try {
      await this.#ensureDir();
      const handle = await open(temp, 'wx', 0o600);
      try {
        await handle.writeFile(content, 'utf8');
        await handle.sync();
      } finally {
        await handle.close();
      }
      await rename(temp, target);
    } catch (error) {
      await unlink(temp).catch(() => undefined);
      throw this.#unavailable('write', error);
    }
    await this.#syncDir();
  }

  /** Makes the rename durable; best effort (not every platform can fsync a directory). */
  async #syncDir(): Promise<void> {
    try {
      const handle = await open(this.dir, 'r');
      try {
        await handle.sync();
      } finally {
        await handle.close();
      }
    } catch {
      // Durability of the rename is a nicety locally; the write itself succeeded.
    }
  }
}

/**
 * The local key: LOCAL_SECRET_KEY when set; otherwise, outside production, `<dir>/.key`, generated
 * once (0600) and reused. Synchronous: it runs once at start-up, so a bad key stops the process there.
 */
export function resolveLocalSecretKey(
  config: Pick<Config, 'NODE_ENV' | 'LOCAL_SECRET_KEY' | 'SECRET_STORE_DIR'>,
  logger?: Logger,
): Buffer {
  if (config.LOCAL_SECRET_KEY !== undefined) return parseLocalSecretKey(config.LOCAL_SECRET_KEY);
  if (config.NODE_ENV === 'production') {
    throw new ConfigError(
      'LOCAL_SECRET_KEY is required when SECRET_STORE=local in production ' +
        '(or use SECRET_STORE=aws); a generated key file is for local use only',
    );
  }
  const dir = resolve(config.SECRET_STORE_DIR);
  const keyPath = join(dir, KEY_FILE);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  try {
    return parseLocalSecretKey(readFileSync(keyPath, 'utf8'), keyPath);
  } catch (error) {
    if (errorCode(error) !== 'ENOENT') throw error;
  }
  // Write the key to a temporary file, then link it into place: link fails when another process
  // got there first, and nobody ever reads a half-written key.
  const temp = join(dir, `.key.${randomUUID()}.tmp`);
  writeFileSync(temp, `${randomBytes(KEY_BYTES).toString('base64')}\n`, { mode: 0o600, flag: 'wx' });
  try {
    linkSync(temp, keyPath);
    logger?.warn(
      { keyFile: keyPath },
      'LOCAL_SECRET_KEY is not set: generated a local secret-store key file (for local use only)',
    );
  } catch (error) {
    if (errorCode(error) !== 'EEXIST') throw error;
  } finally {
    unlinkSync(temp);
  }
  return parseLocalSecretKey(readFileSync(keyPath, 'utf8'), keyPath);
}

export function createLocalSecretStore(
  config: Pick<Config, 'NODE_ENV' | 'LOCAL_SECRET_KEY' | 'SECRET_STORE_DIR'>,
  logger?: Logger,
): LocalSecretStore {
  const key = resolveLocalSecretKey(config, logger);
  const store = new LocalSecretStore({ dir: config.SECRET_STORE_DIR, key });
  logger?.info({ secretStore: 'local', dir: store.dir }, 'secret store: local encrypted files');
  return store;
}
