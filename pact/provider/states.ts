// Provider states of the syncwell-api pacts: one fixture function per state name, creating data
// through the same repositories the API reads, in the real local stack. Each takes the ids the
// pact carries (the consumer's example values) and is idempotent, so a verification can run again
// on the same stack. Each signs the state's user in: the verification's requestFilter swaps the
// consumer's placeholder bearer token for a real one for that user.
import type { VerifierOptions } from '@pact-foundation/pact';
import { newConnectionId } from '../../core/domain/ids.js';
import type {
  CloudProvider,
  DataType,
  SubscriptionLevel,
  SyncJobStatus,
  SyncPriority,
  UserSettings,
} from '../../core/domain/types.js';
import type { OAuthStateRepository } from '../../core/oauth/oauthStateRepository.js';
import type { ConnectionRepository } from '../../core/store/connectionRepository.js';
import type { DeviceRepository } from '../../core/store/deviceRepository.js';
import { deviceConnectionIdOf, deviceIdOf } from '../../core/domain/ids.js';
import type { ProviderSandbox } from '../../infra/local/sandbox/sandboxServer.js';
import { AlreadyExistsError } from '../../core/store/errors.js';
import type { ProfileRepository } from '../../core/store/profileRepository.js';
import type { DeletedUserRepository } from '../../core/store/deletedUserRepository.js';
import type { SyncConfigRepository } from '../../core/store/syncConfigRepository.js';
import type { SyncJobRecord, SyncJobRepository } from '../../core/store/syncJobRepository.js';
import type { ExportJobRepository } from '../../core/store/exportJobRepository.js';
import type { ExportJobProgress } from '../../core/store/exportJobProgress.js';
import { partId, planExport } from '../../core/export/exportPlan.js';
import { clock } from '../../core/clock/clock.js';

export interface StateFixtures {
  connections: ConnectionRepository;
  oauthStates: OAuthStateRepository;
  /** The provider sandbox the API's OAuth client talks to. */
  sandbox: ProviderSandbox;
  /** The redirect URI the API sends providers: `${base}/v1/oauth/{provider}/callback`. */
  callbackBase: string;
  syncConfigs: SyncConfigRepository;
  syncJobs: SyncJobRepository;
  profiles: ProfileRepository;
  jobTtlDays: number;
  devices: DeviceRepository;
  exportJobs: ExportJobRepository;
  exportProgress: ExportJobProgress;
  /**
   * Drops the API's cached view of the user's connections and configurations (the real
   * UserConfigCache.invalidate): fixtures are written behind the API's back, as a second API
   * process would write them.
   */
  invalidateUserConfig(userId: string): Promise<void>;
  /** Account deletion tombstones, as DELETE /v1/users/me writes them. */
  deletedUsers: DeletedUserRepository;
  /** Removes the user's PROFILE item, so a state can set up an exact settings version again. */
  deleteProfile(userId: string): Promise<void>;
  /** Makes `userId` the caller of the interaction's requests (a token with `tier`, default none: FREE). */
  signIn(userId: string, tier?: SubscriptionLevel): Promise<void>;
}

type StateHandlers = NonNullable<VerifierOptions['stateHandlers']>;
type Params = Record<string, unknown>;

function text(params: Params, name: string): string {
  const value = params[name];
  if (typeof value !== 'string' || value === '')
    throw new Error(`provider state parameter "${name}" must be a non-empty string`);
  return value;
}

function optionalText(params: Params, name: string): string | undefined {
  return params[name] === undefined ? undefined : text(params, name);
}

