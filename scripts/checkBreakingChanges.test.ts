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

describe('breaking-change check against contracts/released', function () {
  this.timeout(60_000);
  let dir: string;
  before(() => (dir = mkdtempSync(join(tmpdir(), 'syncwell-breaking-test-'))));
  after(() => rmSync(dir, { recursive: true, force: true }));

  const variant = (name: string, edit: (spec: Spec) => void) => {
    const spec = parse(readFileSync(RELEASED, 'utf8')) as Spec;
    edit(spec);
    const file = join(dir, `${name}.yaml`);
    writeFileSync(file, stringify(spec));
    return file;
  };

  it('passes an unchanged contract', () => {
    expect(
      checkBreakingChanges(
        RELEASED,
        variant('same', () => undefined),
      ).status,
    ).to.equal(0);
  });

  it('fails when a response field is removed', () => {
    const file = variant('field', (s) => {
      const job = s.components.schemas.SyncJob!;
      delete job.properties.updatedAt;
      job.required = job.required.filter((r) => r !== 'updatedAt');
    });
    expect(checkBreakingChanges(RELEASED, file).status).to.not.equal(0);
  });

  it('passes when an operation stops declaring 501 not_implemented (it shipped), and only then', () => {
    // Every operation of the released contract has shipped: a release where export still answered
    // 501 stands in for the one before it shipped.
    const withNotImplemented = variant('not-implemented', (s) => {
      const post = s.paths['/v1/export-jobs']!.post as { responses: Record<string, unknown> };
      expect(post.responses).to.not.have.property('501');
      post.responses['501'] = { $ref: '#/components/responses/InternalError' };
    });
    expect(checkBreakingChanges(withNotImplemented, RELEASED).status).to.equal(0);
    const lost = variant('lost-503', (s) => {
      const post = s.paths['/v1/export-jobs']!.post as { responses: Record<string, unknown> };
      delete post.responses['503'];
    });
    expect(checkBreakingChanges(withNotImplemented, lost).status).to.not.equal(0);
  });

  it('fails when an operation is removed', () => {
    const file = variant('operation', (s) => delete s.paths['/v1/sync-jobs']!.get);
    expect(checkBreakingChanges(RELEASED, file).status).to.not.equal(0);
  });

  it('fails when a type is narrowed (an enum value removed, a type changed)', () => {
    const enumFile = variant('enum', (s) => (s.components.schemas.SyncPriority!.enum = ['high', 'medium']));
    expect(checkBreakingChanges(RELEASED, enumFile).status).to.not.equal(0);
    const typeFile = variant(
      'type',
      (s) => (s.components.schemas.SyncConfig!.properties.version = { type: 'string' }),
    );
    expect(checkBreakingChanges(RELEASED, typeFile).status).to.not.equal(0);
  });
});
