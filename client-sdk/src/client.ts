// The typed SyncWell client: one method per operation over openapi-fetch (typed by the contract's
// `paths`), with the runtime concerns in Transport (auth, retries) and the offline queue beside it.
import createClient from 'openapi-fetch';
import { ApiError, type FailedRequest } from './errors.js';
import type { SyncWellEvent } from './events.js';
import type { OfflineActionStore } from './offline.js';
import {
  createOfflineQueue,
  type MutationName,
  type OfflineQueue,
  type Queueable,
  type ReplayOptions,
  type ReplaySummary,
} from './queue.js';
import {
  DEFAULT_RETRY,
  Transport,
  describeRequest,
  type CallContext,
  type RetryOptions,
  type TokenProvider,
} from './transport.js';
import type { paths } from './generated/openapi.gen.js';
import type {
  CallOptions,
  ConditionalOptions,
  Connection,
  MutationOptions,
  PathParamsOf,
  QueryOf,
  RequestBodyOf,
  ResultOf,
  WithEtag,
} from './types.js';

export interface SyncWellClientOptions {
  /** API origin (and optional path prefix), e.g. `https://api.syncwell.example`. */
  baseUrl: string;
  /** Returns a Firebase ID token; called with `{ forceRefresh: true }` once after a 401. */
  getToken: TokenProvider;
  /** The fetch to use (default: the global fetch). */
  fetch?: typeof globalThis.fetch;
  /** Retry bounds; see RetryOptions for the defaults. */
  retry?: RetryOptions;
  /** Where state-changing calls made through `client.queueable` are stored when offline. */
  offlineQueue?: OfflineActionStore;
  /** Diagnostics hook (requests, retries, token refreshes, queue activity). Must not throw. */
  onEvent?: (event: SyncWellEvent) => void;
}

type ApiResult<D> = { data?: D; error?: unknown; response: Response };
type PerRequest = { fetch: (request: Request) => Promise<Response> };

/** Operations the contract declares with `security: []`: they work without a signed-in user. */
const ANONYMOUS_OPERATIONS = new Set(['completeOAuth', 'getHealth']);