function object(params: Params, name: string): Record<string, unknown> {
  const value = params[name];
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new Error(`provider state parameter "${name}" must be an object`);
  return value as Record<string, unknown>;
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
  const now = clock.date().toISOString();
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
  const now = clock.date();
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

/**
 * A data export as the worker leaves it, written through the worker's own steps (lease, plan, one
 * checkpoint, success): one Strava window of `records` workouts, finished `finishedAgoHours` ago
 * and kept 72 hours. An export already finished by an earlier run is left as it is.
 */
async function finishedExport(
  f: StateFixtures,
  e: { userId: string; jobId: string; connectionId: string; sizeBytes: number; finishedAgoHours: number },
): Promise<void> {
  const finishedAt = clock.now() - e.finishedAgoHours * 3_600_000;
  await f.exportJobs.create({
    userId: e.userId,
    jobId: e.jobId,
    createdAt: new Date(finishedAt - 120_000).toISOString(),
    expiresAt: Math.floor(clock.now() / 1000) + f.jobTtlDays * 86_400,
  });
  const owner = `pact-state-${e.jobId}`;
  const lease = await f.exportProgress.acquire(e.userId, e.jobId, owner, clock.now(), 60_000);
  if (lease.kind === 'finished') return;
  if (lease.kind !== 'acquired') throw new Error(`export ${e.jobId} cannot be set up: ${lease.kind}`);
  const plan = planExport(
    [
      {
        userId: e.userId,
        connectionId: e.connectionId,
        provider: 'strava',
        status: 'active',
        credentialRef: null,
        createdAt: new Date(finishedAt).toISOString(),
        updatedAt: new Date(finishedAt).toISOString(),
      },
    ],
    { now: new Date(finishedAt - 60_000), lookbackDays: 7, windowDays: 7 },
  );
  await f.exportProgress.setPlan(e.userId, e.jobId, owner, plan);
  await f.exportProgress.recordPart(e.userId, e.jobId, owner, partId(0, 0), 12, new Date(finishedAt));
  await f.exportProgress.succeed(e.userId, e.jobId, owner, {
    archiveKey: `${e.userId}/${e.jobId}.zip`,
    sizeBytes: e.sizeBytes,
    completedAt: new Date(finishedAt),
    availableUntil: new Date(finishedAt + 72 * 3_600_000),
  });
}

export function providerStates(f: StateFixtures): StateHandlers {
  /** The user's iPhone (params userId, installationId, pushToken), registered now; returns now. */
  async function registerIphone(params: Params): Promise<string> {
    const userId = text(params, 'userId');
    const installationId = text(params, 'installationId');
    const now = clock.date().toISOString();
    await f.devices.register(
      {
        userId,
        deviceId: deviceIdOf(userId, installationId),
        installationId,
        platform: 'ios',
        pushToken: text(params, 'pushToken'),
        apnsEnvironment: 'production',
      },
      now,
    );
    return now;
  }
  const states: Record<string, (params: Params) => Promise<void>> = {
    async 'a user with two active connections'(params) {
      const userId = text(params, 'userId');
      await Promise.all([
        activeConnection(f, userId, text(params, 'sourceConnectionId'), 'fitbit'),
        activeConnection(f, userId, text(params, 'destinationConnectionId'), 'strava'),
      ]);
      await f.invalidateUserConfig(userId);
      await f.signIn(userId);
    },

    // Calls whose answer depends on no stored data (501s, liveness); `tier` is the token's claim.
    // The browser comes back from Strava's consent page: a pending connection, its state, and a
    // code the (sandbox) provider will accept exactly once. Re-runnable: everything is reset.
    async 'a pending Strava authorization'(params) {
      const userId = text(params, 'userId');
      const connectionId = text(params, 'connectionId');
      const state = text(params, 'state');
      const now = clock.date().toISOString();
      await f.connections.delete(userId, connectionId);
      await f.connections.create({
        userId,
        connectionId,
        provider: 'strava',
        status: 'pending',
        credentialRef: null,
        createdAt: now,
        updatedAt: now,
      });
      await f.oauthStates.consume(state);
      await f.oauthStates.create({
        state,
        userId,
        connectionId,
        provider: 'strava',
        codeVerifier: null,
        appRedirectUri: null,
        expiresAt: clock.now() + 10 * 60_000,
      });
      const person = f.sandbox.createUser({ persona: { empty: true } });
      const consent = f.sandbox.oauth.strava.authorize({
        clientId: f.sandbox.oauth.strava.clientId,
        redirectUri: `${f.callbackBase}/v1/oauth/strava/callback`,
        responseType: 'code',
        scope: null,
        sandboxUserId: person.sandboxUserId,
        codeChallenge: null,
        codeChallengeMethod: null,
        presetCode: text(params, 'code'),
      });
      if (!consent.ok) throw new Error(`sandbox consent failed: ${consent.error}`);
      await f.invalidateUserConfig(userId);
    },

    // An iPhone registered with the installation id and token the pact carries (re-runnable:
    // registering again refreshes the same device).
    async 'a user with a registered iPhone'(params) {
      await registerIphone(params);
      await f.signIn(text(params, 'userId'));
    },

    // As the previous state, and Apple Health connected from that iPhone (createDeviceConnection).
    async 'a user with Apple Health connected from a registered iPhone'(params) {
      const userId = text(params, 'userId');
      const now = await registerIphone(params);
      const connectionId = deviceConnectionIdOf(userId, 'apple_health');
      if (!(await f.connections.get(userId, connectionId)))
        await f.connections.create({
          userId,
          connectionId,
          provider: 'apple_health',
          status: 'active',
          credentialRef: null,
          createdAt: now,
          updatedAt: now,
        });
      else await f.connections.restore(userId, connectionId, now);
      await f.invalidateUserConfig(userId);
      await f.signIn(userId);
    },

    // Deleted before the interaction (DELETE /v1/users/me's tombstone); its token is still valid.
    async 'a deleted account'(params) {
      const userId = text(params, 'userId');
      await f.deletedUsers.request(userId, clock.date().toISOString());
      await f.invalidateUserConfig(userId);
      await f.signIn(userId);
    },

    async 'a signed-in user'(params) {
      const tier = optionalText(params, 'tier');
      if (tier !== undefined && tier !== 'PRO' && tier !== 'FREE')
        throw new Error('provider state parameter "tier" must be PRO or FREE');
      await f.signIn(text(params, 'userId'), tier);
    },

    async 'a user with an active connection'(params) {
      const userId = text(params, 'userId');
      await activeConnection(
        f,
        userId,
        text(params, 'connectionId'),
        text(params, 'provider') as CloudProvider,
      );
      await f.invalidateUserConfig(userId);
      await f.signIn(userId);
    },

    // With `ownerUserId`, the id exists but belongs to someone else: the API must not tell the two apart.
    async 'no connection with this id exists for the user'(params) {
      const userId = text(params, 'userId');
      const connectionId = text(params, 'connectionId');
      const ownerUserId = optionalText(params, 'ownerUserId');
      if (ownerUserId !== undefined) {
        if (ownerUserId === userId) throw new Error('ownerUserId must differ from userId');
        await activeConnection(f, ownerUserId, connectionId, 'strava');
      }
      if (await f.connections.get(userId, connectionId))
        throw new Error(`${connectionId} exists for ${userId}; the state cannot hold`);
      await f.invalidateUserConfig(userId);
      await f.signIn(userId);
    },

    // Exactly this configuration at exactly `version`: an earlier interaction (or run) may have
    // changed or deleted it, so it is deleted and created again.
    async 'a user with a sync configuration'(params) {
      const userId = text(params, 'userId');
      const configId = text(params, 'configId');
      const sourceConnectionId = text(params, 'sourceConnectionId');
      const destinationConnectionId = text(params, 'destinationConnectionId');
      const dataType = text(params, 'dataType') as DataType;
      const version = count(params, 'version');
      if (version < 1) throw new Error('provider state parameter "version" must be at least 1');
      await Promise.all([
        activeConnection(f, userId, sourceConnectionId, 'fitbit'),
        activeConnection(f, userId, destinationConnectionId, 'strava'),
      ]);
      for (const c of await f.syncConfigs.listByUser(userId))
        if (
          c.configId === configId ||
          (c.sourceConnectionId === sourceConnectionId && c.dataType === dataType)
        )
          await f.syncConfigs.delete(c);
      const now = clock.date();
      await f.syncConfigs.create({
        userId,
        configId,
        sourceConnectionId,
        destinationConnectionId,
        dataType,
        conflictStrategy: 'newest_wins',
        isEnabled: true,
        version,
        createdAt: new Date(now.getTime() - 86_400_000).toISOString(),
        updatedAt: now.toISOString(),
      });
      await f.invalidateUserConfig(userId);
      await f.signIn(userId);
    },

    // With `ownerUserId`, the id exists but belongs to someone else.
    async 'no sync configuration with this id exists for the user'(params) {
      const userId = text(params, 'userId');
      const configId = text(params, 'configId');
      const ownerUserId = optionalText(params, 'ownerUserId');
      if (ownerUserId !== undefined) {
        if (ownerUserId === userId) throw new Error('ownerUserId must differ from userId');
        const owned = await f.syncConfigs.listByUser(ownerUserId);
        if (!owned.some((c) => c.configId === configId)) {
          const now = clock.date().toISOString();
          await f.syncConfigs.create({
            userId: ownerUserId,
            configId,
            sourceConnectionId: newConnectionId(),
            destinationConnectionId: newConnectionId(),
            dataType: 'workout',
            conflictStrategy: 'newest_wins',
            isEnabled: true,
            version: 1,
            createdAt: now,
            updatedAt: now,
          });
        }
        await f.invalidateUserConfig(ownerUserId);
      }
      if ((await f.syncConfigs.listByUser(userId)).some((c) => c.configId === configId))
        throw new Error(`${configId} exists for ${userId}; the state cannot hold`);
      await f.invalidateUserConfig(userId);
      await f.signIn(userId);
    },

    // The profile as first sign-in creates it (FREE, default settings, version 1), then the
    // settings replaced `version - 1` times through the repository, the last time with `settings`.
    async 'a user with settings at version N'(params) {
      const userId = text(params, 'userId');
      const version = count(params, 'version');
      if (version < 2) throw new Error('provider state parameter "version" must be at least 2');
      const settings = object(params, 'settings') as UserSettings;
      await f.deleteProfile(userId);
      await f.profiles.ensure(userId, { email: `${userId}@example.test`, tier: 'FREE' });
      for (let v = 1; v < version; v += 1) await f.profiles.updateSettings(userId, settings, v);
      await f.signIn(userId);
    },

    async 'a sync job exists'(params) {
      const userId = text(params, 'userId');
      const status = text(params, 'status') as SyncJobStatus;
      const createdAt = new Date(clock.now() - 7_000).toISOString();
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

    async 'a finished data export exists'(params) {
      const userId = text(params, 'userId');
      await finishedExport(f, {
        userId,
        jobId: text(params, 'jobId'),
        connectionId: text(params, 'connectionId'),
        sizeBytes: count(params, 'sizeBytes'),
        finishedAgoHours: 0,
      });
      await f.signIn(userId);
    },

    // Finished 73 hours ago: its 72-hour retention is over.
    async 'an expired data export exists'(params) {
      const userId = text(params, 'userId');
      await finishedExport(f, {
        userId,
        jobId: text(params, 'jobId'),
        connectionId: text(params, 'connectionId'),
        sizeBytes: 1024,
        finishedAgoHours: 73,
      });
      await f.signIn(userId);
    },

    async 'a data export of another user exists'(params) {
      const userId = text(params, 'userId');
      const ownerUserId = text(params, 'ownerUserId');
      const jobId = text(params, 'jobId');
      if (ownerUserId === userId) throw new Error('ownerUserId must differ from userId');
      await finishedExport(f, {
        userId: ownerUserId,
        jobId,
        connectionId: text(params, 'connectionId'),
        sizeBytes: 1024,
        finishedAgoHours: 0,
      });
      if (await f.exportJobs.get(userId, jobId))
        throw new Error(`${jobId} exists for ${userId}; the state cannot hold`);
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
