// A depth limit for request bodies. JSON.parse takes any nesting, but what runs after it does not:
// the validator, the idempotency fingerprint and the handlers walk bodies recursively, and 20,000
// nested arrays overflowed the stack (a 500 found by the contract fuzzer). No operation's body nests
// deeper than a few levels, so the raw bytes are checked before parsing, in one pass.
import { AppError } from '../../core/errors/AppError.js';

export const MAX_JSON_DEPTH = 32;

const OPEN_OBJECT = 0x7b; // {
const OPEN_ARRAY = 0x5b; // [
const CLOSE_OBJECT = 0x7d; // }
const CLOSE_ARRAY = 0x5d; // ]
const QUOTE = 0x22; // "
const BACKSLASH = 0x5c; // \

/** True when `json` opens more than `max` objects or arrays inside each other (strings skipped). */
export function nestsDeeperThan(json: Uint8Array, max: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < json.length; i += 1) {
    const byte = json[i];
    if (inString) {
      if (byte === BACKSLASH) i += 1;
      else if (byte === QUOTE) inString = false;
    } else if (byte === QUOTE) inString = true;
    else if (byte === OPEN_OBJECT || byte === OPEN_ARRAY) {
      depth += 1;
      if (depth > max) return true;
    } else if (byte === CLOSE_OBJECT || byte === CLOSE_ARRAY) depth -= 1;
  }
  return false;
}

/** Throws 400 validation_failed for a body nested deeper than MAX_JSON_DEPTH. */
export function assertJsonDepth(json: Uint8Array): void {
  if (nestsDeeperThan(json, MAX_JSON_DEPTH))
    throw new AppError(400, 'validation_failed', {
      errors: [{ location: 'body', path: '', message: `nested deeper than ${MAX_JSON_DEPTH} levels` }],
    });
}
