// A job's status history against the real table (dynalite): every transition appended by the
// update that makes it, and trimmed by the claim so a job deferred again and again stays small.
import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { clock } from '../../core/clock/clock.js';
import { HISTORY_KEEP, HISTORY_TRIM_AT } from '../../core/store/jobHistory.js';
import type { SyncJobRecord } from '../../core/store/syncJobRecords.js';
import { getHarness } from './hooks.js';

describe('job status history (JOB items)', () => {
  async function queuedJob() {
    const h = getHarness();
    const now = clock.date();
    const record: SyncJobRecord = {
      userId: h.newUserId(),
      jobId: `job_${randomUUID()}`,
      status: 'QUEUED',
      mode: 'manual',
      priority: 'medium',
      trigger: 'manual',
      sourceConnectionId: 'conn_src',
      destinationConnectionId: 'conn_dst',
      dataType: 'workout',
      createdAt: now.toISOString(),
      updatedAt: now.toISOString(),
      expiresAt: Math.floor(now.getTime() / 1000) + 86_400,
    };
    await h.syncJobs.put(record);
    return { h, record };
  }

  it('records each transition with its time and, for a deferral or a failure, its code', async () => {
    const { h, record } = await queuedJob();
    const t = (s: number) => new Date(Date.parse(record.createdAt) + s * 1000);
    const claim = (s: number) =>
      h.syncJobs.claim(record.userId, record.jobId, {
        originMessageId: 'm1',
        leaseUntilMs: t(s).getTime() + 60_000,
        now: t(s),
      });
    expect((await claim(1)).claimed).to.equal(true);
    expect(
      await h.syncJobs.release(record.userId, record.jobId, {
        originMessageId: 'm1',
        now: t(2),
        code: 'rate_limited',
      }),
    ).to.equal(true);
    expect((await claim(3)).claimed).to.equal(true);
    expect(
      await h.syncJobs.finish(record.userId, record.jobId, {
        originMessageId: 'm1',
        status: 'FAILED',
        now: t(4),
        error: { code: 'provider_auth_failed', message: 'needs reauth' },
      }),
    ).to.equal(true);
    const stored = await h.syncJobs.get(record.userId, record.jobId);
    expect(stored?.history).to.deep.equal([
      { status: 'QUEUED', at: t(0).toISOString() },
      { status: 'RUNNING', at: t(1).toISOString() },
      { status: 'QUEUED', at: t(2).toISOString(), code: 'rate_limited' },
      { status: 'RUNNING', at: t(3).toISOString() },
      { status: 'FAILED', at: t(4).toISOString(), code: 'provider_auth_failed' },
    ]);
    // A claim that lost (the job is final) adds nothing.
    expect((await claim(5)).claimed).to.equal(false);
    expect((await h.syncJobs.get(record.userId, record.jobId))?.history).to.have.length(5);
  });

  it('keeps the newest entries once a job has been deferred many times', async () => {
    const { h, record } = await queuedJob();
    const now = clock.date();
    for (let i = 0; i < HISTORY_TRIM_AT; i++) {
      await h.syncJobs.claim(record.userId, record.jobId, {
        originMessageId: 'm1',
        leaseUntilMs: now.getTime() + 60_000,
        now,
      });
      await h.syncJobs.release(record.userId, record.jobId, {
        originMessageId: 'm1',
        now,
        code: `deferral_${i}`,
      });
    }
    const history = (await h.syncJobs.get(record.userId, record.jobId))!.history!;
    expect(history.length).to.be.at.most(HISTORY_TRIM_AT).and.at.least(HISTORY_KEEP);
    // The last transition is the last release, and the first entries (the job's creation) are gone.
    expect(history.at(-1)).to.deep.include({ status: 'QUEUED', code: `deferral_${HISTORY_TRIM_AT - 1}` });
    expect(history.filter((e) => e.status === 'QUEUED' && !e.code)).to.deep.equal([]);
    expect(history.filter((e) => e.code === 'deferral_0')).to.deep.equal([]);
  });
});
