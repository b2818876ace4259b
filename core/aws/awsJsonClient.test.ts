// The lean client over real HTTP (a loopback server standing in for the service): what it sends,
// how it signs (exactly as the AWS SDK's own SigV4 signer would), errors and retries.
import { createHash, createHmac } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect } from 'chai';
import { SignatureV4 } from '@smithy/signature-v4';
import { AwsJsonClient, AwsServiceError } from './awsJsonClient.js';

class Sha256 {
  private readonly hash;
  constructor(secret?: string | Uint8Array) {
    this.hash = secret ? createHmac('sha256', secret) : createHash('sha256');
  }
  update(data: string | Uint8Array) {
    this.hash.update(data);
  }
  async digest() {
    return new Uint8Array(this.hash.digest());
  }
}

interface Received {
  headers: IncomingMessage['headers'];
  body: string;
}

describe('AwsJsonClient', () => {
  let server: Server;
  let endpoint: string;
  let received: Received[] = [];
  let answers: Array<{ status: number; body: object }> = [];
  const credentials = {
    accessKeyId: 'AKIDEXAMPLE',
    secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
  };

  before(async () => {
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        received.push({ headers: req.headers, body });
        const answer = answers.shift() ?? { status: 200, body: {} };
        res.writeHead(answer.status, { 'content-type': 'application/x-amz-json-1.0' });
        res.end(JSON.stringify(answer.body));
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  });
  after(() => new Promise((r) => server.close(r)));
  beforeEach(() => {
    received = [];
    answers = [];
  });

  const client = () =>
    new AwsJsonClient({
      service: 'dynamodb',
      targetPrefix: 'DynamoDB_20120810',
      region: 'eu-west-1',
      endpoint,
      credentials: async () => credentials,
    });

  it('POSTs the JSON input with the operation as X-Amz-Target and returns the parsed answer', async () => {
    answers.push({ status: 200, body: { Attributes: { PK: { S: 'a' } } } });
    const out = await client().call<{ Attributes: object }>('PutItem', {
      TableName: 't',
      Item: { PK: { S: 'a' } },
    });
    expect(out).to.deep.equal({ Attributes: { PK: { S: 'a' } } });
    expect(received[0]!.headers['x-amz-target']).to.equal('DynamoDB_20120810.PutItem');
    expect(received[0]!.headers['content-type']).to.equal('application/x-amz-json-1.0');
    expect(JSON.parse(received[0]!.body)).to.deep.equal({ TableName: 't', Item: { PK: { S: 'a' } } });
  });

  it('signs exactly as the AWS SDK signer does (SigV4)', async () => {
    await client().call('GetItem', { TableName: 't' });
    const got = received[0]!;
    const url = new URL(endpoint);
    // Same signed header set as ours: content-length included, no x-amz-content-sha256 (both are
    // valid SigV4; AWS accepts either).
    const signer = new SignatureV4({
      service: 'dynamodb',
      region: 'eu-west-1',
      credentials,
      sha256: Sha256 as never,
      applyChecksum: false,
    });
    const amzDate = String(got.headers['x-amz-date']);
    const signingDate = new Date(
      `${amzDate.slice(0, 4)}-${amzDate.slice(4, 6)}-${amzDate.slice(6, 8)}T${amzDate.slice(9, 11)}:${amzDate.slice(11, 13)}:${amzDate.slice(13, 15)}Z`,
    );
    const expected = await signer.sign(
      {
        method: 'POST',
        protocol: 'http:',
        hostname: url.hostname,
        port: Number(url.port),
        path: '/',
        headers: {
          host: url.host,
          'content-length': String(Buffer.byteLength(got.body)),
          'content-type': 'application/x-amz-json-1.0',
          'x-amz-target': 'DynamoDB_20120810.GetItem',
        },
        body: got.body,
      },
      { signingDate },
    );
    const signatureOf = (header: unknown) => /Signature=([0-9a-f]{64})/.exec(String(header))?.[1];
    expect(signatureOf(got.headers.authorization)).to.be.a('string');
    expect(signatureOf(got.headers.authorization)).to.equal(signatureOf(expected.headers.authorization));
  });

  it('maps an AWS error body to an AwsServiceError named by its type, without retrying client errors', async () => {
    answers.push({
      status: 400,
      body: {
        __type: 'com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException',
        message: 'The conditional request failed',
      },
    });
    const error = await client()
      .call('PutItem', {})
      .catch((e: unknown) => e);
    expect(error).to.be.instanceOf(AwsServiceError);
    expect(error).to.include({ name: 'ConditionalCheckFailedException', statusCode: 400, retryable: false });
    expect(received).to.have.length(1);
  });

  it('retries throttling and server errors, then gives up after maxAttempts', async () => {
    answers.push(
      { status: 400, body: { __type: 'ThrottlingException' } },
      { status: 500, body: {} },
      { status: 200, body: { ok: true } },
    );
    expect(await client().call('PutItem', {})).to.deep.equal({ ok: true });
    expect(received).to.have.length(3);

    received = [];
    answers.push(
      { status: 503, body: {} },
      { status: 503, body: {} },
      { status: 503, body: {} },
      { status: 200, body: {} },
    );
    const error = await client()
      .call('PutItem', {})
      .catch((e: unknown) => e);
    expect(error).to.be.instanceOf(AwsServiceError).with.property('statusCode', 503);
    expect(received).to.have.length(3);
  });

  it('retries a refused connection, maxAttempts calls in all', async () => {
    let calls = 0;
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((r) => closed.close(r));
    const refused = new AwsJsonClient({
      service: 'dynamodb',
      targetPrefix: 'DynamoDB_20120810',
      region: 'eu-west-1',
      endpoint: `http://127.0.0.1:${port}/`,
      credentials: async () => {
        calls += 1;
        return credentials;
      },
    });
    const error = await refused.call('GetItem', {}).catch((e: unknown) => e);
    refused.destroy();
    expect((error as NodeJS.ErrnoException).code).to.equal('ECONNREFUSED');
    expect(calls).to.equal(3);
  });

  it('stops retrying once the caller aborts', async () => {
    answers.push({ status: 503, body: {} }, { status: 200, body: { ok: true } });
    const abort = new AbortController();
    const aborting = client();
    const call = aborting.call('PutItem', {}, abort.signal).catch((e: unknown) => e);
    while (received.length === 0) await new Promise((r) => setTimeout(r, 1));
    abort.abort();
    expect(await call).to.be.instanceOf(Error);
    // The wait before the second attempt (up to 100 ms) may end first: then that attempt sees the abort.
    await new Promise((r) => setTimeout(r, 150));
    aborting.destroy();
    expect(received).to.have.length(1);
  });
});
