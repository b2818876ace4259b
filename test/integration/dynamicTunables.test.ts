// Tunables change in a running API: the dynamic configuration file is rewritten and refreshed, and
// the next request follows it (no restart).
import { expect } from 'chai';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startApi, type RunningApi } from '../../server/main.js';
import { testEnv } from '../support/harness.js';
import { getHarness } from './hooks.js';

describe('tunables in a running API (dynamic configuration file)', () => {
  let api: RunningApi;
  let dir: string;
  let file: string;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'syncwell-tunables-'));
    file = join(dir, 'dynamic-config.json');
    writeFileSync(file, '{}');
    api = await startApi(
      testEnv(getHarness().stack, {
        PORT: '0',
        DYNAMIC_CONFIG_SOURCE: 'file',
        DYNAMIC_CONFIG_FILE: file,
        DYNAMIC_CONFIG_REFRESH_SECONDS: '3600',
      }),
    );
  });
  after(async () => {
    await api?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const apply = async (doc: unknown) => {
    writeFileSync(file, JSON.stringify(doc));
    expect(await api.dynamicConfig.refresh()).to.equal(true);
  };

  it('applies a new per-user request budget to the next request, and lifts it again', async () => {
    const h = getHarness();
    const token = await h.token(h.newUserId());
    const get = () => fetch(`${api.url}/v1/connections`, { headers: { authorization: `Bearer ${token}` } });
    expect((await get()).status).to.equal(200);
    await apply({ apiRateLimitPerMinute: 2 });
    // The bucket holds at most the new budget: two more, then 429 with a Retry-After.
    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push((await get()).status);
    expect(statuses).to.deep.equal([200, 200, 429]);
    await apply({ apiRateLimitPerMinute: 0 });
    expect((await get()).status).to.equal(200);
  });

  it('refuses an invalid document and keeps the last good one', async () => {
    const h = getHarness();
    await apply({ apiRateLimitPerMinute: 1 });
    writeFileSync(file, JSON.stringify({ apiRateLimitPerMinute: -5 }));
    expect(await api.dynamicConfig.refresh()).to.equal(false);
    expect(api.dynamicConfig.current.apiRateLimitPerMinute).to.equal(1);
    const token = await h.token(h.newUserId());
    const get = () => fetch(`${api.url}/v1/connections`, { headers: { authorization: `Bearer ${token}` } });
    expect([(await get()).status, (await get()).status]).to.deep.equal([200, 429]);
    await apply({});
  });
});
