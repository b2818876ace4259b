import { expect } from 'chai';
import { mkdtempSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createLogger } from '../logging/logger.js';
import { valueOf } from '../observability/metrics.js';
import { DynamicConfig, SAFE_DEFAULTS, type DynamicConfigDocument } from './dynamicConfig.js';
import { FileConfigSource } from './fileConfigSource.js';

describe('dynamic configuration (file source) and feature flags', () => {
  let dir: string;
  let file: string;
  const lines: { level: string; message: string }[] = [];
  const logger = createLogger({
    level: 'info',
    service: 'test',
    destination: { write: (l: string) => void lines.push(JSON.parse(l) as (typeof lines)[number]) },
  });
  const configs: DynamicConfig[] = [];
  const make = (component: string) => {
    // A long refresh period: each test calls refresh() itself, so nothing depends on timing.
    const c = new DynamicConfig(new FileConfigSource(file), logger, { refreshMs: 3_600_000, component });
    configs.push(c);
    return c;
  };

  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'syncwell-dynconfig-'));
    file = path.join(dir, 'dynamic.json');
    lines.length = 0;
  });
  afterEach(() => {
    for (const c of configs.splice(0)) c.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('loads the document at start and takes an edit at the next refresh (hot reload)', async () => {
    writeFileSync(file, JSON.stringify({ logLevel: 'warn', logSampling: { pro: 50 } }));
    const c = make('t1');
    const seen: DynamicConfigDocument[] = [];
    c.onChange((d) => seen.push(d));
    await c.start();
    expect(c.current).to.deep.equal({
      logLevel: 'warn',
      logSampling: { pro: 50 },
      flags: {},
      providerNotices: {},
    });
    expect(await c.refresh(), 'unchanged file').to.equal(false);

    writeFileSync(file, JSON.stringify({ logLevel: 'debug' }));
    expect(await c.refresh()).to.equal(true);
    expect(c.current.logLevel).to.equal('debug');
    expect(c.current.logSampling).to.equal(undefined);
    // The safe defaults first (onChange calls at once), then the two documents.
    expect(seen.map((d) => d.logLevel)).to.deep.equal([undefined, 'warn', 'debug']);
  });

  it('refuses an invalid document once, keeps the last good one, and counts it', async () => {
    writeFileSync(file, JSON.stringify({ logLevel: 'warn' }));
    const c = make('t2');
    await c.start();
    const version = c.currentVersion;
    const refusedBefore = await valueOf('syncwell_config_refusals_total', { source: 'file' });
    for (const bad of [
      '{"logLevel": "loud"}',
      '{"logSampling": {"pro": 0}}',
      '{"unknownKnob": 1}',
      'not json',
    ]) {
      writeFileSync(file, bad);
      expect(await c.refresh(), bad).to.equal(false);
      expect(await c.refresh(), `${bad} again: not refused twice`).to.equal(false);
      expect(c.current.logLevel).to.equal('warn');
      expect(c.currentVersion).to.equal(version);
    }
    expect((await valueOf('syncwell_config_refusals_total', { source: 'file' })) - refusedBefore).to.equal(4);
    expect(lines.filter((l) => l.message.startsWith('dynamic configuration refused'))).to.have.length(4);
  });

  it('runs on the bundled safe defaults, degraded, when no document can be read; recovers when one appears', async () => {
    const c = make('t3');
    await c.start();
    expect(c.current).to.deep.equal(SAFE_DEFAULTS);
    expect(await valueOf('syncwell_degraded', { component: 't3' })).to.equal(1);
    expect(lines.some((l) => l.level === 'error' && l.message.includes('safe defaults'))).to.equal(true);

    writeFileSync(file, JSON.stringify({ logLevel: 'error' }));
    expect(await c.refresh()).to.equal(true);
    expect(await valueOf('syncwell_degraded', { component: 't3' })).to.equal(0);

    // The file going away later keeps the last good document (and is only a warning).
    unlinkSync(file);
    expect(await c.refresh()).to.equal(false);
    expect(c.current.logLevel).to.equal('error');
  });

  it('feature flags: off switch, tiers, allowlisted users, stable percentage cohorts', async () => {
    writeFileSync(
      file,
      JSON.stringify({
        flags: {
          off: { enabled: false, percentage: 100 },
          pro_only: { enabled: true, tiers: ['PRO'] },
          staff: { enabled: true, users: ['user-staff'], percentage: 0 },
          half: { enabled: true, percentage: 50 },
        },
      }),
    );
    const c = make('t4');
    await c.start();
    const free = { userId: 'user-a', tier: 'FREE' as const };
    const pro = { userId: 'user-a', tier: 'PRO' as const };
    expect(c.isEnabled('off', pro)).to.equal(false);
    expect(c.isEnabled('never_defined', pro)).to.equal(false);
    expect([c.isEnabled('pro_only', free), c.isEnabled('pro_only', pro)]).to.deep.equal([false, true]);
    expect(c.isEnabled('staff', { userId: 'user-staff', tier: 'FREE' })).to.equal(true);
    expect(c.isEnabled('staff', free)).to.equal(false);
    const users = Array.from({ length: 2000 }, (_, i) => ({ userId: `user-${i}`, tier: 'FREE' as const }));
    const enabled = users.filter((u) => c.isEnabled('half', u));
    expect(enabled.length).to.be.within(900, 1100);
    // The same users every time: a cohort does not flap between refreshes or processes.
    expect(users.filter((u) => c.isEnabled('half', u))).to.deep.equal(enabled);
  });
});
