import { expect } from 'chai';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { EXCEPTIONS_FILE, judgeAudit, readExceptions, type AuditReport } from './auditDependencies.js';

// Shaped like `npm audit --json` (auditReportVersion 2).
const report: AuditReport = {
  vulnerabilities: {
    'path-to-regexp': {
      severity: 'high',
      via: [{ url: 'https://github.com/advisories/GHSA-aaaa', title: 'ReDoS', severity: 'high' }],
    },
    express: { severity: 'high', via: ['path-to-regexp'] },
    debug: {
      severity: 'low',
      via: [{ url: 'https://github.com/advisories/GHSA-bbbb', title: 'low one', severity: 'low' }],
    },
  },
};

describe('npm audit at high severity (scripts/auditDependencies.ts)', () => {
  it('blocks a high advisory once, whichever dependency it comes through, and ignores low ones', () => {
    expect(judgeAudit(report, {})).to.deep.equal({
      kind: 'blocking',
      findings: ['path-to-regexp (high): ReDoS https://github.com/advisories/GHSA-aaaa'],
      accepted: [],
    });
  });

  it('passes an advisory written down as accepted, and says so', () => {
    expect(
      judgeAudit(report, { 'https://github.com/advisories/GHSA-aaaa': 'only reached by the dev server' }),
    ).to.deep.equal({ kind: 'clean', accepted: ['https://github.com/advisories/GHSA-aaaa'] });
  });

  it('tells an unreachable endpoint from a clean report', () => {
    const refused = {
      message: '405 Method Not Allowed - POST …/advisories/bulk',
      statusCode: 405,
      error: {},
    };
    expect(judgeAudit(refused, {})).to.deep.equal({ kind: 'unavailable', reason: refused.message });
    expect(judgeAudit({ vulnerabilities: {} }, {})).to.deep.equal({ kind: 'clean', accepted: [] });
  });

  it('refuses an exception without a reason; the project file reads', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'audit-'));
    const file = path.join(dir, 'exceptions.json');
    writeFileSync(file, JSON.stringify({ exceptions: { 'https://github.com/advisories/GHSA-cccc': '' } }));
    expect(() => readExceptions(file)).to.throw(/needs a reason/);
    expect(readExceptions(EXCEPTIONS_FILE)).to.be.an('object');
  });
});
