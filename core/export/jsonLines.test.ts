import { Readable } from 'node:stream';
import { expect } from 'chai';
import { jsonArrayOfParts, ndjsonLines } from './jsonLines.js';

async function text(pieces: AsyncIterable<string>): Promise<string> {
  let out = '';
  for await (const piece of pieces) out += piece;
  return out;
}

async function* from<T>(items: T[]): AsyncGenerator<T> {
  yield* items;
}

describe('export JSON lines', () => {
  it('writes one record per line and counts them, line breaks in values included', async () => {
    const counter = { records: 0 };
    const records = [{ a: 1 }, { notes: 'two\nlines' }, { c: [1, 2] }];
    const ndjson = await text(ndjsonLines(from(records), counter));
    expect(ndjson.split('\n')).to.have.length(4);
    expect(
      ndjson
        .trimEnd()
        .split('\n')
        .map((l) => JSON.parse(l) as unknown),
    ).to.deep.equal(records);
    expect(counter.records).to.equal(3);
  });

  it('joins parts into one JSON array, skipping empty parts', async () => {
    const part = (records: unknown[]) => async () =>
      Readable.from([records.map((r) => `${JSON.stringify(r)}\n`).join('')]);
    const array = await text(
      jsonArrayOfParts([part([{ id: 1 }, { id: 2 }]), part([]), part([{ id: 3 }]), part([])]),
    );
    expect(JSON.parse(array)).to.deep.equal([{ id: 1 }, { id: 2 }, { id: 3 }]);
    expect(array).to.equal('[\n{"id":1},\n{"id":2},\n{"id":3}\n]\n');
    expect(JSON.parse(await text(jsonArrayOfParts([part([]), part([])])))).to.deep.equal([]);
  });

  it('opens each part only when the array reaches it', async () => {
    const opened: number[] = [];
    const parts = [0, 1, 2].map((i) => async () => {
      opened.push(i);
      return Readable.from([`{"part":${i}}\n`]);
    });
    const pieces = jsonArrayOfParts(parts);
    await pieces.next(); // '['
    await pieces.next(); // the first record
    expect(opened).to.deep.equal([0]);
    await text(pieces);
    expect(opened).to.deep.equal([0, 1, 2]);
  });

  it('reads records split across chunks', async () => {
    const chunks = ['{"id":', '1}\n{"i', 'd":2}\n'];
    const array = await text(jsonArrayOfParts([async () => Readable.from(chunks)]));
    expect(JSON.parse(array)).to.deep.equal([{ id: 1 }, { id: 2 }]);
  });
});
