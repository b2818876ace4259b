// Key builders for the single table SyncWellMetadata (see docs/architecture.md, "Data model").
import type { DataType } from '../domain/types.js';

export const userPk = (userId: string) => `USER#${userId}`;
export const PROFILE_SK = 'PROFILE';
export const connectionSk = (connectionId: string) => `CONN#${connectionId}`;
export const syncConfigSk = (sourceConnectionId: string, dataType: DataType) =>
  `SYNCCONFIG#${sourceConnectionId}##${dataType}`;
export const jobSk = (jobId: string) => `JOB#${jobId}`;
export const idempotencyKey = (userId: string, key: string) => `IDEM#${userId}#${key}`;

export const SK_PREFIX = { connection: 'CONN#', syncConfig: 'SYNCCONFIG#', job: 'JOB#' } as const;

export const INDEX = {
  reAuth: 'ReAuthStatusIndex',
  scheduler: 'SchedulerIndex',
  jobsByCreatedAt: 'JobsByCreatedAtIndex',
} as const;

export interface ItemKey {
  PK: string;
  SK: string;
}
