import { expect } from 'chai';
import fc from 'fast-check';
import { nestsDeeperThan } from './jsonDepth.js';

const bytes = (text: string) => Buffer.from(text, 'utf8');

/** The nesting of a parsed JSON value (a scalar is 0). */
function depthOf(value: unknown): number {
  if (Array.isArray(value)) return 1 + Math.max(0, ...value.map(depthOf));
  if (value && typeof value === 'object') return 1 + Math.max(0, ...Object.values(value).map(depthOf));
  return 0;
}

describe('JSON depth limit', () => {
  it('agrees with the nesting of the parsed value, strings with brackets and escapes included', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 8 }), fc.integer({ min: 0, max: 10 }), (value, max) => {
        const text = JSON.stringify(value);
        expect(nestsDeeperThan(bytes(text), max)).to.equal(depthOf(value) > max);
      }),
    );
  });

  it('skips brackets inside strings, escaped quotes included', () => {
    expect(nestsDeeperThan(bytes(JSON.stringify({ a: '[[[[{{{{\\"[[[[' })), 1)).to.equal(false);
    expect(nestsDeeperThan(bytes('[[["\\\\"]]]'), 2)).to.equal(true);
  });
});
