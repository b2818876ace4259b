// The two shapes records take in an export: while it is built, each part holds one record per line
// (NDJSON: a part can be written as records arrive, and read back line by line); in the archive,
// each data type's file is one JSON array. Converting is a matter of brackets and commas, line by
// line, so neither side ever holds more than a line.
import type { Readable } from 'node:stream';
import { createInterface } from 'node:readline';

/** NDJSON lines of `records`, counting them in `counter` as they go. */
export async function* ndjsonLines(
  records: AsyncIterable<unknown>,
  counter: { records: number },
): AsyncGenerator<string> {
  for await (const record of records) {
    // JSON.stringify never writes a raw line break, so one record is one line.
    yield `${JSON.stringify(record)}\n`;
    counter.records += 1;
  }
}

/**
 * One JSON array of every record of `parts` (NDJSON streams opened one after the other, only when
 * the array reaches them), one element per line.
 */
export async function* jsonArrayOfParts(
  parts: Iterable<() => Promise<Readable>> | AsyncIterable<() => Promise<Readable>>,
): AsyncGenerator<string> {
  let first = true;
  yield '[';
  for await (const open of parts) {
    const lines = createInterface({ input: await open(), crlfDelay: Number.POSITIVE_INFINITY });
    for await (const line of lines) {
      if (line === '') continue;
      yield `${first ? '\n' : ',\n'}${line}`;
      first = false;
    }
  }
  yield first ? ']\n' : '\n]\n';
}
