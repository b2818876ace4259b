// Per-user API request limits (seed §10's tiering, issue 16): a FREE and a PRO budget, one token
// bucket per user in Redis shared by every API process of the fleet, 429 rate_limited with a
// Retry-After once it is spent. Two real API processes on the harness's redis-server.
import { expect } from 'chai';
import { startApi, type RunningApi } from '../../server/main.js';
import { testEnv } from '../support/harness.js';
import { getHarness } from './hooks.js';

const FREE = 4;
const PRO = 7;

describe('per-user API limits: tiered, fleet-wide', function () {
  this.timeout(60_000);
  const h = () => getHarness();
  let a: RunningApi;
  let b: RunningApi;

  before(async () => {
    const env = testEnv(h().stack, {
      API_RATE_LIMIT_PER_MINUTE: String(FREE),
      API_RATE_LIMIT_PER_MINUTE_PRO: String(PRO),
    });
    [a, b] = await Promise.all([startApi(env), startApi(env)]);
  });
  after(async () => {
    await Promise.allSettled([a?.stop(), b?.stop()]);
  });

  const get = (api: RunningApi, token: string) =>
    fetch(`${api.url}/v1/connections`, { headers: { authorization: `Bearer ${token}` } });

  it('gives a FREE user its budget across both processes, then 429 rate_limited with Retry-After on either', async () => {
    const token = await h().token(h().newUserId('limits'), { tier: 'FREE' });
    const statuses: number[] = [];
    for (let i = 0; i < FREE + 2; i++) statuses.push((await get(i % 2 === 0 ? a : b, token)).status);
    expect(statuses).to.deep.equal([...Array<number>(FREE).fill(200), 429, 429]);
    for (const api of [a, b]) {
      const refused = await get(api, token);
      expect(refused.status).to.equal(429);
      expect(refused.headers.get('content-type')).to.match(/^application\/problem\+json/);
      expect(Number(refused.headers.get('retry-after'))).to.be.within(1, 60);
      expect(((await refused.json()) as { code: string }).code).to.equal('rate_limited');
    }
    // Another user of the same tier has a budget of its own.
    const other = await h().token(h().newUserId('limits'), { tier: 'FREE' });
    expect((await get(b, other)).status).to.equal(200);
  });

  it('gives a PRO user the larger budget', async () => {
    const token = await h().token(h().newUserId('limits'), { tier: 'PRO' });
    const statuses: number[] = [];
    for (let i = 0; i < PRO + 1; i++) statuses.push((await get(i % 2 === 0 ? b : a, token)).status);
    expect(statuses).to.deep.equal([...Array<number>(PRO).fill(200), 429]);
  });
});
