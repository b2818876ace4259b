import { expect } from 'chai';
import type { SyncJobRecord } from '../store/syncJobRepository.js';
import { accountJson, type AccountSources } from './accountRecords.js';

const CREDENTIAL_REF = '3f6e2d1c-9b8a-4c7d-8e6f-5a4b3c2d1e0f';
const PUSH_TOKEN = 'a'.repeat(64);
const at = '2026-11-01T10:00:00.000Z';

const job = (n: number): SyncJobRecord => ({
  userId: 'u-1',
  jobId: `job_${String(n).padStart(8, '0')}-0000-4000-8000-000000000000`,
  status: 'SUCCEEDED',
  mode: 'manual',
  priority: 'medium',
  trigger: 'manual',
  sourceConnectionId: 'conn_a',
  destinationConnectionId: 'conn_b',
  dataType: 'workout',
  createdAt: at,
  updatedAt: at,
  result: { recordsWritten: n, recordsSkipped: 0 },
  error: { code: 'provider_unavailable', message: 'fitbit: GET /1/user/-/activities answered 503' },
  expiresAt: 2_000_000_000,
});

/** The user's records as the repositories return them: with every secret-ish field they hold. */
const sources = (jobs: number): AccountSources & { pages: number } => {
  const s = {
    pages: 0,
    profile: async () => ({
      userId: 'u-1',
      email: 'ada@example.com',
      subscriptionLevel: 'PRO' as const,
      settings: { conflictResolutionStrategy: 'newest_wins' as const },
      version: 3,
      createdAt: at,
      updatedAt: at,
    }),
    connections: async () => [
      {
        userId: 'u-1',
        connectionId: 'conn_a',
        provider: 'strava' as const,
        status: 'active' as const,
        credentialRef: CREDENTIAL_REF,
        providerUserId: '134815',
        createdAt: at,
        updatedAt: at,
      },
    ],
    devices: async () => [
      {
        userId: 'u-1',
        deviceId: 'dev_1',
        installationId: 'install-1',
        platform: 'ios' as const,
        pushToken: PUSH_TOKEN,
        apnsEnvironment: 'production' as const,
        createdAt: at,
        updatedAt: at,
      },
    ],
    syncConfigs: async () => [],
    syncJobs: async (_userId: string, limit: number, cursor?: string) => {
      s.pages += 1;
      const start = cursor ? Number(cursor) : 0;
      const end = Math.min(start + limit, jobs);
      return {
        jobs: Array.from({ length: end - start }, (_, i) => job(start + i)),
        nextCursor: end < jobs ? String(end) : null,
      };
    },
    exportJobs: async () => [],
  };
  return s;
};

async function text(pieces: AsyncIterable<string>): Promise<string> {
  let out = '';
  for await (const piece of pieces) out += piece;
  return out;
}

describe('account.json of an export', () => {
  it('copies the account records field by field: no credential pointer, push token or installation id', async () => {
    const json = await text(accountJson(sources(2), 'u-1', new Date(at)));
    for (const secret of [
      CREDENTIAL_REF,
      PUSH_TOKEN,
      'install-1',
      'credentialRef',
      'pushToken',
      'apnsEnvironment',
    ])
      expect(json).to.not.include(secret);
    const account = JSON.parse(json) as Record<string, unknown>;
    expect(account.profile).to.include({ userId: 'u-1', email: 'ada@example.com' });
    expect(account.profile).to.not.have.property('version');
    expect(account.connections).to.deep.equal([
      {
        connectionId: 'conn_a',
        provider: 'strava',
        status: 'active',
        providerUserId: '134815',
        createdAt: at,
        updatedAt: at,
      },
    ]);
    expect(account.devices).to.deep.equal([
      { deviceId: 'dev_1', platform: 'ios', createdAt: at, updatedAt: at },
    ]);
    // Job errors keep their code; the provider's own message stays out.
    expect((account.syncJobs as { error: unknown }[])[0]!.error).to.deep.equal({
      code: 'provider_unavailable',
    });
  });

  it('streams the whole job history page by page', async () => {
    const s = sources(250);
    const account = JSON.parse(await text(accountJson(s, 'u-1', new Date(at)))) as { syncJobs: unknown[] };
    expect(account.syncJobs).to.have.length(250);
    expect(s.pages).to.equal(3);
  });

  it('is valid JSON for an account with nothing in it', async () => {
    const empty: AccountSources = {
      profile: async () => undefined,
      connections: async () => [],
      devices: async () => [],
      syncConfigs: async () => [],
      syncJobs: async () => ({ jobs: [], nextCursor: null }),
      exportJobs: async () => [],
    };
    expect(JSON.parse(await text(accountJson(empty, 'u-1', new Date(at))))).to.deep.equal({
      exportedAt: at,
      profile: null,
      connections: [],
      devices: [],
      syncConfigs: [],
      syncJobs: [],
      exportJobs: [],
    });
  });
});
