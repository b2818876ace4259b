import { expect } from 'chai';
import { MicroBatcher } from './microBatcher.js';

describe('MicroBatcher', () => {
  it('sends concurrent items in batches no larger than maxSize and resolves each caller', async () => {
    const batches: number[][] = [];
    const batcher = new MicroBatcher<number, number>({
      maxSize: 3,
      windowMs: 5,
      flush: async (items) => {
        batches.push(items);
        return items.map((n) => ({ ok: true as const, value: n * 10 }));
      },
    });
    const results = await Promise.all([1, 2, 3, 4, 5].map((n) => batcher.add(n)));
    expect(results).to.deep.equal([10, 20, 30, 40, 50]);
    expect(batches).to.deep.equal([
      [1, 2, 3],
      [4, 5],
    ]);
  });

  it('rejects only the items whose result failed', async () => {
    const batcher = new MicroBatcher<number, number>({
      maxSize: 10,
      windowMs: 1,
      flush: async (items) =>
        items.map((n) =>
          n % 2 ? { ok: true as const, value: n } : { ok: false as const, error: new Error(`bad ${n}`) },
        ),
    });
    const settled = await Promise.allSettled([1, 2, 3].map((n) => batcher.add(n)));
    expect(settled.map((s) => s.status)).to.deep.equal(['fulfilled', 'rejected', 'fulfilled']);
  });

  it('rejects every item when the whole flush throws', async () => {
    const batcher = new MicroBatcher<number, number>({
      maxSize: 10,
      windowMs: 1,
      flush: async () => {
        throw new Error('backend down');
      },
    });
    const settled = await Promise.allSettled([1, 2].map((n) => batcher.add(n)));
    expect(settled.every((s) => s.status === 'rejected')).to.equal(true);
  });

  it('never puts two items with the same key in one batch', async () => {
    const batches: string[][] = [];
    const batcher = new MicroBatcher<string, string>({
      maxSize: 25,
      windowMs: 5,
      keyOf: (s) => s.split(':')[0]!,
      flush: async (items) => {
        batches.push(items);
        return items.map((value) => ({ ok: true as const, value }));
      },
    });
    await Promise.all(['a:1', 'b:1', 'a:2'].map((s) => batcher.add(s)));
    expect(batches).to.deep.equal([['a:1', 'b:1'], ['a:2']]);
  });

  it('drain waits for batches in flight', async () => {
    let sent = 0;
    const batcher = new MicroBatcher<number, void>({
      maxSize: 10,
      windowMs: 1000,
      flush: async (items) => {
        await new Promise((r) => setTimeout(r, 20));
        sent += items.length;
        return items.map(() => ({ ok: true as const, value: undefined }));
      },
    });
    void batcher.add(1);
    void batcher.add(2);
    await batcher.drain();
    expect(sent).to.equal(2);
  });
});
