import net from 'node:net';
import { expect } from 'chai';
import { freePort } from './freePort.js';
import { startRedis } from './redis.js';

function send(port: number, command: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: '127.0.0.1', port }, () => socket.write(command));
    socket.once('data', (data) => {
      socket.destroy();
      resolve(data.toString('utf8'));
    });
    socket.once('error', reject);
  });
}

describe('infra/local/redis: the redis-server child process', function () {
  this.timeout(10000);

  it('answers PING on its loopback port without persistence, and stop() ends it', async () => {
    const redis = await startRedis();
    expect(redis.url).to.equal(`redis://127.0.0.1:${redis.port}`);
    expect(await send(redis.port, 'PING\r\n')).to.equal('+PONG\r\n');
    expect(await send(redis.port, 'CONFIG GET save\r\n')).to.match(/save\r\n\$0\r\n\r\n$/);
    await redis.stop();
    await redis.stop();
    const refused = await send(redis.port, 'PING\r\n').catch((err: NodeJS.ErrnoException) => err.code);
    expect(refused).to.equal('ECONNREFUSED');
  });

  it('tells the user how to install redis-server when it is missing', async () => {
    const saved = process.env.PATH;
    process.env.PATH = '/nonexistent';
    try {
      const error = await startRedis().catch((err: Error) => err);
      expect(error).to.be.instanceOf(Error);
      expect((error as Error).message)
        .to.match(/make setup/)
        .and.match(/apt-get install -y redis-server/);
    } finally {
      process.env.PATH = saved;
    }
  });

  it('fails with the redis log when its port is taken', async () => {
    const port = await freePort();
    const blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen(port, '127.0.0.1', resolve));
    try {
      const error = await startRedis({ port }).catch((err: Error) => err);
      expect(error).to.be.instanceOf(Error);
      expect((error as Error).message)
        .to.match(/failed to start/)
        .and.match(/Address already in use/i);
    } finally {
      blocker.close();
    }
  });
});
