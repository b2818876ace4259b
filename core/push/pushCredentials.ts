// Push credentials arrive as settings holding either the text itself or the path of a file (a
// mounted secret). Errors name the setting, never its value: it may be a private key.
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { ConfigError } from '../config/config.js';
import type { ServiceAccountKey } from './serviceAccountCredential.js';

function readSetting(name: string, path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    throw new ConfigError(`${name}: neither the expected text nor a readable file`);
  }
}

/** PEM text from a setting holding PEM (newlines possibly escaped as `\n`) or a file path. */
export function pemSetting(name: string, value: string): string {
  const text = (value.includes('-----BEGIN') ? value : readSetting(name, value)).replace(/\\n/g, '\n');
  if (!/-----BEGIN [A-Z ]+-----[\s\S]+-----END [A-Z ]+-----/.test(text))
    throw new ConfigError(`${name}: not PEM text`);
  return text;
}

const serviceAccountSchema = z.object({
  project_id: z.string().min(1),
  client_email: z.string().email(),
  private_key: z.string().includes('-----BEGIN'),
  private_key_id: z.string().min(1).optional(),
});

/** A Google service-account key from a setting holding its JSON or a file path. */
export function serviceAccountSetting(name: string, value: string): ServiceAccountKey {
  const text = value.trim().startsWith('{') ? value : readSetting(name, value);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new ConfigError(`${name}: not JSON`);
  }
  const parsed = serviceAccountSchema.safeParse(json);
  if (!parsed.success)
    throw new ConfigError(`${name}: a service-account key needs project_id, client_email and private_key`);
  const { private_key_id, ...key } = parsed.data;
  return {
    ...key,
    private_key: key.private_key.replace(/\\n/g, '\n'),
    ...(private_key_id ? { private_key_id } : {}),
  };
}

/** `host:port` (validated by the config schema) as a redirect target. */
export function hostPortSetting(value: string): { host: string; port: number } {
  const at = value.lastIndexOf(':');
  return { host: value.slice(0, at), port: Number(value.slice(at + 1)) };
}
