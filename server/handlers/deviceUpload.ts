// POST /v1/device-upload (seed §3 Model 2, Diagram 7): the phone's records are the source; the
// sync engine reads the destination, resolves conflicts and writes, all within the request. The
// records live in this request's memory only: never on a queue, in a table or in a log (only ids
// and counts are logged).
import { AppError, type FieldError } from '../../core/errors/AppError.js';
import { dataTypeOfRecord } from '../../core/domain/recordDataType.js';
import { OAuthUnavailableError } from '../../core/oauth/oauthClient.js';
import { ProviderError, ProviderRateLimitedError } from '../../core/providers/errors.js';
import { RateLimiterUnavailableError } from '../../core/ratelimit/tokenBucket.js';
import { SecureStorageUnavailableError } from '../../core/secrets/secretStore.js';
import { classifyFailure, JobError } from '../../core/sync/jobErrors.js';
import type { ConnectionRecord } from '../../core/store/connectionRepository.js';
import type { HandlerMap } from '../http/operationTypes.js';
import { ownedConnection } from './connections.js';
import { callerOf, type HandlerDependencies } from './dependencies.js';

/** When the provider gave no Retry-After. */
const DEFAULT_RETRY_SECONDS = 30;

export function deviceUploadHandlers(d: HandlerDependencies): Pick<HandlerMap, 'uploadDeviceData'> {
  return {
    async uploadDeviceData({ body }, ctx) {
      const { userId } = callerOf(ctx);
      const mismatched: FieldError[] = body.records.flatMap((r, i) =>
        dataTypeOfRecord(r) !== body.dataType || r.provider !== body.source
          ? [
              {
                location: 'body' as const,
                path: `/records/${i}`,
                message: `not a ${body.dataType} record from ${body.source}`,
              },
            ]
          : [],
      );
      if (mismatched.length > 0)
        throw new AppError(422, 'record_type_mismatch', {
          params: { dataType: body.dataType, source: body.source },
          errors: mismatched,
        });

      const { connections } = await d.userConfig.get(userId);
      const source =
        connections.find((c) => c.provider === body.source) ??
        (await d.connections.listByUser(userId)).find((c) => c.provider === body.source);
      if (!source) throw new AppError(404, 'connection_not_found', { params: { connectionId: body.source } });
      const destination = await ownedConnection(d, userId, body.destinationConnectionId);

      let result;
      try {
        result = await d.sync.runUpload({
          userId,
          sourceConnectionId: source.connectionId,
          destinationConnectionId: destination.connectionId,
          dataType: body.dataType,
          records: body.records,
        });
      } catch (error) {
        throw uploadError(error, destination, body.dataType);
      }

      const byId = new Map((result.records ?? []).map((r) => [r.recordId, r]));
      const results = body.records.map((r) => {
        const outcome = byId.get(r.recordId);
        return outcome
          ? { ...outcome }
          : { recordId: r.recordId, status: 'skipped' as const, reason: 'already_synced' };
      });
      const written = results.filter((r) => r.status === 'written').length;
      // Every record has a final result (failures answer an error for the whole batch), so the app
      // may move its lastSyncTime to the latest change it sent.
      const watermark = body.records.reduce((max, r) => (r.lastModified > max ? r.lastModified : max), '');
      ctx.logger.info(
        {
          sourceConnectionId: source.connectionId,
          destinationConnectionId: destination.connectionId,
          dataType: body.dataType,
          accepted: body.records.length,
          written,
          providerCalls: result.providerCalls,
        },
        'device upload synced',
      );
      return {
        status: 200,
        body: {
          accepted: body.records.length,
          written,
          skipped: body.records.length - written,
          results,
          ...(watermark ? { watermark: new Date(watermark).toISOString() } : {}),
        },
      };
    },
  };
}

/** The engine's failure, as the phone should see it: retry later (429/503), fix something (409), or give up (502). */
export function uploadError(error: unknown, destination: ConnectionRecord, dataType: string): AppError {
  const { provider, connectionId } = destination;
  const retryAfter = (seconds: number | undefined) => ({
    'Retry-After': String(seconds && seconds > 0 ? seconds : DEFAULT_RETRY_SECONDS),
  });
  if (error instanceof ProviderRateLimitedError)
    return new AppError(429, 'provider_rate_limited', {
      headers: retryAfter(error.retryAfterSeconds),
      cause: error,
    });
  if (
    error instanceof RateLimiterUnavailableError ||
    error instanceof SecureStorageUnavailableError ||
    error instanceof OAuthUnavailableError
  )
    return new AppError(503, 'service_unavailable', { headers: retryAfter(undefined), cause: error });
  const failure = classifyFailure(error);
  if (error instanceof JobError || failure.code.endsWith('_auth_revoked')) {
    if (failure.code === 'connection_not_found')
      return new AppError(404, 'connection_not_found', { params: { connectionId }, cause: error });
    if (failure.code.endsWith('_auth_revoked'))
      return new AppError(409, 'connection_needs_reauth', {
        params: { role: failure.code.startsWith('source') ? 'source' : 'destination' },
        cause: error,
      });
    if (failure.code === 'unsupported_data_type')
      return new AppError(409, 'unsupported_data_type', {
        params: { provider, direction: 'write', dataType },
        cause: error,
      });
    if (failure.code === 'sync_paused') return new AppError(409, 'sync_paused', { cause: error });
    if (failure.code === 'connection_not_active')
      return new AppError(409, 'connection_not_active', {
        params: { connectionId, status: destination.status },
        cause: error,
      });
  }
  if (error instanceof ProviderError) {
    if (error.transient)
      return new AppError(503, 'provider_unavailable', {
        params: { provider, retryAfterSeconds: DEFAULT_RETRY_SECONDS },
        headers: retryAfter(undefined),
        cause: error,
      });
    return new AppError(502, 'provider_rejected', { params: { reason: error.code }, cause: error });
  }
  if (error instanceof AppError) return error;
  throw error;
}