export function createSyncWellClient(options: SyncWellClientOptions) {
  const onEvent = (event: SyncWellEvent) => {
    try {
      options.onEvent?.(event);
    } catch {
      // A broken diagnostics hook must not break calls.
    }
  };
  let offline = false;
  const transport = new Transport({
    baseUrl: options.baseUrl,
    getToken: options.getToken,
    fetch: options.fetch ?? ((input, init) => globalThis.fetch(input, init)),
    retry: { ...DEFAULT_RETRY, ...options.retry },
    onEvent,
    isOffline: () => offline,
  });
  const api = createClient<paths>({ baseUrl: options.baseUrl.replace(/\/+$/, '') });

  /** Runs one typed call through the transport and turns error statuses into ApiError. */
  async function call<D>(
    operation: string,
    o: CallOptions | undefined,
    invoke: (perRequest: PerRequest) => Promise<ApiResult<D>>,
  ): Promise<{ data: D; response: Response }> {
    const context: CallContext = {
      operation,
      signal: o?.signal,
      anonymous: ANONYMOUS_OPERATIONS.has(operation),
    };
    let sent: FailedRequest | undefined;
    const { data, error, response } = await invoke({
      fetch: async (request) => {
        const parts = {
          method: request.method,
          path: transport.relativePath(request.url),
          headers: new Headers(request.headers),
          body: request.body ? await request.text() : undefined,
        };
        sent = describeRequest(parts);
        return transport.send(parts, context);
      },
    });
    if (!response.ok) {
      throw ApiError.from(
        response,
        error,
        sent ?? { method: '', path: '', body: undefined, idempotencyKey: undefined },
      );
    }
    return { data: data as D, response };
  }

  const key = (o: MutationOptions | undefined) => o?.idempotencyKey ?? crypto.randomUUID();
  const withEtag = <D>({ data, response }: { data: D; response: Response }): WithEtag<D> => ({
    data,
    etag: response.headers.get('etag') ?? '',
  });
  const body = <D>({ data }: { data: D }) => data;
  const nothing = (): void => undefined;
  const conditional = (o: ConditionalOptions | undefined) => ({
    'Idempotency-Key': key(o),
    ...(o?.ifMatch ? { 'If-Match': o.ifMatch } : {}),
  });

  const methods = {
    // ---- connections ----
    /** GET /v1/connections: the user's connections, oldest first. */
    listConnections: (o?: CallOptions): Promise<ResultOf<'listConnections'>> =>
      call('listConnections', o, (r) => api.GET('/v1/connections', r)).then(body),
    /** POST /v1/connections: starts OAuth; open `authorizationUrl` in a browser. */
    createConnection: (
      request: RequestBodyOf<'createConnection'>,
      o?: MutationOptions,
    ): Promise<ResultOf<'createConnection'>> =>
      call('createConnection', o, (r) =>
        api.POST('/v1/connections', {
          ...r,
          params: { header: { 'Idempotency-Key': key(o) } },
          body: request,
        }),
      ).then(body),
    /** GET /v1/oauth/{provider}/callback: completes OAuth (normally the provider's redirect does this). */
    completeOAuth: (
      provider: PathParamsOf<'completeOAuth'>['provider'],
      query: QueryOf<'completeOAuth'>,
      o?: CallOptions,
    ): Promise<ResultOf<'completeOAuth'>> =>
      call('completeOAuth', o, (r) =>
        api.GET('/v1/oauth/{provider}/callback', { ...r, params: { path: { provider }, query } }),
      ).then(body),
    /** DELETE /v1/connections/{connectionId}: disconnects a provider and deletes its sync configs. */
    deleteConnection: (connectionId: string, o?: MutationOptions): Promise<void> =>
      call('deleteConnection', o, (r) =>
        api.DELETE('/v1/connections/{connectionId}', {
          ...r,
          params: { header: { 'Idempotency-Key': key(o) }, path: { connectionId } },
        }),
      ).then(nothing),

    // ---- sync configs ----
    /** GET /v1/sync-configs. */
    listSyncConfigs: (o?: CallOptions): Promise<ResultOf<'listSyncConfigs'>> =>
      call('listSyncConfigs', o, (r) => api.GET('/v1/sync-configs', r)).then(body),
    /** POST /v1/sync-configs: the new config (version 1) and its ETag. */
    createSyncConfig: (
      request: RequestBodyOf<'createSyncConfig'>,
      o?: MutationOptions,
    ): Promise<WithEtag<ResultOf<'createSyncConfig'>>> =>
      call('createSyncConfig', o, (r) =>
        api.POST('/v1/sync-configs', {
          ...r,
          params: { header: { 'Idempotency-Key': key(o) } },
          body: request,
        }),
      ).then(withEtag),
    /** GET /v1/sync-configs/{configId}: the config and its ETag. */
    getSyncConfig: (configId: string, o?: CallOptions): Promise<WithEtag<ResultOf<'getSyncConfig'>>> =>
      call('getSyncConfig', o, (r) =>
        api.GET('/v1/sync-configs/{configId}', { ...r, params: { path: { configId } } }),
      ).then(withEtag),
    /** PATCH /v1/sync-configs/{configId}: pass `ifMatch` (the ETag) or the body's `version`. */
    updateSyncConfig: (
      configId: string,
      request: RequestBodyOf<'updateSyncConfig'>,
      o?: ConditionalOptions,
    ): Promise<WithEtag<ResultOf<'updateSyncConfig'>>> =>
      call('updateSyncConfig', o, (r) =>
        api.PATCH('/v1/sync-configs/{configId}', {
          ...r,
          params: { header: conditional(o), path: { configId } },
          body: request,
        }),
      ).then(withEtag),
    /** DELETE /v1/sync-configs/{configId}: unconditional unless `ifMatch` is given. */
    deleteSyncConfig: (configId: string, o?: ConditionalOptions): Promise<void> =>
      call('deleteSyncConfig', o, (r) =>
        api.DELETE('/v1/sync-configs/{configId}', {
          ...r,
          params: { header: conditional(o), path: { configId } },
        }),
      ).then(nothing),

    // ---- sync jobs ----
    /** GET /v1/sync-jobs: one page, newest first; pass `nextCursor` back as `cursor`. */
    listSyncJobs: (query?: QueryOf<'listSyncJobs'>, o?: CallOptions): Promise<ResultOf<'listSyncJobs'>> =>
      call('listSyncJobs', o, (r) => api.GET('/v1/sync-jobs', { ...r, params: { query } })).then(body),
    /** POST /v1/sync-jobs: queues a manual or historical sync. */
    createSyncJob: (
      request: RequestBodyOf<'createSyncJob'>,
      o?: MutationOptions,
    ): Promise<ResultOf<'createSyncJob'>> =>
      call('createSyncJob', o, (r) =>
        api.POST('/v1/sync-jobs', { ...r, params: { header: { 'Idempotency-Key': key(o) } }, body: request }),
      ).then(body),
    /** GET /v1/sync-jobs/{jobId}. */
    getSyncJob: (jobId: string, o?: CallOptions): Promise<ResultOf<'getSyncJob'>> =>
      call('getSyncJob', o, (r) =>
        api.GET('/v1/sync-jobs/{jobId}', { ...r, params: { path: { jobId } } }),
      ).then(body),

    // ---- users ----
    /** GET /v1/users/me. */
    getCurrentUser: (o?: CallOptions): Promise<ResultOf<'getCurrentUser'>> =>
      call('getCurrentUser', o, (r) => api.GET('/v1/users/me', r)).then(body),
    /** DELETE /v1/users/me: starts account deletion (irreversible). */
    deleteCurrentUser: (o?: MutationOptions): Promise<ResultOf<'deleteCurrentUser'>> =>
      call('deleteCurrentUser', o, (r) =>
        api.DELETE('/v1/users/me', { ...r, params: { header: { 'Idempotency-Key': key(o) } } }),
      ).then(body),
    /** GET /v1/users/me/settings: the settings and their ETag. */
    getUserSettings: (o?: CallOptions): Promise<WithEtag<ResultOf<'getUserSettings'>>> =>
      call('getUserSettings', o, (r) => api.GET('/v1/users/me/settings', r)).then(withEtag),
    /** PUT /v1/users/me/settings: replaces the settings; pass `ifMatch` or the body's `version`. */
    updateUserSettings: (
      request: RequestBodyOf<'updateUserSettings'>,
      o?: ConditionalOptions,
    ): Promise<WithEtag<ResultOf<'updateUserSettings'>>> =>
      call('updateUserSettings', o, (r) =>
        api.PUT('/v1/users/me/settings', { ...r, params: { header: conditional(o) }, body: request }),
      ).then(withEtag),

    // ---- exports ----
    /** POST /v1/export-jobs: starts an export of all the user's data, or returns the one in progress. */
    createExportJob: (o?: MutationOptions): Promise<ResultOf<'createExportJob'>> =>
      call('createExportJob', o, (r) =>
        api.POST('/v1/export-jobs', { ...r, params: { header: { 'Idempotency-Key': key(o) } } }),
      ).then(body),
    /**
     * GET /v1/export-jobs/{jobId}: status, progress per data type and what is missing, and once
     * SUCCEEDED a fresh `downloadUrl` (1 hour). After the archive's retention: ApiError 410
     * `export_expired`.
     */
    getExportJob: (jobId: string, o?: CallOptions): Promise<ResultOf<'getExportJob'>> =>
      call('getExportJob', o, (r) =>
        api.GET('/v1/export-jobs/{jobId}', { ...r, params: { path: { jobId } } }),
      ).then(body),

    // ---- devices ----
    /** POST /v1/devices: registers (or refreshes) the push token. */
    registerDevice: (
      request: RequestBodyOf<'registerDevice'>,
      o?: MutationOptions,
    ): Promise<ResultOf<'registerDevice'>> =>
      call('registerDevice', o, (r) =>
        api.POST('/v1/devices', { ...r, params: { header: { 'Idempotency-Key': key(o) } }, body: request }),
      ).then(body),
    /** GET /v1/devices: the user's registered devices (tokens are never returned). */
    listDevices: (o?: CallOptions): Promise<ResultOf<'listDevices'>> =>
      call('listDevices', o, (r) => api.GET('/v1/devices', r)).then(body),
    /** DELETE /v1/devices/{deviceId}: forget this installation (on sign-out). */
    deleteDevice: (deviceId: string, o?: MutationOptions): Promise<void> =>
      call('deleteDevice', o, (r) =>
        api.DELETE('/v1/devices/{deviceId}', {
          ...r,
          params: { header: { 'Idempotency-Key': key(o) }, path: { deviceId } },
        }),
      ).then(nothing),
    /** POST /v1/device-connections: connect Apple Health or Health Connect (no OAuth). */
    createDeviceConnection: (
      request: RequestBodyOf<'createDeviceConnection'>,
      o?: MutationOptions,
    ): Promise<ResultOf<'createDeviceConnection'>> =>
      call('createDeviceConnection', o, (r) =>
        api.POST('/v1/device-connections', {
          ...r,
          params: { header: { 'Idempotency-Key': key(o) } },
          body: request,
        }),
      ).then(body),
    /**
     * POST /v1/device-connections/{provider}/unavailable: the health store cannot be used (Health
     * Connect missing, permissions gone); its connection needs reconnecting (`createDeviceConnection`).
     */
    reportHealthStoreUnavailable: (
      provider: RequestBodyOf<'createDeviceConnection'>['provider'],
      request: RequestBodyOf<'reportHealthStoreUnavailable'>,
      o?: MutationOptions,
    ): Promise<ResultOf<'reportHealthStoreUnavailable'>> =>
      call('reportHealthStoreUnavailable', o, (r) =>
        api.POST('/v1/device-connections/{provider}/unavailable', {
          ...r,
          params: { header: { 'Idempotency-Key': key(o) }, path: { provider } },
          body: request,
        }),
      ).then(body),
    /** POST /v1/device-upload: device → cloud records (up to 500). */
    uploadDeviceData: (
      request: RequestBodyOf<'uploadDeviceData'>,
      o?: MutationOptions,
    ): Promise<ResultOf<'uploadDeviceData'>> =>
      call('uploadDeviceData', o, (r) =>
        api.POST('/v1/device-upload', {
          ...r,
          params: { header: { 'Idempotency-Key': key(o) } },
          body: request,
        }),
      ).then(body),
    /** POST /v1/device-read-response: answers a DeviceReadRequest push. */
    /** GET /v1/device-requests: what the backend waits for from this phone (call at launch). */
    listDeviceRequests: (o?: CallOptions): Promise<ResultOf<'listDeviceRequests'>> =>
      call('listDeviceRequests', o, (r) => api.GET('/v1/device-requests', r)).then(body),
    submitDeviceReadResponse: (
      request: RequestBodyOf<'submitDeviceReadResponse'>,
      o?: MutationOptions,
    ): Promise<ResultOf<'submitDeviceReadResponse'>> =>
      call('submitDeviceReadResponse', o, (r) =>
        api.POST('/v1/device-read-response', {
          ...r,
          params: { header: { 'Idempotency-Key': key(o) } },
          body: request,
        }),
      ).then(body),
    /** GET /v1/staged-data/{jobId}: records staged for the device to write. */
    getStagedData: (jobId: string, o?: CallOptions): Promise<ResultOf<'getStagedData'>> =>
      call('getStagedData', o, (r) =>
        api.GET('/v1/staged-data/{jobId}', { ...r, params: { path: { jobId } } }),
      ).then(body),
    /** POST /v1/confirm-write/{jobId}: reports which staged records the device wrote. */
    confirmDeviceWrite: (
      jobId: string,
      request: RequestBodyOf<'confirmDeviceWrite'>,
      o?: MutationOptions,
    ): Promise<ResultOf<'confirmDeviceWrite'>> =>
      call('confirmDeviceWrite', o, (r) =>
        api.POST('/v1/confirm-write/{jobId}', {
          ...r,
          params: { header: { 'Idempotency-Key': key(o) }, path: { jobId } },
          body: request,
        }),
      ).then(body),

    // ---- health ----
    /** GET /healthz: liveness (no token needed, one is sent anyway). */
    getHealth: (o?: CallOptions): Promise<ResultOf<'getHealth'>> =>
      call('getHealth', o, (r) => api.GET('/healthz', r)).then(body),
  };

  const queue: OfflineQueue = createOfflineQueue({
    store: options.offlineQueue,
    transport,
    onEvent,
    methods,
    refresh: async (signal) => ({
      connections: (await methods.listConnections({ signal })).connections,
      syncConfigs: (await methods.listSyncConfigs({ signal })).syncConfigs,
    }),
  });

  return {
    ...methods,
    /**
     * The state-changing methods again, but a NetworkError (or an offline client) stores the action in
     * `offlineQueue` and resolves `{ queued: true, action }` instead of rejecting; a sent call resolves
     * `{ queued: false, result }`. API errors still reject.
     */
    queueable: queue.queueable as Queueable<Pick<typeof methods, MutationName>>,
    /**
     * The one tap behind a retiring provider's notice: starts connecting the provider the
     * connection's notice names as its replacement (createConnection; open `authorizationUrl`). A
     * connection without such a notice is a caller bug: it throws a TypeError before any request.
     */
    reconnectThroughReplacement: (
      connection: Pick<Connection, 'connectionId' | 'notice'>,
      request: Omit<RequestBodyOf<'createConnection'>, 'provider'> = {},
      o?: MutationOptions,
    ): Promise<ResultOf<'createConnection'>> => {
      const replacement = connection.notice?.replacement;
      if (!replacement)
        return Promise.reject(new TypeError(`connection ${connection.connectionId} names no replacement`));
      return methods.createConnection({ ...request, provider: replacement }, o);
    },
    /** Replays queued actions in creation order with their stored keys; see ReplaySummary. */
    replayOfflineActions: (o?: ReplayOptions): Promise<ReplaySummary> => queue.replay(o),
    /** Marks the client offline (every call fails fast with NetworkError; queueable calls are queued). */
    setOffline: (value: boolean): void => {
      offline = value;
    },
    /** Whether the client is marked offline. */
    get isOffline(): boolean {
      return offline;
    },
  };
}

export type SyncWellClient = ReturnType<typeof createSyncWellClient>;
