// The Document client's `send(command)` for the handful of commands the worker's per-job path
// uses, over the lean JSON client (core/aws/awsJsonClient.ts) with the SDK's own marshaller. The
// AWS SDK v3 spends about 0.5 ms of CPU per call here; the worker makes several per job. Commands
// are the SDK's own (GetCommand, UpdateCommand, ...): repositories do not know which client runs
// them, so tests and the API keep using the SDK.
import {
  BatchGetCommand,
  BatchWriteCommand,
  DeleteCommand,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import type { AwsJsonClient } from './awsJsonClient.js';

type Item = Record<string, unknown>;
type Wire = Record<string, unknown>;

const toWire = (item: Item) =>
  marshall(item, { removeUndefinedValues: true, convertClassInstanceToMap: false });
const fromWire = (item: Wire) => unmarshall(item as Parameters<typeof unmarshall>[0]);
const mapValues = <T, R>(o: Record<string, T>, f: (v: T) => R) =>
  Object.fromEntries(Object.entries(o).map(([k, v]) => [k, f(v)])) as Record<string, R>;

/** Marshals the fields of a Document-client input that carry items or attribute values. */
function inputToWire(input: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...input };
  for (const field of ['Key', 'Item', 'ExpressionAttributeValues', 'ExclusiveStartKey'] as const)
    if (input[field]) out[field] = toWire(input[field] as Item);
  if (input.RequestItems)
    out.RequestItems = mapValues(input.RequestItems as Record<string, unknown>, (v) => {
      if (Array.isArray(v))
        return v.map((r: { PutRequest?: { Item: Item }; DeleteRequest?: { Key: Item } }) =>
          r.PutRequest
            ? { PutRequest: { Item: toWire(r.PutRequest.Item) } }
            : { DeleteRequest: { Key: toWire(r.DeleteRequest!.Key) } },
        );
      const keys = v as { Keys: Item[] } & Record<string, unknown>;
      return { ...keys, Keys: keys.Keys.map(toWire) };
    });
  return out;
}

function outputFromWire(output: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...output };
  for (const field of ['Item', 'Attributes', 'LastEvaluatedKey'] as const)
    if (output[field]) out[field] = fromWire(output[field] as Wire);
  if (Array.isArray(output.Items)) out.Items = (output.Items as Wire[]).map(fromWire);
  if (output.Responses)
    out.Responses = mapValues(output.Responses as Record<string, Wire[]>, (items) => items.map(fromWire));
  if (output.UnprocessedKeys)
    out.UnprocessedKeys = mapValues(output.UnprocessedKeys as Record<string, { Keys: Wire[] }>, (v) => ({
      ...v,
      Keys: v.Keys.map(fromWire),
    }));
  return out;
}

const OPERATIONS = new Map<unknown, string>([
  [GetCommand, 'GetItem'],
  [PutCommand, 'PutItem'],
  [UpdateCommand, 'UpdateItem'],
  [DeleteCommand, 'DeleteItem'],
  [QueryCommand, 'Query'],
  [BatchGetCommand, 'BatchGetItem'],
  [BatchWriteCommand, 'BatchWriteItem'],
]);

export class LeanDocumentClient {
  constructor(private readonly client: AwsJsonClient) {}

  async send(command: { input: object; constructor: unknown }): Promise<Record<string, unknown>> {
    const operation = OPERATIONS.get(command.constructor);
    if (!operation)
      throw new TypeError(
        `LeanDocumentClient does not run ${String((command.constructor as { name?: string }).name)}`,
      );
    const output = await this.client.call<Record<string, unknown>>(
      operation,
      inputToWire(command.input as Record<string, unknown>),
    );
    return outputFromWire(output);
  }

  destroy(): void {
    this.client.destroy();
  }
}
