import { expect } from 'chai';
import { FollowedJobs } from './followedJobs.js';

const JOB = 'job_3f2b8c1e-9d4a-4b7e-8c2a-1f0e9d8c7b6a';
const OTHER = 'job_4f2b8c1e-9d4a-4b7e-8c2a-1f0e9d8c7b6a';

describe('server/ws: what one socket follows', () => {
  it('ignores updates of jobs it does not follow', () => {
    expect(new FollowedJobs(5).deliver({ jobId: JOB, status: 'SUCCEEDED' })).to.equal(undefined);
  });

  it('holds updates while a request is answered, then hands them over in order', () => {
    const follows = new FollowedJobs(5);
    expect(follows.hold(JOB, { status: true })).to.equal(true);
    expect(follows.deliver({ jobId: JOB, status: 'RUNNING' })).to.equal(undefined);
    expect(follows.deliver({ jobId: JOB, status: 'SUCCEEDED' })).to.equal(undefined);
    expect(follows.release(JOB).map((u) => u.status)).to.deep.equal(['RUNNING', 'SUCCEEDED']);
    expect(follows.deliver({ jobId: JOB, status: 'RUNNING' })).to.deep.equal({ status: true, results: [] });
  });

  it('reports the end once: a final update forgets the job, with every sync request waiting for it', () => {
    const follows = new FollowedJobs(5);
    follows.hold(JOB, { resultFor: 'r-1' });
    follows.hold(JOB, { resultFor: 'r-2' });
    follows.release(JOB);
    follows.release(JOB);
    expect(follows.deliver({ jobId: JOB, status: 'RUNNING' })).to.deep.equal({ status: false, results: [] });
    expect(follows.deliver({ jobId: JOB, status: 'FAILED' })).to.deep.equal({
      status: false,
      results: ['r-1', 'r-2'],
    });
    expect(follows.deliver({ jobId: JOB, status: 'FAILED' })).to.equal(undefined);
    expect(follows.size).to.equal(0);
  });

  it('forgets a job nobody wants any more; a pending result survives an unsubscription', () => {
    const follows = new FollowedJobs(5);
    follows.hold(JOB, { status: true });
    follows.release(JOB);
    follows.drop(JOB, { status: true });
    expect(follows.size).to.equal(0);
    follows.hold(JOB, { status: true });
    follows.hold(JOB, { resultFor: 'r-1' });
    follows.release(JOB);
    follows.release(JOB);
    follows.drop(JOB, { status: true });
    expect(follows.deliver({ jobId: JOB, status: 'SUCCEEDED' })).to.deep.equal({
      status: false,
      results: ['r-1'],
    });
  });

  it('follows at most `limit` jobs', () => {
    const follows = new FollowedJobs(1);
    expect(follows.hold(JOB, { status: true })).to.equal(true);
    expect(follows.hold(JOB, { resultFor: 'r-1' })).to.equal(true);
    expect(follows.hold(OTHER, { status: true })).to.equal(false);
  });
});
