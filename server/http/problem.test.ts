import { expect } from 'chai';
import { AppError } from '../../core/errors/AppError.js';
import { AwsServiceError } from '../../core/aws/awsJsonClient.js';
import { QueueSendError } from '../../core/queue/sqs.js';
import { toAppError, toProblem } from './problem.js';

const req = { method: 'POST', path: '/v1/sync-jobs' };

describe('problem mapping', () => {
  it('keeps every validator error with its location and JSON pointer', () => {
    const e = toAppError(
      {
        status: 400,
        errors: [
          {
            path: '/body/dataType',
            message: 'must be equal to one of the allowed values',
            errorCode: 'enum.openapi.validation',
          },
          { path: '/query/limit', message: 'must be <= 100' },
          { path: '/headers/idempotency-key', message: 'must match pattern' },
        ],
      },
      req,
      '1mb',
    );
    expect(e).to.include({ status: 400, code: 'validation_failed' });
    expect(e.errors).to.deep.equal([
      {
        location: 'body',
        path: '/dataType',
        message: 'must be equal to one of the allowed values',
        code: 'enum',
      },
      { location: 'query', path: 'limit', message: 'must be <= 100' },
      { location: 'header', path: 'idempotency-key', message: 'must match pattern' },
    ]);
  });

  it('maps body-parser failures to malformed_json and payload_too_large', () => {
    expect(toAppError({ type: 'entity.parse.failed', expose: true, status: 400 }, req, '1mb').code).to.equal(
      'malformed_json',
    );
    const big = toAppError({ type: 'entity.too.large', expose: true, status: 413 }, req, '64kb');
    expect(big).to.include({ status: 413, code: 'payload_too_large' });
    expect(big.detail).to.contain('64kb');
  });

  it('hides unknown errors behind internal_error', () => {
    const e = toAppError(new TypeError('secret internals at foo.ts:12'), req, '1mb');
    expect(e).to.include({ status: 500, code: 'internal_error' });
    const p = toProblem(e, '/v1/sync-jobs', 'corr-1');
    expect(JSON.stringify(p.body)).not.to.contain('secret internals');
  });

  it('answers a dependency that fails for the moment (AWS 5xx, throttling, refused connection) with 503 and Retry-After', () => {
    // Found by the chaos suite (npm run chaos -- --only api-dependencies): SQS answering 500 made
    // POST /v1/sync-jobs and the webhook endpoints answer 500 internal_error.
    const transient = [
      new AwsServiceError('InternalError', 'injected', 500),
      new AwsServiceError('ProvisionedThroughputExceededException', 'injected', 400),
      Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }),
      // chaos batch-partial: an entry SQS failed in a SendMessageBatch, past the sender's resends.
      new QueueSendError('InternalError', 'injected', false),
    ];
    for (const error of transient) {
      const e = toAppError(error, req, '1mb');
      expect(e, error.message).to.include({ status: 503, code: 'service_unavailable' });
      expect(e.headers['Retry-After']).to.match(/^\d+$/);
      expect(JSON.stringify(toProblem(e, '/v1/sync-jobs', 'c').body)).not.to.contain('injected');
    }
    // A request the service refused for good is no outage.
    expect(toAppError(new AwsServiceError('ValidationException', 'bad', 400), req, '1mb')).to.include({
      status: 500,
      code: 'internal_error',
    });
    expect(toAppError(new QueueSendError('InvalidParameterValue', 'bad', true), req, '1mb')).to.include({
      status: 500,
      code: 'internal_error',
    });
  });

  it('renders RFC 9457 members, the stable code and the message resource text', () => {
    const p = toProblem(
      new AppError(404, 'connection_not_found', { params: { connectionId: 'conn_x' } }),
      '/v1/x',
      'c-1',
    );
    expect(p.body).to.deep.equal({
      type: 'https://api.syncwell.example/problems/connection_not_found',
      title: 'Connection not found',
      status: 404,
      detail: 'Connection conn_x does not exist for this user.',
      code: 'connection_not_found',
      instance: '/v1/x',
      correlationId: 'c-1',
    });
  });
});
