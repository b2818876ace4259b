// The breaking-change gate, run for real against edited copies of the released contract.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { parse, stringify } from 'yaml';
import { checkBreakingChanges } from './checkBreakingChanges.js';

const RELEASED = new URL('../contracts/released/openapi.yaml', import.meta.url).pathname;

interface SchemaObject {
  properties: Record<string, unknown>;
  required: string[];
  enum?: string[];
}
interface Spec {
  components: { schemas: Record<string, SchemaObject> };
  paths: Record<string, Record<string, unknown>>;
}

// Each check runs Optic for about 12 seconds: all of them start together in `before`, and each test
// awaits its own.
describe('breaking-change check against contracts/released', function () {
  this.timeout(180_000);
  let dir: string;
  const variant = (name: string, edit: (spec: Spec) => void) => {
    const spec = parse(readFileSync(RELEASED, 'utf8')) as Spec;
    edit(spec);
    const file = join(dir, `${name}.yaml`);
    writeFileSync(file, stringify(spec));
    return file;
  };
  const exportJobs = (s: Spec) => s.paths['/v1/export-jobs']!.post as { responses: Record<string, unknown> };
  let checks: Record<string, Promise<number>>;

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'syncwell-breaking-test-'));
    // Every operation of the released contract has shipped: a release where export still answered
    // 501 stands in for the one before it shipped.
    const withNotImplemented = variant('not-implemented', (s) => {
      expect(exportJobs(s).responses).to.not.have.property('501');
      exportJobs(s).responses['501'] = { $ref: '#/components/responses/InternalError' };
    });
    const pairs: Record<string, [string, string]> = {
      same: [RELEASED, variant('same', () => undefined)],
      field: [
        RELEASED,
        variant('field', (s) => {
          const job = s.components.schemas.SyncJob!;
          delete job.properties.updatedAt;
          job.required = job.required.filter((r) => r !== 'updatedAt');
        }),
      ],
      shipped: [withNotImplemented, RELEASED],
      lost503: [withNotImplemented, variant('lost-503', (s) => delete exportJobs(s).responses['503'])],
      operation: [RELEASED, variant('operation', (s) => delete s.paths['/v1/sync-jobs']!.get)],
      enum: [
        RELEASED,
        variant('enum', (s) => (s.components.schemas.SyncPriority!.enum = ['high', 'medium'])),
      ],
      type: [
        RELEASED,
        variant('type', (s) => (s.components.schemas.SyncConfig!.properties.version = { type: 'string' })),
      ],
    };
    checks = Object.fromEntries(
      Object.entries(pairs).map(([name, [released, current]]) => {
        const status = checkBreakingChanges(released, current).then((r) => r.status);
        status.catch(() => undefined); // awaited by its test; never an unhandled rejection meanwhile
        return [name, status];
      }),
    );
  });
  after(async () => {
    await Promise.allSettled(Object.values(checks ?? {}));
    rmSync(dir, { recursive: true, force: true });
  });

  it('passes an unchanged contract', async () => {
    expect(await checks.same).to.equal(0);
  });

  it('fails when a response field is removed', async () => {
    expect(await checks.field).to.not.equal(0);
  });

  it('passes when an operation stops declaring 501 not_implemented (it shipped), and only then', async () => {
    expect(await checks.shipped).to.equal(0);
    expect(await checks.lost503).to.not.equal(0);
  });

  it('fails when an operation is removed', async () => {
    expect(await checks.operation).to.not.equal(0);
  });

  it('fails when a type is narrowed (an enum value removed, a type changed)', async () => {
    expect(await checks.enum).to.not.equal(0);
    expect(await checks.type).to.not.equal(0);
  });
});
