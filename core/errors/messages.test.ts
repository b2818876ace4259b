import { readFileSync } from 'node:fs';
import { expect } from 'chai';
import messages from './messages.en.json' with { type: 'json' };

describe('error codes', () => {
  it('lists every code the API can answer in the contract (Problem.yaml), so clients can branch on it', () => {
    const problem = readFileSync(new URL('../../contracts/schemas/Problem.yaml', import.meta.url), 'utf8');
    const listed = /Stable codes:([^.]*)\./
      .exec(problem.replace(/\s+/g, ' '))![1]!
      .split(',')
      .map((c) => c.trim());
    expect(listed).to.have.members(Object.keys(messages));
  });
});
