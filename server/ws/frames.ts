// The frames of the AsyncAPI channel `syncSocket`, both ways. Frames from the app are routed on
// `action` and validated against their message schema before any handler sees them; frames to the
// app are validated before they are written, so the socket never carries anything off the contract.
import { MAX_JSON_DEPTH, nestsDeeperThan } from '../http/jsonDepth.js';
import type { RawData } from 'ws';
import type { MessageMap, MessageName } from '../../generated/channels.gen.js';
import type {
  ErrorFrame,
  JobStatusFrame,
  SubscribeJobFrame,
  SyncRequestFrame,
  SyncResultFrame,
  UnsubscribeJobFrame,
} from '../../generated/messages.gen.js';
import { assertMessage, MessageValidationError } from '../../core/messaging/messageSchemas.js';
import { CLOSE, type CloseCode } from './closeCodes.js';

export type ClientFrame = SyncRequestFrame | SubscribeJobFrame | UnsubscribeJobFrame;
export type ServerFrame = SyncResultFrame | JobStatusFrame | ErrorFrame;
export type ClientAction = ClientFrame['action'];

/** The message whose payload pins `field` to `value`. */
type MessageWith<Field extends string, Value> = {
  [N in MessageName]: MessageMap[N] extends Record<Field, Value> ? N : never;
}[MessageName];

/** action → message name; a missing or mismatched entry does not compile. */
export const CLIENT_FRAMES: { readonly [A in ClientAction]: MessageWith<'action', A> } = {
  sync: 'SyncRequestFrame',
  subscribe_job: 'SubscribeJobFrame',
  unsubscribe_job: 'UnsubscribeJobFrame',
};

/** type → message name, for frames the server writes. */
export const SERVER_FRAMES: { readonly [T in ServerFrame['type']]: MessageWith<'type', T> } = {
  sync_result: 'SyncResultFrame',
  job_status: 'JobStatusFrame',
  error: 'ErrorFrame',
};

export type ParsedFrame =
  { ok: true; frame: ClientFrame } | { ok: false; close: CloseCode; requestId?: string; reason: string };

const isClientAction = (value: unknown): value is ClientAction =>
  typeof value === 'string' && Object.hasOwn(CLIENT_FRAMES, value);

/** Parses and validates one frame from the app; `close` says how the socket must end otherwise. */
export function parseClientFrame(data: RawData, isBinary: boolean): ParsedFrame {
  if (isBinary) return { ok: false, close: CLOSE.frameNotJson, reason: 'binary frame' };
  const bytes = Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data as ArrayBuffer);
  // As for HTTP bodies (../http/jsonDepth.ts): nothing recursive sees a frame nested too deep.
  if (nestsDeeperThan(bytes, MAX_JSON_DEPTH))
    return { ok: false, close: CLOSE.invalidFrame, reason: `nested deeper than ${MAX_JSON_DEPTH} levels` };
  let value: unknown;
  try {
    value = JSON.parse(bytes.toString('utf8'));
  } catch {
    return { ok: false, close: CLOSE.frameNotJson, reason: 'not JSON' };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    return { ok: false, close: CLOSE.frameNotJson, reason: 'not a JSON object' };
  const { action } = value as { action?: unknown };
  if (!isClientAction(action)) return { ok: false, close: CLOSE.unknownAction, reason: 'unknown action' };
  try {
    return { ok: true, frame: assertMessage(CLIENT_FRAMES[action], value) };
  } catch (error) {
    if (!(error instanceof MessageValidationError)) throw error;
    return { ok: false, close: CLOSE.invalidFrame, reason: error.message };
  }
}

/** The frame as text, once it matches its message schema (MessageValidationError otherwise: a bug). */
export function encodeServerFrame(frame: ServerFrame): string {
  return JSON.stringify(assertMessage(SERVER_FRAMES[frame.type], frame));
}
