// Building and reading a channel's messages: the producer side adds the schema version and
// validates against the contract before anything is sent; the consumer side parses JSON and
// validates on receipt. The pacts call these same functions, so they verify what runs.
import { queueChannels, type ChannelMessage, type QueueChannel } from '../../generated/channels.gen.js';
import { assertMessage, MessageValidationError } from './messageSchemas.js';

/** The payload a producer writes: everything but the schema version, which the runtime owns. */
export type MessageInput<C extends QueueChannel> =
  ChannelMessage<C> extends infer M ? (M extends unknown ? Omit<M, 'schemaVersion'> : never) : never;

/** The version every message is written with now (contracts/asyncapi.yaml, "Conventions"). */
export const SCHEMA_VERSION = 1;

function validateFor<C extends QueueChannel>(channel: C, value: unknown): ChannelMessage<C> {
  const names = queueChannels[channel].messages;
  let first: MessageValidationError | undefined;
  for (const name of names) {
    try {
      return assertMessage(name, value) as ChannelMessage<C>;
    } catch (error) {
      if (!(error instanceof MessageValidationError)) throw error;
      first ??= error;
    }
  }
  throw first!;
}

/** The message as it goes on the queue; throws MessageValidationError when it is off the contract. */
export function buildMessage<C extends QueueChannel>(channel: C, input: MessageInput<C>): ChannelMessage<C> {
  return validateFor(channel, { schemaVersion: SCHEMA_VERSION, ...input });
}

/** A received body that is not JSON. */
export class MessageNotJsonError extends Error {
  override readonly name = 'MessageNotJsonError';
  constructor() {
    super('the message body is not JSON');
  }
}

/** A received body as its channel's message; throws MessageNotJsonError or MessageValidationError. */
export function parseMessage<C extends QueueChannel>(channel: C, body: string): ChannelMessage<C> {
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch {
    throw new MessageNotJsonError();
  }
  return validateFor(channel, value);
}
