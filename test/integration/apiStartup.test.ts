// Starting the API where its port is taken: it fails with the OS's EADDRINUSE (which a caller may
// retry on another port) and closes what it had opened, so a retry leaves nothing behind.
import net from 'node:net';
import { expect } from 'chai';
import { Redis } from 'ioredis';
import { startApi } from '../../server/main.js';
import { testEnv } from '../support/harness.js';
import { getHarness } from './hooks.js';

describe('API startup on a port that is taken', () => {
  it('rejects with EADDRINUSE and closes the Redis connections it had opened', async () => {
    const h = getHarness();
    const blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as net.AddressInfo).port;
    const admin = new Redis(h.stack.env.REDIS_URL!);
    const clients = async () =>
      String(await admin.call('CLIENT', 'LIST'))
        .trim()
        .split('\n').length;
    try {
      const before = await clients();
      const error = await startApi(testEnv(h.stack, { PORT: String(port) })).catch(
        (err: NodeJS.ErrnoException) => err,
      );
      expect((error as NodeJS.ErrnoException).code).to.equal('EADDRINUSE');
      // A QUIT is answered before the server drops the connection: wait for it to go.
      let after = await clients();
      for (let i = 0; i < 50 && after > before; i += 1) {
        await new Promise((r) => setTimeout(r, 20));
        after = await clients();
      }
      expect(after).to.equal(before);
    } finally {
      admin.disconnect();
      blocker.close();
    }
  });
});
