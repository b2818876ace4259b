import net from 'node:net';
import { expect } from 'chai';
import { drawPort, ephemeralPortRange, freePort, onFreePort } from './freePort.js';

/** Holds `port` on loopback until the returned close() is called; undefined if it is taken already. */
async function hold(port: number): Promise<(() => Promise<void>) | undefined> {
  const server = net.createServer();
  const bound = await new Promise<boolean>((resolve) => {
    server.once('error', () => resolve(false));
    server.listen({ port, host: '127.0.0.1', exclusive: true }, () => resolve(true));
  });
  if (!bound) return undefined;
  return () => new Promise<void>((resolve) => server.close(() => resolve()));
}

const inUse = () => Object.assign(new Error('listen EADDRINUSE'), { code: 'EADDRINUSE' });

describe('infra/local/freePort: ports a server binds after choosing them', () => {
  it('draws below the ephemeral range, where outgoing connections and bind(0) never land', async () => {
    const range = ephemeralPortRange();
    expect(range.low).to.be.at.most(range.high);
    for (let i = 0; i < 20; i += 1) {
      const port = await freePort();
      expect(port).to.be.below(range.low);
      expect(port).to.be.at.least(15000);
      const release = await hold(port);
      expect(release, `port ${port} is free`).to.not.equal(undefined);
      await release!();
    }
  });

  it('draws across the room below the range, and not at all when the range leaves too little', () => {
    expect(drawPort({ low: 32768 }, () => 0)).to.equal(15000);
    expect(drawPort({ low: 32768 }, () => 0.999999)).to.equal(32767);
    expect(drawPort({ low: 15500 }, () => 0.5)).to.equal(undefined);
    expect(drawPort({ low: 1024 }, () => 0.5)).to.equal(undefined);
  });

  it('passes over a drawn port that is taken and returns the next free one', async () => {
    const range = ephemeralPortRange();
    // The first draw whose port this test can hold (another process may hold one already).
    let first = 0.37;
    let release = await hold(drawPort(range, () => first)!);
    while (release === undefined) {
      first += 0.001;
      release = await hold(drawPort(range, () => first)!);
    }
    const taken = drawPort(range, () => first)!;
    try {
      const queue = [first, 0.61];
      const port = await freePort('127.0.0.1', () => queue.shift() ?? Math.random());
      expect(port).to.not.equal(taken);
      expect(port).to.equal(drawPort(range, () => 0.61));
    } finally {
      await release();
    }
  });

  it('onFreePort starts again on another port when the chosen one was taken, and only then', async () => {
    const tried: number[] = [];
    const ports = [41001, 41002, 41003];
    const started = await onFreePort(
      async (port) => {
        tried.push(port);
        if (tried.length < 3) throw inUse();
        return `up on ${port}`;
      },
      { choose: async () => ports.shift()! },
    );
    expect(started).to.equal('up on 41003');
    expect(tried).to.deep.equal([41001, 41002, 41003]);

    const attempts: number[] = [];
    const gaveUp = await onFreePort(
      async (port) => {
        attempts.push(port);
        throw inUse();
      },
      { attempts: 2, choose: async () => 42000 + attempts.length },
    ).catch((error: NodeJS.ErrnoException) => error.code);
    expect(gaveUp).to.equal('EADDRINUSE');
    expect(attempts).to.have.length(2);

    let calls = 0;
    const other = await onFreePort(
      async () => {
        calls += 1;
        throw new Error('bad config');
      },
      { choose: async () => 43000 },
    ).catch((error: Error) => error.message);
    expect(other).to.equal('bad config');
    expect(calls).to.equal(1);
  });
});
