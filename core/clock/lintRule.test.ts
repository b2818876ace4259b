// The rule that keeps the system on one clock (eslint.config.js, no-restricted-syntax): the current
// time comes from core/clock everywhere the system runs and in the suites that run it at fixed
// dates; benchmarks, scripts and the SDK (which ships alone) measure real time.
import { expect } from 'chai';
import { ESLint } from 'eslint';
import { fileURLToPath } from 'node:url';

const cwd = fileURLToPath(new URL('../../', import.meta.url));
// `d` hands Date.now on as a function (a default `now` option): it reads the wall clock all the same.
const READS_NOW = `export const a = Date.now();\nexport const b = new Date();\nexport const c = new Date(0);\nexport const d = { now: Date.now };\n`;

describe('lint rule: one clock', function () {
  this.timeout(60_000);
  let eslint: ESLint;
  before(() => {
    eslint = new ESLint({ cwd });
  });

  async function clockMessages(filePath: string): Promise<string[]> {
    const [result] = await eslint.lintText(READS_NOW, { filePath });
    expect(
      result!.messages.filter((m) => m.fatal),
      filePath,
    ).to.deep.equal([]);
    return result!.messages.filter((m) => m.message.includes('core/clock')).map((m) => m.message);
  }

  it('reports Date.now(), Date.now passed on, and new Date() (not new Date(x)) in the system and the dated suites', async () => {
    for (const filePath of [
      'server/handlers/x.ts',
      'worker/sync/x.ts',
      'core/store/x.ts',
      'core/secrets/x.ts',
      'core/providers/providerHttp.ts',
      'infra/local/sandbox/x.ts',
      'test/e2e/x.test.ts',
      'test/support/x.ts',
      'test/integration/x.test.ts',
      'pact/provider/x.ts',
    ])
      expect(await clockMessages(filePath), filePath).to.have.length(3);
  });

  it('leaves benchmarks, scripts, unit tests and the SDK alone', async () => {
    for (const filePath of ['bench/x.ts', 'scripts/x.ts', 'worker/sync/x.test.ts', 'client-sdk/src/x.ts'])
      expect(await clockMessages(filePath), filePath).to.deep.equal([]);
  });
});
