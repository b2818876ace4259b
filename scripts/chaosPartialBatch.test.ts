// The chaos suite's partial batch failures (bench/chaos/partialBatch.ts, bench/chaos/faultProxy.ts).
// Here rather than beside them: test:unit's globs do not cover bench/. The split and merge are
// checked on their own, then once through the proxy in front of a fake emulator, which shows what
// the emulator received and what the caller got back.
import { expect } from 'chai';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { startFaultProxy, type FaultProxy } from '../bench/chaos/faultProxy.js';
import { FAILED_ENTRY_MESSAGE, splitBatch } from '../bench/chaos/partialBatch.js';
import { seededRandom } from '../bench/chaos/random.js';

/** Fails the entries whose positions are listed (0-based, in request order). */
const failing = (...positions: number[]) => {
  let i = 0;
  return () => positions.includes(i++);
};

const put = (pk: string) => ({ PutRequest: { Item: { PK: { S: pk }, SK: { S: 'JOB' } } } });
const del = (pk: string) => ({ DeleteRequest: { Key: { PK: { S: pk }, SK: { S: 'JOB' } } } });

describe('chaos: partial batch failures (bench/chaos/partialBatch.ts)', () => {
  it('BatchWriteItem: forwards the surviving writes and answers the failed ones as UnprocessedItems', () => {
    const request = {
      RequestItems: { jobs: [put('a'), del('b'), put('c')], other: [put('d')] },
      ReturnConsumedCapacity: 'NONE',
    };
    const split = splitBatch('dynamodb', 'BatchWriteItem', request, failing(1, 3))!;
    expect(split.entries).to.equal(4);
    expect(split.failed).to.equal(2);
    // A table whose every write failed is left out of the forwarded call.
    expect(split.forward).to.deep.equal({
      RequestItems: { jobs: [put('a'), put('c')] },
      ReturnConsumedCapacity: 'NONE',
    });
    // What the emulator left unprocessed stays, the failed writes join it, keyed by table.
    expect(split.merge({ UnprocessedItems: { jobs: [put('c')] } })).to.deep.equal({
      UnprocessedItems: { jobs: [put('c'), del('b')], other: [put('d')] },
    });
  });

  it('BatchWriteItem: nothing is forwarded when every write fails', () => {
    const split = splitBatch(
      'dynamodb',
      'BatchWriteItem',
      { RequestItems: { jobs: [put('a')] } },
      () => true,
    )!;
    expect(split.forward).to.equal(null);
    expect(split.merge({})).to.deep.equal({ UnprocessedItems: { jobs: [put('a')] } });
  });

  for (const operation of ['SendMessageBatch', 'DeleteMessageBatch', 'ChangeMessageVisibilityBatch'])
    it(`${operation}: the failed entries come back in Failed as AWS reports a server-side failure`, () => {
      const entries = ['0', '1', '2'].map((Id) => ({ Id, ReceiptHandle: `handle-${Id}` }));
      const split = splitBatch('sqs', operation, { QueueUrl: 'q', Entries: entries }, failing(0, 2))!;
      expect(split.forward).to.deep.equal({ QueueUrl: 'q', Entries: [entries[1]] });
      expect(split.merge({ Successful: [{ Id: '1' }], Failed: [] })).to.deep.equal({
        Successful: [{ Id: '1' }],
        Failed: ['0', '2'].map((Id) => ({
          Id,
          SenderFault: false,
          Code: 'InternalError',
          Message: FAILED_ENTRY_MESSAGE,
        })),
      });
    });

  it('SQS: with every entry failed, nothing is forwarded (SQS refuses an empty batch)', () => {
    const split = splitBatch('sqs', 'SendMessageBatch', { Entries: [{ Id: '0' }] }, () => true)!;
    expect(split.forward).to.equal(null);
    expect(split.merge({})).to.deep.include({ Successful: [] });
  });

  it('leaves other operations and malformed bodies alone', () => {
    expect(splitBatch('sqs', 'SendMessage', { Entries: [{ Id: '0' }] }, () => true)).to.equal(undefined);
    expect(splitBatch('dynamodb', 'PutItem', { RequestItems: {} }, () => true)).to.equal(undefined);
    expect(splitBatch('sqs', 'SendMessageBatch', { Entries: 'x' }, () => true)).to.equal(undefined);
    expect(splitBatch('dynamodb', 'BatchWriteItem', { RequestItems: { t: {} } }, () => true)).to.equal(
      undefined,
    );
  });
});

