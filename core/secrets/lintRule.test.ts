// The build-time rule of spec §2: ProviderTokens' secrets may be revealed only in the modules that
// must handle them (eslint.config.js, no-restricted-syntax). Also checks that adding the rule kept
// the process.env restriction where it was, and nowhere else.
import { expect } from 'chai';
import { ESLint } from 'eslint';
import { fileURLToPath } from 'node:url';

const cwd = fileURLToPath(new URL('../../', import.meta.url));

const REVEALS = `
import type { ProviderTokens } from '../../core/secrets/providerTokens.js';
export function leak(t: ProviderTokens): unknown[] {
  const { revealRefreshToken } = t;
  return [
    t.revealAccessToken(),
    t?.revealRefreshToken(),
    t['sealForStorage'](),
    t.revealAccessToken.call(t),
    revealRefreshToken,
  ];
}
`;
const UNSEAL = `
import { ProviderTokens } from '../../core/secrets/providerTokens.js';
export const back = (s: string) => ProviderTokens.unsealFromStorage(s);
`;
const ENV = `export const level = process.env.LOG_LEVEL;\n`;
const HARMLESS = `
import type { ProviderTokens } from '../../core/secrets/providerTokens.js';
export const soon = (t: ProviderTokens) => t.expiresWithin(60_000) || t.hasRefreshToken || String(t);
`;

describe('lint rule: ProviderTokens secrets stay in their modules', function () {
  this.timeout(60_000);
  let eslint: ESLint;

  before(() => {
    eslint = new ESLint({ cwd });
  });

  async function restricted(code: string, filePath: string): Promise<string[]> {
    const [result] = await eslint.lintText(code, { filePath });
    expect(result, filePath).not.to.equal(undefined);
    const fatal = result!.messages.filter((m) => m.fatal);
    expect(fatal, `${filePath} must parse`).to.deep.equal([]);
    return result!.messages.filter((m) => m.ruleId === 'no-restricted-syntax').map((m) => m.message);
  }

  it('reports every way of reaching the secrets outside the allowed modules', async () => {
    for (const filePath of [
      'server/handlers/x.ts',
      'core/store/x.ts',
      'worker/sync/engine.ts',
      'core/providers/strava.ts',
    ]) {
      const messages = await restricted(REVEALS, filePath);
      expect(messages, filePath).to.have.length(5);
      expect(messages[0]).to.include('Token material stays in core/secrets');
      expect(await restricted(UNSEAL, filePath), filePath).to.have.length(1);
    }
  });

  it('reports them in tooling too (infra, scripts, test helpers), where process.env stays allowed', async () => {
    for (const filePath of ['infra/local/x.ts', 'scripts/x.ts', 'test/support/x.ts', 'core/config/x.ts']) {
      expect(await restricted(REVEALS, filePath), filePath).to.have.length(5);
      expect(await restricted(ENV, filePath), filePath).to.deep.equal([]);
    }
  });

  it('allows them in core/secrets, core/oauth, the provider HTTP layer, the sync credentials and tests', async () => {
    for (const filePath of [
      'core/secrets/x.ts',
      'core/oauth/tokenClient.ts',
      'core/providers/providerHttp.ts',
      'core/sync/credentials.ts',
      'core/sync/credentialsCache.ts',
      'server/handlers/x.test.ts',
      'test/integration/x.test.ts',
    ]) {
      expect(await restricted(REVEALS, filePath), filePath).to.deep.equal([]);
      expect(await restricted(UNSEAL, filePath), filePath).to.deep.equal([]);
    }
  });

  it('keeps the process.env restriction outside tooling, including in the token-exempt modules', async () => {
    for (const filePath of [
      'server/x.ts',
      'core/store/x.ts',
      'core/secrets/x.ts',
      'core/providers/providerHttp.ts',
    ]) {
      const messages = await restricted(ENV, filePath);
      expect(messages, filePath).to.have.length(1);
      expect(messages[0]).to.include('process.env');
    }
  });

  it('does not flag metadata access', async () => {
    expect(await restricted(HARMLESS, 'server/handlers/x.ts')).to.deep.equal([]);
  });
});
