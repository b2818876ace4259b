// A minimal typed client for the sync-job operations: openapi-fetch typed only by the generated
// `paths`, with the bearer token added by middleware. It stands in for the mobile SDK (which will
// add idempotency-key generation, retries and an offline queue as more middleware), so the pact
// records what a real typed client sends and reads.
import createClient from 'openapi-fetch';
import type { components, paths } from '../../generated/openapi.gen.js';

export type CreateSyncJobRequest = components['schemas']['CreateSyncJobRequest'];
export type SyncJob = components['schemas']['SyncJob'];
export type SyncJobAccepted = components['schemas']['SyncJobAccepted'];
export type Problem = components['schemas']['Problem'];

/** A queued job, with the `Location` to poll. */
export interface QueuedSyncJob extends SyncJobAccepted {
  location: string | null;
}

/** Any non-2xx answer: the problem+json body, with `code` to branch on. */
export class ApiProblemError extends Error {
  override readonly name = 'ApiProblemError';

  constructor(
    readonly status: number,
    readonly problem: Problem,
  ) {
    super(`${status} ${problem.code}: ${problem.title}`);
  }
}

export interface ApiClientOptions {
  baseUrl: string;
  /** A Firebase ID token, or a function returning a current one for each request. */
  token: string | (() => string | Promise<string>);
}

function problemOf(response: Response, body: unknown): ApiProblemError {
  const problem = body as Partial<Problem> | undefined;
  if (problem && typeof problem === 'object' && typeof problem.code === 'string')
    return new ApiProblemError(response.status, problem as Problem);
  return new ApiProblemError(response.status, {
    type: 'about:blank',
    title: response.statusText,
    status: response.status,
    code: 'unexpected_response',
  });
}

export function createApiClient(options: ApiClientOptions) {
  const client = createClient<paths>({ baseUrl: options.baseUrl });
  const currentToken = typeof options.token === 'string' ? () => options.token as string : options.token;
  client.use({
    async onRequest({ request }) {
      request.headers.set('Authorization', `Bearer ${await currentToken()}`);
      return request;
    },
  });

  return {
    async createSyncJob(
      body: CreateSyncJobRequest,
      { idempotencyKey }: { idempotencyKey: string },
    ): Promise<QueuedSyncJob> {
      const { data, error, response } = await client.POST('/v1/sync-jobs', {
        params: { header: { 'Idempotency-Key': idempotencyKey } },
        body,
      });
      if (!data) throw problemOf(response, error);
      return { ...data, location: response.headers.get('Location') };
    },

    async getSyncJob(jobId: string): Promise<SyncJob> {
      const { data, error, response } = await client.GET('/v1/sync-jobs/{jobId}', {
        params: { path: { jobId } },
      });
      if (!data) throw problemOf(response, error);
      return data;
    },
  };
}

export type ApiClient = ReturnType<typeof createApiClient>;
