// Validators for AsyncAPI messages, compiled from the JSON Schemas that `make generate` writes to
// generated/schemas/ (one per message). Producers validate before sending, consumers on receipt.
import { readFileSync } from 'node:fs';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import addFormatsPlugin from 'ajv-formats';
import type { MessageMap, MessageName } from '../../generated/channels.gen.js';

const addFormats = addFormatsPlugin as unknown as (ajv: Ajv) => Ajv;
const SCHEMA_DIR = new URL('../../generated/schemas/', import.meta.url);

const ajv = addFormats(new Ajv({ allErrors: true, strict: false }));
const compiled = new Map<string, ValidateFunction>();

export class MessageValidationError extends Error {
  override readonly name = 'MessageValidationError';
  constructor(
    readonly messageName: string,
    readonly errors: ErrorObject[],
  ) {
    super(`${messageName} does not match its AsyncAPI schema: ${ajv.errorsText(errors)}`);
  }
}

function validatorFor(messageName: string): ValidateFunction {
  let validate = compiled.get(messageName);
  if (!validate) {
    const schema = JSON.parse(
      readFileSync(new URL(`${messageName}.schema.json`, SCHEMA_DIR), 'utf8'),
    ) as object;
    validate = ajv.compile(schema);
    compiled.set(messageName, validate);
  }
  return validate;
}

/** Returns `value` typed as the named message when it matches the contract; throws MessageValidationError otherwise. */
export function assertMessage<N extends MessageName>(messageName: N, value: unknown): MessageMap[N] {
  const validate = validatorFor(messageName);
  if (!validate(value)) throw new MessageValidationError(messageName, validate.errors ?? []);
  return value as MessageMap[N];
}
