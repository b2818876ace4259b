// Mocha root hooks: one harness (local stack + API) shared by every integration test file.
import { startHarness, type Harness } from '../support/harness.js';

let harness: Harness | undefined;

export function getHarness(): Harness {
  if (!harness) throw new Error('integration harness not started (run through npm run test:integration)');
  return harness;
}

export const mochaHooks = {
  async beforeAll(this: Mocha.Context) {
    this.timeout(60_000);
    harness = await startHarness();
  },
  async afterAll(this: Mocha.Context) {
    this.timeout(30_000);
    await harness?.stop();
  },
};
