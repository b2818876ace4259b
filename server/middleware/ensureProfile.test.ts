// The profile step's own logic: one ensure per user and tier per process, again on a tier change,
// and a failure that neither fails the request nor is remembered. (The DynamoDB side, and the
// scheduler seeing the user, are covered end to end in test/e2e/scheduling.test.ts.)
import { expect } from 'chai';
import type { Request, Response } from 'express';
import type { SubscriptionLevel } from '../../core/domain/types.js';
import { ensureProfile } from './ensureProfile.js';

function fakeProfiles() {
  const calls: Array<{ userId: string; tier: SubscriptionLevel }> = [];
  let failNext = false;
  return {
    calls,
    failOnce: () => (failNext = true),
    repository: {
      ensure: async (userId: string, init: { email: string | null; tier: SubscriptionLevel }) => {
        calls.push({ userId, tier: init.tier });
        if (failNext) {
          failNext = false;
          throw new Error('DynamoDB unavailable');
        }
        return undefined as never;
      },
    },
  };
}

async function run(step: ReturnType<typeof ensureProfile>, userId: string, tier: SubscriptionLevel) {
  const warnings: unknown[] = [];
  const res = {
    locals: {
      ctx: {
        auth: { userId, email: null, tier, kid: 'k' },
        logger: { warn: (...args: unknown[]) => warnings.push(args) },
      },
    },
  } as unknown as Response;
  let nextCalls = 0;
  await step({} as Request, res, () => (nextCalls += 1));
  return { nextCalls, warnings };
}

describe('ensureProfile (API step)', () => {
  it('ensures a user’s profile once per tier, and again when the token’s tier changes', async () => {
    const profiles = fakeProfiles();
    const step = ensureProfile(profiles.repository);
    for (let i = 0; i < 3; i += 1) expect((await run(step, 'u-1', 'PRO')).nextCalls).to.equal(1);
    expect(profiles.calls).to.deep.equal([{ userId: 'u-1', tier: 'PRO' }]);
    await run(step, 'u-1', 'FREE');
    await run(step, 'u-2', 'PRO');
    await run(step, 'u-1', 'FREE');
    expect(profiles.calls).to.deep.equal([
      { userId: 'u-1', tier: 'PRO' },
      { userId: 'u-1', tier: 'FREE' },
      { userId: 'u-2', tier: 'PRO' },
    ]);
  });

  it('lets the request through when the profile cannot be written, and tries again next time', async () => {
    const profiles = fakeProfiles();
    const step = ensureProfile(profiles.repository);
    profiles.failOnce();
    const first = await run(step, 'u-3', 'PRO');
    expect(first.nextCalls).to.equal(1);
    expect(first.warnings).to.have.length(1);
    await run(step, 'u-3', 'PRO');
    await run(step, 'u-3', 'PRO');
    expect(profiles.calls).to.have.length(2);
  });
});
