// Public identifiers: a type prefix and a UUIDv4 (spec C-008 for jobs; same shape for the rest).
import { createHash, randomUUID } from 'node:crypto';

const UUID_V4 = '[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}';

export const newJobId = () => `job_${randomUUID()}`;
export const newConnectionId = () => `conn_${randomUUID()}`;
export const newSyncConfigId = () => `cfg_${randomUUID()}`;

export const isJobId = (s: string) => new RegExp(`^job_${UUID_V4}$`).test(s);

/**
 * A job id derived from `seed` (a UUIDv4-shaped SHA-256 digest): producers that must name the
 * same job every time they retry (the scheduler per tick, the coalescer per window) use it.
 */
export function deterministicJobId(seed: string): string {
  return `job_${uuidFrom(seed)}`;
}

/** One device per user and app installation: registering it again names the same device. */
export const deviceIdOf = (userId: string, installationId: string) =>
  `dev_${uuidFrom(`${userId}\0${installationId.toLowerCase()}`)}`;

/** One connection per user and health store on the phone: connecting it again names the same one. */
export const deviceConnectionIdOf = (userId: string, provider: string) =>
  `conn_${uuidFrom(`device-connection\0${userId}\0${provider}`)}`;

/** A UUIDv4-shaped SHA-256 digest of `seed`. */
function uuidFrom(seed: string): string {
  const h = createHash('sha256').update(seed).digest('hex');
  const variant = ((parseInt(h[16]!, 16) & 3) | 8).toString(16);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}
