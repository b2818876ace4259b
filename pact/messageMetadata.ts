// Every message interaction names the AsyncAPI message (and channel) it verifies, in its metadata,
// on both sides: the consumer's expectation carries it, the provider's message carries the same
// (so verification fails if they disagree), and pact/provider/messageCoverage.verify.ts checks the
// names against contracts/asyncapi.yaml.

export const ASYNCAPI_MESSAGE = 'asyncApiMessage';
export const ASYNCAPI_CHANNEL = 'asyncApiChannel';

/** The metadata of an interaction verifying `message` as it travels on `channel` (AsyncAPI ids). */
export function asyncApi(message: string, channel: string): Record<string, string> {
  return { [ASYNCAPI_MESSAGE]: message, [ASYNCAPI_CHANNEL]: channel };
}
