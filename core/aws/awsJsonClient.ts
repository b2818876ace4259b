// A lean client for AWS services that speak the JSON 1.0 protocol (DynamoDB, SQS): one signed
// HTTPS POST per call over an undici connection pool. The AWS SDK v3 spends about 0.5 ms of CPU per call
// here (middleware stack, endpoint rules), four times what the request itself costs, so the API's
// hot path (idempotency claim, batched writes, batched sends) uses this and everything else keeps
// the SDK. Signing is SigV4 by `aws4`; credentials come from configuration or the SDK's default
// provider chain (the ECS task role in Fargate), which caches and refreshes them.
import aws4 from 'aws4';
import { Pool } from 'undici';
import { defaultProvider } from '@aws-sdk/credential-provider-node';
import type { Config } from '../config/config.js';
import { retrying } from '../retry/backoff.js';

export interface AwsCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

export interface AwsJsonClientOptions {
  /** Signing name and host prefix: `dynamodb`, `sqs`. */
  service: string;
  /** X-Amz-Target prefix: `DynamoDB_20120810`, `AmazonSQS`. */
  targetPrefix: string;
  region: string;
  /** Endpoint override (the local emulators); default `https://<service>.<region>.amazonaws.com`. */
  endpoint?: string;
  credentials: () => Promise<AwsCredentials>;
  maxAttempts?: number;
  timeoutMs?: number;
}

/** An error answered by the service; `name` is the AWS error type (e.g. ConditionalCheckFailedException). */
export class AwsServiceError extends Error {
  constructor(
    override readonly name: string,
    message: string,
    readonly statusCode: number,
  ) {
    super(message);
  }

  get retryable(): boolean {
    return this.statusCode >= 500 || RETRYABLE_TYPES.has(this.name);
  }
}

const RETRYABLE_TYPES = new Set([
  'ThrottlingException',
  'ProvisionedThroughputExceededException',
  'RequestLimitExceeded',
  'InternalServerError',
  'ServiceUnavailable',
  'RequestThrottled',
]);

const RETRYABLE_NETWORK = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'EPIPE',
  'ETIMEDOUT',
  'EAI_AGAIN',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
]);

/** Throttling, server errors and connection failures; never a client error such as a failed condition. */
export function isRetryable(error: unknown): boolean {
  return error instanceof AwsServiceError
    ? error.retryable
    : RETRYABLE_NETWORK.has((error as NodeJS.ErrnoException).code ?? '');
}

/** The retries wait up to 100 ms, then 200 ms, ... */
const CALL_BACKOFF = { baseMs: 100, maxMs: 2000 };

export class AwsJsonClient {
  private readonly url: URL;
  private readonly pool: Pool;

  constructor(private readonly o: AwsJsonClientOptions) {
    this.url = new URL(o.endpoint ?? `https://${o.service}.${o.region}.amazonaws.com/`);
    this.pool = new Pool(this.url.origin, {
      connections: 64,
      keepAliveTimeout: 30_000,
      headersTimeout: o.timeoutMs ?? 5000,
      bodyTimeout: o.timeoutMs ?? 5000,
    });
  }

  /** Calls `operation` with `input`; retries throttling, 5xx and connection errors with jittered backoff. */
  call<T>(operation: string, input: object, signal?: AbortSignal): Promise<T> {
    return retrying(() => this.once<T>(operation, input, signal), {
      ...CALL_BACKOFF,
      attempts: this.o.maxAttempts ?? 3,
      retryIf: isRetryable,
      ...(signal ? { signal } : {}),
    });
  }

  destroy(): void {
    void this.pool.destroy();
  }

  private async once<T>(operation: string, input: object, signal?: AbortSignal): Promise<T> {
    const body = JSON.stringify(input);
    const signed = aws4.sign(
      {
        host: this.url.host,
        path: this.url.pathname,
        method: 'POST',
        service: this.o.service,
        region: this.o.region,
        body,
        headers: {
          'Content-Type': 'application/x-amz-json-1.0',
          'X-Amz-Target': `${this.o.targetPrefix}.${operation}`,
        },
      },
      await this.o.credentials(),
    );
    const res = await this.pool.request({
      path: this.url.pathname,
      method: 'POST',
      headers: signed.headers as Record<string, string>,
      body,
      ...(signal ? { signal } : {}),
    });
    const response = { status: res.statusCode, text: await res.body.text() };
    const parsed = response.text ? (JSON.parse(response.text) as Record<string, unknown>) : {};
    if (response.status >= 200 && response.status < 300) return parsed as T;
    const type = String(parsed.__type ?? parsed.code ?? `HTTP${response.status}`);
    const message = String(
      parsed.message ?? parsed.Message ?? `${operation} failed with HTTP ${response.status}`,
    );
    throw new AwsServiceError(type.slice(type.lastIndexOf('#') + 1), message, response.status);
  }
}

type AwsConfig = Pick<Config, 'AWS_REGION' | 'AWS_ACCESS_KEY_ID' | 'AWS_SECRET_ACCESS_KEY'>;

/** Static credentials when configured (the emulators), otherwise the SDK's cached default chain. */
export function credentialsFor(config: AwsConfig): () => Promise<AwsCredentials> {
  if (config.AWS_ACCESS_KEY_ID && config.AWS_SECRET_ACCESS_KEY) {
    const fixed = { accessKeyId: config.AWS_ACCESS_KEY_ID, secretAccessKey: config.AWS_SECRET_ACCESS_KEY };
    return async () => fixed;
  }
  return defaultProvider();
}
