// Every API answer carries the headers that keep a browser from misusing it (OWASP secure headers:
// no sniffing, no framing, no caching of what may be health data, no referrer), and no origin is
// granted cross-origin access: the API serves the apps and the console on its own origin, never a
// foreign page's script (issue 16).
import { expect } from 'chai';
import { getHarness } from './hooks.js';

const REQUIRED = {
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-store',
  'cross-origin-resource-policy': 'same-origin',
};

describe('security headers and CORS', () => {
  let token: string;
  before(async () => {
    token = await getHarness().token(getHarness().newUserId());
  });

  it('sets the secure headers on successes and problems alike, and no Access-Control grant', async () => {
    const h = getHarness();
    const answers = [
      await h.request('GET', '/v1/connections', { token, headers: { Origin: 'https://evil.example' } }),
      await h.request('GET', '/v1/nothing-here', { token, headers: { Origin: 'https://evil.example' } }),
      await h.request('POST', '/v1/sync-jobs', { body: { nonsense: true } }),
    ];
    expect(answers.map((r) => r.status)).to.deep.equal([200, 404, 401]);
    for (const r of answers) {
      for (const [name, value] of Object.entries(REQUIRED)) expect(r.headers.get(name), name).to.equal(value);
      expect(r.headers.get('strict-transport-security')).to.match(/^max-age=\d{8,}; includeSubDomains$/);
      expect(r.headers.get('content-security-policy')).to.equal("default-src 'none';frame-ancestors 'none'");
      expect(r.headers.get('access-control-allow-origin')).to.equal(null);
      expect(r.headers.get('x-powered-by')).to.equal(null);
    }
  });

  it("refuses a foreign origin's preflight: no Access-Control-Allow-* header, nothing run", async () => {
    const r = await getHarness().request('OPTIONS', '/v1/sync-jobs', {
      headers: {
        Origin: 'https://evil.example',
        'Access-Control-Request-Method': 'POST',
        'Access-Control-Request-Headers': 'authorization, content-type',
      },
    });
    expect(r.status).to.be.within(400, 499);
    for (const name of [
      'access-control-allow-origin',
      'access-control-allow-methods',
      'access-control-allow-headers',
    ])
      expect(r.headers.get(name), name).to.equal(null);
  });
});
