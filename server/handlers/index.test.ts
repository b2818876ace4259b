// The handler map (issue 10 §3g): a 501 stub can never stand in for a real handler. An operation
// both implemented and listed as pending is a compile error (the `@ts-expect-error` lines below
// fail `tsc` if it ever compiles again) and a start-up error; one that is neither does not compile.
import { expect } from 'chai';
import { AppError } from '../../core/errors/AppError.js';
import type { HandlerMap } from '../http/operationTypes.js';
import type { HandlerDependencies } from './dependencies.js';
import { createHandlers } from './index.js';
import { PENDING_OPERATIONS, withPendingStubs } from './notYetImplemented.js';
import { syncJobHandlers } from './syncJobs.js';

// Handler factories only close over their dependencies; these tests never run a real handler.
const d = { config: { OAUTH_ALLOWED_REDIRECT_PREFIXES: 'syncwell://' } } as unknown as HandlerDependencies;

async function outcomeOf(handler: (...args: never[]) => Promise<unknown>): Promise<unknown> {
  try {
    return await handler(...([{}, {}] as never[]));
  } catch (error) {
    return error;
  }
}

describe('handler map', () => {
  it('answers 501 not_implemented for every pending operation', async () => {
    const handlers = createHandlers(d);
    for (const op of PENDING_OPERATIONS) {
      const outcome = await outcomeOf(handlers[op] as never);
      expect(outcome, op).to.be.instanceOf(AppError);
      expect((outcome as AppError).status, op).to.equal(501);
    }
  });

  it('refuses an operation that is both implemented and pending (compile time and start-up)', () => {
    const implemented = syncJobHandlers(d);
    // @ts-expect-error getSyncJob is implemented, so it cannot be pending too
    expect(() => withPendingStubs(implemented, ['getSyncJob'])).to.throw(/getSyncJob/);
  });

  it('does not compile without a handler or a stub for every operation', () => {
    // @ts-expect-error most operations have neither a handler nor a stub here
    const incomplete: HandlerMap = withPendingStubs(syncJobHandlers(d), ['createExportJob']);
    // What the compiler refuses is a real hole: nothing would answer these operations.
    expect(incomplete).to.not.have.property('getExportJob');
  });

  it('runs the real handler of an implemented operation, never a stub', async () => {
    // The real getSyncJob looks the job up and answers 404 for an unknown one; a stub would say 501.
    const withJobs = { ...d, syncJobs: { get: async () => undefined } } as unknown as HandlerDependencies;
    const outcome = await createHandlers(withJobs)
      .getSyncJob({ params: { jobId: 'job_unknown' } } as never, { auth: { userId: 'u-1' } } as never)
      .catch((error: unknown) => error);
    expect(outcome).to.be.instanceOf(AppError);
    expect((outcome as AppError).status).to.equal(404);
  });
});
