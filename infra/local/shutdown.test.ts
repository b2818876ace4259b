import { expect } from 'chai';
import { runShutdown, type ShutdownStep } from './shutdown.js';

describe('infra/local/shutdown: the stop sequence of npm start', () => {
  const record = () => {
    const ran: string[] = [];
    const reported: string[] = [];
    const step = (name: string, run: () => Promise<void> = async () => undefined): ShutdownStep => ({
      name,
      run: async () => {
        ran.push(name);
        await run();
      },
    });
    return { ran, reported, step, report: (line: string) => reported.push(line) };
  };

  it('stops every part in order and reports a clean stop', async () => {
    const r = record();
    const clean = await runShutdown([r.step('worker'), r.step('API'), r.step('stack')], {
      deadlineMs: 1000,
      report: r.report,
    });
    expect(clean).to.equal(true);
    expect(r.ran).to.deep.equal(['worker', 'API', 'stack']);
    expect(r.reported).to.deep.equal([]);
  });

  it('still stops the next parts when one fails, and says which and why', async () => {
    const r = record();
    const clean = await runShutdown(
      [
        r.step('worker', () => Promise.reject(new Error('queue gone'))),
        r.step('API'),
        r.step('stack', () => Promise.reject(new Error('redis did not exit'))),
      ],
      { deadlineMs: 1000, report: r.report },
    );
    expect(clean).to.equal(false);
    expect(r.ran).to.deep.equal(['worker', 'API', 'stack']);
    expect(r.reported).to.deep.equal([
      'worker failed to stop: queue gone',
      'stack failed to stop: redis did not exit',
    ]);
  });

  it('gives up on a part that hangs once the deadline passes, naming what was left', async () => {
    const r = record();
    const clean = await runShutdown(
      [r.step('worker'), r.step('API', () => new Promise<void>(() => undefined)), r.step('stack')],
      { deadlineMs: 50, report: r.report },
    );
    expect(clean).to.equal(false);
    expect(r.ran).to.deep.equal(['worker', 'API']);
    expect(r.reported).to.deep.equal(['gave up waiting after 50 ms for: API, stack']);
  });
});
