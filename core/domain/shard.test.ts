import { expect } from 'chai';
import { shardOf, syncTierShardId } from './shard.js';

describe('scheduler sharding', () => {
  it('is deterministic murmur3 (reference vector) modulo the shard count', () => {
    // murmur3_32("hello", seed 0) = 0x248bfa47 = 613153351, a published test vector.
    expect(shardOf('hello', 1_000_000_007)).to.equal(613153351);
    expect(shardOf('hello', 10)).to.equal(613153351 % 10);
  });

  it('spreads users over every shard', () => {
    const counts = new Array(16).fill(0);
    for (let i = 0; i < 16_000; i++) counts[shardOf(`user-${i}`, 16)]++;
    for (const c of counts) expect(c).to.be.within(800, 1200);
  });

  it('formats the GSI partition key as TIER#shard', () => {
    expect(syncTierShardId('PRO', 'hello', 10)).to.equal(`PRO#${613153351 % 10}`);
  });
});
