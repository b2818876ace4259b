// Provider states of the syncwell-api pacts: one fixture function per state name, creating data
// through the same repositories the API reads, in the real local stack. Each takes the ids the
// pact carries (the consumer's example values) and is idempotent, so a verification can run again
// on the same stack. Each signs the state's user in: the verification's requestFilter swaps the
// consumer's placeholder bearer token for a real one for that user.
import type { VerifierOptions } from '@pact-foundation/pact';
import { newConnectionId } from '../../core/domain/ids.js';
import type { CloudProvider, DataType, SyncJobStatus, SyncPriority } from '../../core/domain/types.js';
import type { ConnectionRepository } from '../../core/store/connectionRepository.js';
import { AlreadyExistsError } from '../../core/store/errors.js';
import type { SyncJobRecord, SyncJobRepository } from '../../core/store/syncJobRepository.js';

export interface StateFixtures {
  connections: ConnectionRepository;
  syncJobs: SyncJobRepository;
  jobTtlDays: number;
  /** Makes `userId` the caller of the interaction's requests. */
  signIn(userId: string): Promise<void>;
}

type StateHandlers = NonNullable<VerifierOptions['stateHandlers']>;
type Params = Record<string, unknown>;

function text(params: Params, name: string): string {
  const value = params[name];
  if (typeof value !== 'string' || value === '')
    throw new Error(`provider state parameter "${name}" must be a non-empty string`);
  return value;
}

function count(params: Params, name: string): number {
  const value = params[name];
  if (!Number.isInteger(value)) throw new Error(`provider state parameter "${name}" must be an integer`);
  return value as number;
}

/** Creates the connection active, or accepts it if an earlier run did. */
async function activeConnection(
  f: StateFixtures,
  userId: string,
  connectionId: string,
  provider: CloudProvider,
): Promise<void> {
  const now = new Date().toISOString();
  try {
    await f.connections.create({
      userId,
      connectionId,
      provider,
      status: 'active',
      credentialRef: `pact-credential-${connectionId}`,
      createdAt: now,
      updatedAt: now,
    });
  } catch (error) {
    if (!(error instanceof AlreadyExistsError)) throw error;
    const existing = await f.connections.get(userId, connectionId);
    if (existing?.status !== 'active')
      throw new Error(`${connectionId} exists for ${userId} but is ${existing?.status ?? 'gone'}`, {
        cause: error,
      });
  }
}

/** A manual job as the worker leaves it; `put` overwrites, so setting it up twice is harmless. */
function manualJob(
  f: StateFixtures,
  fields: Pick<SyncJobRecord, 'userId' | 'jobId' | 'sourceConnectionId' | 'destinationConnectionId'> &
    Partial<SyncJobRecord>,
): SyncJobRecord {
  const now = new Date();
  return {
    status: 'QUEUED',
    mode: 'manual',
    priority: 'medium',
    trigger: 'manual',
    dataType: 'workout',
    createdAt: now.toISOString(),
    updatedAt: now.toISOString(),
    expiresAt: Math.floor(now.getTime() / 1000) + f.jobTtlDays * 86_400,
    ...fields,
  };
}

export function providerStates(f: StateFixtures): StateHandlers {
  const states: Record<string, (params: Params) => Promise<void>> = {
    async 'a user with two active connections'(params) {
      const userId = text(params, 'userId');
      await Promise.all([
        activeConnection(f, userId, text(params, 'sourceConnectionId'), 'fitbit'),
        activeConnection(f, userId, text(params, 'destinationConnectionId'), 'strava'),
      ]);
      await f.signIn(userId);
    },

    async 'a sync job exists'(params) {
      const userId = text(params, 'userId');
      const status = text(params, 'status') as SyncJobStatus;
      const createdAt = new Date(Date.now() - 7_000).toISOString();
      await f.syncJobs.put(
        manualJob(f, {
          userId,
          jobId: text(params, 'jobId'),
          sourceConnectionId: text(params, 'sourceConnectionId'),
          destinationConnectionId: text(params, 'destinationConnectionId'),
          dataType: text(params, 'dataType') as DataType,
          priority: text(params, 'priority') as SyncPriority,
          status,
          createdAt,
          ...(status === 'SUCCEEDED'
            ? {
                result: {
                  recordsWritten: count(params, 'recordsWritten'),
                  recordsSkipped: count(params, 'recordsSkipped'),
                },
              }
            : {}),
        }),
      );
      await f.signIn(userId);
    },

    // With `ownerUserId`, the id exists but belongs to someone else: the API must not tell the two apart.
    async 'no sync job with this id exists for the user'(params) {
      const userId = text(params, 'userId');
      const jobId = text(params, 'jobId');
      if (params.ownerUserId !== undefined) {
        const ownerUserId = text(params, 'ownerUserId');
        if (ownerUserId === userId) throw new Error('ownerUserId must differ from userId');
        await f.syncJobs.put(
          manualJob(f, {
            userId: ownerUserId,
            jobId,
            sourceConnectionId: newConnectionId(),
            destinationConnectionId: newConnectionId(),
          }),
        );
      }
      if (await f.syncJobs.get(userId, jobId))
        throw new Error(`${jobId} exists for ${userId}; the state cannot hold`);
      await f.signIn(userId);
    },
  };
  return Object.fromEntries(
    Object.entries(states).map(([name, setup]) => [name, (params) => setup((params ?? {}) as Params)]),
  );
}