describe('chaos: the fault proxy with a partialRate (bench/chaos/faultProxy.ts)', () => {
  let emulator: http.Server;
  let proxy: FaultProxy;
  type Batch = { Entries?: Array<{ Id: string }> };
  /** What the fake emulator received last: the body as parsed and the length header it came with. */
  let received: { body: Batch; length: string | undefined } | undefined;

  before(async () => {
    // Answers a SendMessageBatch as fauxqs does: every entry it got, Successful.
    emulator = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        received = { body: JSON.parse(raw) as Batch, length: req.headers['content-length'] };
        const body = JSON.stringify({
          Successful: (received!.body.Entries ?? []).map((e) => ({ Id: e.Id, MessageId: `m-${e.Id}` })),
          Failed: [],
        });
        res.writeHead(200, { 'content-type': 'application/x-amz-json-1.0', 'x-amz-crc32': '123' });
        res.end(body);
      });
    });
    await new Promise<void>((resolve) => emulator.listen(0, '127.0.0.1', resolve));
    const { port } = emulator.address() as AddressInfo;
    proxy = await startFaultProxy(`http://127.0.0.1:${port}`, 'sqs', seededRandom(7));
  });

  after(async () => {
    await proxy.stop();
    await new Promise((resolve) => emulator.close(resolve));
  });

  const sendBatch = async (ids: string[]) => {
    const res = await fetch(proxy.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-amz-json-1.0',
        'x-amz-target': 'AmazonSQS.SendMessageBatch',
      },
      body: JSON.stringify({ QueueUrl: 'q', Entries: ids.map((Id) => ({ Id, MessageBody: `body ${Id}` })) }),
    });
    return {
      status: res.status,
      crc: res.headers.get('x-amz-crc32'),
      body: (await res.json()) as { Successful: Array<{ Id: string }>; Failed: Array<{ Id: string }> },
    };
  };

  it('passes batches through untouched until a rule says otherwise', async () => {
    proxy.clear();
    const answer = await sendBatch(['0', '1']);
    expect(answer.body.Failed).to.deep.equal([]);
    expect(received!.body.Entries!.map((e) => e.Id)).to.deep.equal(['0', '1']);
  });

  it('forwards the survivors only and answers every entry, failed or not, in one 200', async () => {
    proxy.set([{ operations: ['SendMessageBatch'], partialRate: 0.5 }]);
    const ids = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'];
    let failed = 0;
    for (let round = 0; round < 5; round += 1) {
      received = undefined;
      const answer = await sendBatch(ids);
      expect(answer.status).to.equal(200);
      const ok = answer.body.Successful.map((s) => s.Id);
      const lost = answer.body.Failed.map((f) => f.Id);
      expect([...ok, ...lost].sort()).to.deep.equal(ids);
      // The emulator saw exactly the survivors, with a length that matches the rewritten body.
      if (ok.length > 0) {
        expect(received!.body.Entries!.map((e) => e.Id)).to.deep.equal(ok);
        expect(Number(received!.length)).to.equal(Buffer.byteLength(JSON.stringify(received!.body)));
      } else expect(received).to.equal(undefined);
      expect(answer.crc).to.equal(null);
      failed += lost.length;
    }
    expect(failed).to.be.within(10, 40);
    expect(proxy.stats.partial.SendMessageBatch).to.deep.equal({ calls: 5, entries: 50, failed });
  });
});
