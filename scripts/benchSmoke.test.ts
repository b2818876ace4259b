import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { benchmarksWithoutSmoke, parseLanes } from './benchSmoke.js';

const SCRIPTS = {
  'bench:api': 'tsx bench/api.ts',
  'bench:soak': 'tsx bench/soak.ts',
  api: 'tsx server/main.ts',
};

describe('scripts/benchSmoke: the smoke runs of npm test', () => {
  it('reads lanes of commands, and --lanes 1 puts them all in one', () => {
    const argv = ['--lane', 'npm run bench:api -- --smoke', 'x', '--lane', 'npm run bench:soak -- --smoke'];
    expect(parseLanes(argv)).to.deep.equal([
      ['npm run bench:api -- --smoke', 'x'],
      ['npm run bench:soak -- --smoke'],
    ]);
    expect(parseLanes([...argv, '--lanes', '1'])).to.deep.equal([
      ['npm run bench:api -- --smoke', 'x', 'npm run bench:soak -- --smoke'],
    ]);
    expect(() => parseLanes(['npm run bench:api -- --smoke'])).to.throw(/before the first --lane/);
    expect(() => parseLanes(['--lane', '--lane', 'x'])).to.throw(/without a command/);
    expect(() => parseLanes(['--lane', 'x', '--lanes', '3'])).to.throw(/only 1/);
  });

  it('names every benchmark script without a --smoke run', () => {
    expect(benchmarksWithoutSmoke(SCRIPTS, ['npm run bench:api -- --smoke'])).to.deep.equal(['bench:soak']);
    // A full run of it is not a smoke run.
    expect(
      benchmarksWithoutSmoke(SCRIPTS, ['npm run bench:api -- --smoke', 'npm run bench:soak']),
    ).to.deep.equal(['bench:soak']);
    expect(
      benchmarksWithoutSmoke(SCRIPTS, ['npm run bench:api -- --smoke', 'npm run bench:soak -- --smoke']),
    ).to.deep.equal([]);
  });

  it("npm test's own lanes give every bench:* script of package.json a smoke run", () => {
    const { scripts } = JSON.parse(readFileSync('package.json', 'utf8')) as {
      scripts: Record<string, string>;
    };
    const command = scripts['test:bench-smoke']!;
    const argv = [...command.matchAll(/--lane|'([^']*)'/g)].map((m) => m[1] ?? m[0]);
    const lanes = parseLanes(argv);
    expect(lanes).to.have.length(2);
    expect(benchmarksWithoutSmoke(scripts, lanes.flat())).to.deep.equal([]);
  });
});
