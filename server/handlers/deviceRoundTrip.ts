// Cloud → device (seed §3 Model 3) as the phone drives it: its pending requests, its answer to a
// read request, the staged records and the confirmation of what it wrote. The logic is
// core/sync/cloudToDevice.ts; here, ownership (everything is looked up under the caller's own
// partition, so another user's job is simply not found) and errors.
import { AppError, type FieldError } from '../../core/errors/AppError.js';
import { dataTypeOfRecord } from '../../core/domain/recordDataType.js';
import { DeviceRequestGoneError } from '../../core/sync/cloudToDevice.js';
import type { DeviceRequestRecord } from '../../core/store/deviceRequestRepository.js';
import type { components } from '../../generated/openapi.gen.js';
import type { HealthStoreUnavailableReason } from '../../core/domain/types.js';
import { reportHealthStoreUnavailable } from '../../core/sync/healthStoreOutage.js';
import type { HandlerMap, RequestContext } from '../http/operationTypes.js';
import { ownedConnection } from './connections.js';
import { callerOf, type HandlerDependencies } from './dependencies.js';
import { healthStoreOutageDeps } from './devices.js';
import { uploadError } from './deviceUpload.js';

type RoundTripOps =
  'listDeviceRequests' | 'submitDeviceReadResponse' | 'getStagedData' | 'confirmDeviceWrite';

const gone = () => new AppError(404, 'not_found', { params: { resource: 'pending device request' } });

export function deviceRequestView(r: DeviceRequestRecord): components['schemas']['PendingDeviceRequest'] {
  return {
    kind: r.kind,
    jobId: r.jobId,
    ...(r.kind === 'read' ? { requestId: r.requestId } : { recordCount: r.recordCount ?? 0 }),
    dataType: r.dataType,
    window: { start: r.windowStart, end: r.windowEnd },
    expiresAt: r.expiresAt,
  };
}

/** Maps the round trip's "nothing pending" to 404; everything else as device uploads do. */
async function guarded<T>(
  d: HandlerDependencies,
  userId: string,
  request: Pick<DeviceRequestRecord, 'destinationConnectionId' | 'dataType'> | undefined,
  run: () => Promise<T>,
) {
  try {
    return await run();
  } catch (error) {
    if (error instanceof DeviceRequestGoneError) throw gone();
    if (error instanceof AppError) throw error;
    const destination = request
      ? await ownedConnection(d, userId, request.destinationConnectionId).catch(() => undefined)
      : undefined;
    if (!destination || !request) throw error;
    throw uploadError(error, destination, request.dataType);
  }
}

/**
 * A read answer saying the store could not be read: as reportHealthStoreUnavailable (the connection
 * needs reconnecting, every request to the store fails), and this job's answer is FAILED. An answer
 * that also carries records is contradictory and refused before anything changes.
 */
async function storeUnavailable(
  d: HandlerDependencies,
  ctx: RequestContext,
  request: DeviceRequestRecord,
  reason: HealthStoreUnavailableReason,
): Promise<{ status: 200; body: components['schemas']['DeviceReadResponseResult'] }> {
  const { jobId, userId } = request;
  const destination = await d.connections.get(userId, request.destinationConnectionId);
  if (!destination) throw gone();
  const { failedJobIds } = await reportHealthStoreUnavailable(healthStoreOutageDeps(d), destination, reason);
  // Expired or answered meanwhile: this answer no longer counts.
  if (!failedJobIds.includes(jobId)) throw gone();
  ctx.logger.info(
    { jobId, reason, connectionId: destination.connectionId, failedJobs: failedJobIds.length },
    'device read answered: store unavailable',
  );
  return { status: 200, body: { jobId, status: 'FAILED', recordCount: 0 } };
}

export function deviceRoundTripHandlers(d: HandlerDependencies): Pick<HandlerMap, RoundTripOps> {
  return {
    async listDeviceRequests(_req, ctx) {
      const pending = await d.cloudToDevice.pending(callerOf(ctx).userId);
      return { status: 200, body: { requests: pending.map(deviceRequestView) } };
    },

    async submitDeviceReadResponse({ body }, ctx) {
      const { userId } = callerOf(ctx);
      const request = await d.deviceRequests.get(userId, body.jobId);
      if (!request || request.kind !== 'read' || request.requestId !== body.requestId) throw gone();
      if (body.storeUnavailable) {
        if (body.records.length > 0 || body.coveredUntil !== undefined)
          throw new AppError(400, 'validation_failed', {
            errors: [
              {
                location: 'body',
                path: '/storeUnavailable',
                message:
                  'an answer from a store that could not be read carries no records and no coveredUntil',
              },
            ],
          });
        return storeUnavailable(d, ctx, request, body.storeUnavailable);
      }
      const mismatched: FieldError[] = body.records.flatMap((r, i) =>
        dataTypeOfRecord(r) !== request.dataType
          ? [
              {
                location: 'body' as const,
                path: `/records/${i}`,
                message: `not a ${request.dataType} record`,
              },
            ]
          : [],
      );
      if (mismatched.length > 0)
        throw new AppError(422, 'record_type_mismatch', {
          params: { dataType: request.dataType, source: 'the device' },
          errors: mismatched,
        });
      const coveredUntil = body.coveredUntil === undefined ? undefined : new Date(body.coveredUntil);
      if (
        coveredUntil &&
        !(coveredUntil > new Date(request.windowStart) && coveredUntil <= new Date(request.windowEnd))
      )
        throw new AppError(400, 'validation_failed', {
          errors: [
            {
              location: 'body',
              path: '/coveredUntil',
              message: `must lie inside the requested range (after ${request.windowStart}, not after ${request.windowEnd})`,
            },
          ],
        });
      const answered = await guarded(d, userId, request, () =>
        d.cloudToDevice.answer(userId, body.jobId, body.requestId, body.records, coveredUntil),
      );
      ctx.logger.info(
        {
          jobId: body.jobId,
          deviceRecords: body.records.length,
          narrowed: coveredUntil !== undefined,
          ...answered,
        },
        'device read answered',
      );
      return { status: 200, body: { jobId: body.jobId, ...answered } };
    },

    async getStagedData({ params }, ctx) {
      const { userId } = callerOf(ctx);
      const staged = await guarded(d, userId, undefined, () => d.cloudToDevice.staged(userId, params.jobId));
      return { status: 200, body: { jobId: params.jobId, ...staged } };
    },

    async confirmDeviceWrite({ params, body }, ctx) {
      const { userId } = callerOf(ctx);
      const confirmed = await guarded(d, userId, undefined, () =>
        d.cloudToDevice.confirm(userId, params.jobId, {
          written: body.writtenRecordIds,
          failed: body.failedRecordIds ?? [],
          alreadyPresent: body.alreadyPresentRecordIds ?? [],
          deviceRecordIds: body.deviceRecordIds ?? {},
        }),
      );
      ctx.logger.info({ jobId: params.jobId, written: confirmed.written }, 'device write confirmed');
      return { status: 200, body: { jobId: params.jobId, status: 'CONFIRMED' } };
    },
  };
}
