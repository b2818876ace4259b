// The frames of the sync socket as the client writes and reads them. Frames to the server are built
// from the AsyncAPI messages' generated types; frames from the server are read leniently: the fields
// the client acts on are checked, anything else (a frame type a newer server added, a malformed
// frame) is reported as ignored, never thrown.
import { ApiError, type Problem } from './errors.js';
import type {
  ErrorFrame,
  JobStatusFrame,
  SubscribeJobFrame,
  SyncRequestFrame,
  SyncResultFrame,
  UnsubscribeJobFrame,
} from './generated/messages.gen.js';
import type { SyncRequest } from './socketTypes.js';

export const SOCKET_PATH = '/v1/ws';
/** The subprotocol the server speaks; the token travels as a second one, `bearer.<token>`. */
export const SOCKET_SUBPROTOCOL = 'syncwell.v1';

export type ServerFrame = SyncResultFrame | JobStatusFrame | ErrorFrame;
export type ClientFrame = SyncRequestFrame | SubscribeJobFrame | UnsubscribeJobFrame;

/** `https://api.example/base` → `wss://api.example/base/v1/ws`. */
export function socketUrl(baseUrl: string): string {
  const url = new URL(baseUrl.replace(/\/+$/, '') + SOCKET_PATH);
  url.protocol = url.protocol === 'https:' ? 'wss:' : url.protocol === 'http:' ? 'ws:' : url.protocol;
  return url.toString();
}

/**
 * The token goes in the subprotocol list, not a header: the browser API (and so React Native's
 * common typings) cannot set headers, and the server accepts `bearer.<token>` wherever headers
 * cannot be set. Not the query string, which ends up in access logs.
 */
export const socketProtocols = (token: string): string[] => [SOCKET_SUBPROTOCOL, `bearer.${token}`];

export const syncRequestFrame = (requestId: string, request: SyncRequest): SyncRequestFrame => ({
  schemaVersion: 1,
  action: 'sync',
  requestId,
  sourceConnectionId: request.sourceConnectionId,
  destinationConnectionId: request.destinationConnectionId,
  dataType: request.dataType,
});

export const subscribeJobFrame = (jobId: string, requestId: string): SubscribeJobFrame => ({
  schemaVersion: 1,
  action: 'subscribe_job',
  requestId,
  jobId,
});

export const unsubscribeJobFrame = (jobId: string): UnsubscribeJobFrame => ({
  schemaVersion: 1,
  action: 'unsubscribe_job',
  jobId,
});

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const optionalString = (value: unknown) => value === undefined || typeof value === 'string';

/** A server frame, or why it is ignored. */
export function readServerFrame(data: unknown): { frame: ServerFrame } | { ignored: string } {
  if (typeof data !== 'string') return { ignored: 'not a text frame' };
  let value: unknown;
  try {
    value = JSON.parse(data);
  } catch {
    return { ignored: 'not JSON' };
  }
  if (!isObject(value)) return { ignored: 'not a JSON object' };
  switch (value.type) {
    case 'sync_result':
      return typeof value.requestId === 'string' && typeof value.jobId === 'string'
        ? { frame: value as unknown as SyncResultFrame }
        : { ignored: 'sync_result without requestId or jobId' };
    case 'job_status':
      return typeof value.jobId === 'string' &&
        typeof value.status === 'string' &&
        optionalString(value.requestId)
        ? { frame: value as unknown as JobStatusFrame }
        : { ignored: 'job_status without jobId or status' };
    case 'error':
      return isObject(value.problem) &&
        typeof value.problem.code === 'string' &&
        optionalString(value.requestId) &&
        optionalString(value.jobId)
        ? { frame: value as unknown as ErrorFrame }
        : { ignored: 'error without a problem code' };
    default:
      return { ignored: `unknown frame type ${JSON.stringify(value.type)}` };
  }
}

export const isFinalStatus = (status: string): boolean => status === 'SUCCEEDED' || status === 'FAILED';

/** The ErrorFrame's problem as the SDK's ApiError (same stable codes as the HTTP API), naming the frame. */
export function problemError(frame: ErrorFrame, sent: ClientFrame): ApiError {
  return new ApiError(frame.problem as unknown as Problem, {
    method: 'WS',
    path: SOCKET_PATH,
    body: JSON.stringify(sent),
    idempotencyKey: 'requestId' in sent ? sent.requestId : undefined,
  });
}
