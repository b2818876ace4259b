// Public identifiers: a type prefix and a UUIDv4 (spec C-008 for jobs; same shape for the rest).
import { randomUUID } from 'node:crypto';

const UUID_V4 = '[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}';

export const newJobId = () => `job_${randomUUID()}`;
export const newConnectionId = () => `conn_${randomUUID()}`;
export const newSyncConfigId = () => `cfg_${randomUUID()}`;

export const isJobId = (s: string) => new RegExp(`^job_${UUID_V4}$`).test(s);
