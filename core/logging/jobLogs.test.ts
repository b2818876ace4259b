import { expect } from 'chai';
import { createLogger } from './logger.js';
import { jobLog, sampled } from './jobLogs.js';
import { valueOf } from '../observability/metrics.js';

function processLogger() {
  const lines: Record<string, unknown>[] = [];
  const logger = createLogger({
    level: 'info',
    service: 'worker',
    destination: { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) },
  });
  return { logger, lines };
}

describe('job logs: the seed’s schema and tail sampling', () => {
  it('writes the seed’s fields: timestamp, level, service, correlationId, message, payload', () => {
    const { logger, lines } = processLogger();
    logger.child({ correlationId: 'corr-1' }).warn({ code: 'rate_limited', attempt: 2 }, 'sync deferred');
    expect(lines).to.have.length(1);
    const [line] = lines;
    expect(Object.keys(line!).sort()).to.deep.equal(
      ['correlationId', 'level', 'message', 'payload', 'service', 'timestamp'].sort(),
    );
    expect(line).to.include({
      level: 'warn',
      service: 'worker',
      correlationId: 'corr-1',
      message: 'sync deferred',
    });
    expect(line!.payload).to.deep.equal({ code: 'rate_limited', attempt: 2 });
    expect(Number.isNaN(Date.parse(line!.timestamp as string))).to.equal(false);
  });

  it('scrubs secrets and health records in the payload, one level down, and in bindings', () => {
    const { logger, lines } = processLogger();
    logger.child({ token: 'bound-secret' }).info(
      {
        accessToken: 'at-123',
        refreshToken: 'rt-456',
        headers: { authorization: 'Bearer abc' },
        records: [{ heartRate: 180 }],
        result: { records: [{ steps: 12_000 }] },
      },
      'careless call',
    );
    const text = JSON.stringify(lines);
    for (const leaked of ['bound-secret', 'at-123', 'rt-456', 'Bearer abc', '180', '12000'])
      expect(text, leaked).not.to.include(leaked);
    expect(text).to.include('[redacted]');
  });

  it('holds a job’s lines until it ends, and writes them all when it failed', () => {
    const { logger, lines } = processLogger();
    const job = jobLog(logger, { jobId: 'job_failed' }, { jobId: 'job_failed', rate: 1_000_000 });
    job.logger.info('claimed');
    job.logger.warn({ code: 'provider_unavailable' }, 'attempt failed');
    // Lines outside the job are not held.
    logger.info('unrelated');
    expect(lines.map((l) => l.message)).to.deep.equal(['unrelated']);
    job.finish({ failed: true });
    expect(lines.map((l) => l.message)).to.deep.equal(['unrelated', 'claimed', 'attempt failed']);
    expect(lines[1]).to.include({ jobId: 'job_failed' });
    // After the end, the job's logger writes at once.
    job.logger.info('late');
    expect(lines.map((l) => l.message)).to.include('late');
  });

  it('a successful job’s lines are written only when its id is sampled', async () => {
    const { logger, lines } = processLogger();
    const rate = 10;
    const ids = Array.from({ length: 2000 }, (_, i) => `job_${i.toString(16).padStart(8, '0')}`);
    const discardedBefore = await valueOf('syncwell_job_log_lines_total', { result: 'discarded' });
    for (const id of ids) {
      const job = jobLog(logger, { jobId: id }, { jobId: id, rate });
      job.logger.info('sync succeeded');
      job.finish({ failed: false });
    }
    const written = new Set(lines.map((l) => l.jobId));
    expect([...written].sort()).to.deep.equal(ids.filter((id) => sampled(id, rate)).sort());
    // About 1 in 10 (FNV-1a spreads sequential ids), and the rest counted as discarded.
    expect(written.size).to.be.within(140, 260);
    expect(
      (await valueOf('syncwell_job_log_lines_total', { result: 'discarded' })) - discardedBefore,
    ).to.equal(ids.length - written.size);
  });

  it('sampling is a stable function of the job id; rate 1 keeps every job', () => {
    expect(sampled('job_abc', 100)).to.equal(sampled('job_abc', 100));
    for (const id of ['a', 'job_1', 'job_2']) expect(sampled(id, 1)).to.equal(true);
  });

  it('bounds what one job holds: 200 lines, the rest counted as dropped', async () => {
    const { logger, lines } = processLogger();
    const droppedBefore = await valueOf('syncwell_job_log_lines_total', { result: 'dropped' });
    const job = jobLog(logger, { jobId: 'job_loop' }, { jobId: 'job_loop', rate: 1 });
    for (let i = 0; i < 250; i++) job.logger.info({ i }, 'loop');
    job.finish({ failed: true });
    expect(lines.filter((l) => l.message === 'loop')).to.have.length(200);
    expect(lines.at(-1)).to.deep.include({
      message: 'job log lines dropped beyond the per-job limit',
      payload: { dropped: 50 },
    });
    expect((await valueOf('syncwell_job_log_lines_total', { result: 'dropped' })) - droppedBefore).to.equal(
      50,
    );
  });
});
