// The local stand-in for EventBridge's rule matching: the operators the rules use, EventBridge's
// semantics for each (documented in "Comparison operators for use in event patterns"), and refusal
// of what is not modelled.
import { expect } from 'chai';
import { eventPatternOf, matchesEventPattern, UnsupportedEventPatternError } from './eventPattern.js';

const event = {
  source: 'syncwell.worker',
  'detail-type': 'SyncSucceeded',
  detail: { trigger: 'manual', recordsWritten: 3, tags: ['a', 'b'], nested: { ok: true }, none: null },
};
const matches = (pattern: unknown) => matchesEventPattern(eventPatternOf(pattern), event);

describe('core/events/eventPattern', () => {
  it('exact values: a field matches when its value is one of the list; every field must match', () => {
    expect(matches({ source: ['other', 'syncwell.worker'] })).to.equal(true);
    expect(matches({ source: ['syncwell.worker'], 'detail-type': ['SyncFailed'] })).to.equal(false);
    expect(matches({ detail: { nested: { ok: [true] }, none: [null] } })).to.equal(true);
    expect(matches({ detail: { recordsWritten: ['3'] } })).to.equal(false);
    // An array in the event matches when any element does.
    expect(matches({ detail: { tags: ['b'] } })).to.equal(true);
    expect(matches({ detail: { missing: ['x'] } })).to.equal(false);
    expect(matches({ detail: { trigger: { nested: ['x'] } } })).to.equal(false);
  });

  it('prefix, numeric ranges and exists', () => {
    expect(matches({ source: [{ prefix: 'syncwell.' }] })).to.equal(true);
    expect(matches({ detail: { recordsWritten: [{ numeric: ['>', 0, '<=', 3] }] } })).to.equal(true);
    expect(matches({ detail: { recordsWritten: [{ numeric: ['>', 3] }] } })).to.equal(false);
    expect(matches({ detail: { trigger: [{ numeric: ['>', 0] }] } })).to.equal(false);
    expect(matches({ detail: { retryable: [{ exists: false }], trigger: [{ exists: true }] } })).to.equal(
      true,
    );
    expect(matches({ detail: { trigger: [{ exists: false }] } })).to.equal(false);
  });

  it('$or: any of the alternatives, together with the fields beside it', () => {
    const alternatives = [{ trigger: ['schedule'] }, { recordsWritten: [{ numeric: ['=', 3] }] }];
    expect(matches({ detail: { $or: alternatives } })).to.equal(true);
    expect(matches({ source: ['x'], detail: { $or: alternatives } })).to.equal(false);
    expect(matches({ detail: { $or: [{ trigger: ['schedule'] }, { tags: ['c'] }] } })).to.equal(false);
  });

  it('refuses what it does not model, naming where', () => {
    const refused = (pattern: unknown) =>
      expect(() => eventPatternOf(pattern)).to.throw(UnsupportedEventPatternError);
    refused([]);
    refused({});
    refused({ source: [] });
    refused({ source: [{ 'anything-but': 'x' }] });
    refused({ source: [{ prefix: 'a', suffix: 'b' }] });
    refused({ detail: { n: [{ numeric: ['>'] }] } });
    refused({ detail: { n: [{ numeric: ['!=', 1] }] } });
    refused({ detail: { $or: [{ a: ['x'] }] } });
    expect(() => eventPatternOf({ detail: { x: [{ wildcard: '*' }] } })).to.throw(
      /pattern\.detail\.x: the operator "wildcard"/,
    );
  });
});
