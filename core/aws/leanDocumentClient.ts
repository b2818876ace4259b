// The document store (core/store/documentStore.ts) over the lean JSON client
// (core/aws/awsJsonClient.ts), with the SDK's own marshaller (util-dynamodb). The AWS SDK v3 spends
// about 0.5 ms of CPU per call (middleware stack, endpoint rules); the API's hot path and the
// worker make several per request or job, so every repository goes through this one client.
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import type {
  BatchGetInput,
  BatchGetOutput,
  BatchWriteRequest,
  DeleteInput,
  DocumentStore,
  GetInput,
  Item,
  PutInput,
  QueryInput,
  QueryOutput,
  ScanInput,
  UpdateInput,
} from '../store/documentStore.js';
import type { AwsJsonClient } from './awsJsonClient.js';

type Wire = Record<string, unknown>;

const toWire = (item: Item): Wire =>
  marshall(item, { removeUndefinedValues: true, convertClassInstanceToMap: false });
const fromWire = (item: Wire): Item => unmarshall(item as Parameters<typeof unmarshall>[0]);

/** Marshals the fields of an input that carry items or attribute values. */
function inputToWire(input: object): Wire {
  const out: Wire = { ...input };
  for (const field of ['Key', 'Item', 'ExpressionAttributeValues', 'ExclusiveStartKey'] as const) {
    const value = (input as Wire)[field];
    if (value) out[field] = toWire(value as Item);
  }
  return out;
}

const attributesOf = (out: { Attributes?: Wire }) =>
  out.Attributes ? { Attributes: fromWire(out.Attributes) } : {};

export class LeanDocumentClient implements DocumentStore {
  constructor(private readonly client: AwsJsonClient) {}

  async get(input: GetInput): Promise<{ Item?: Item }> {
    const out = await this.client.call<{ Item?: Wire }>('GetItem', inputToWire(input));
    return out.Item ? { Item: fromWire(out.Item) } : {};
  }

  async put(input: PutInput): Promise<{ Attributes?: Item }> {
    return attributesOf(await this.client.call('PutItem', inputToWire(input)));
  }

  async update(input: UpdateInput): Promise<{ Attributes?: Item }> {
    return attributesOf(await this.client.call('UpdateItem', inputToWire(input)));
  }

  async delete(input: DeleteInput): Promise<{ Attributes?: Item }> {
    return attributesOf(await this.client.call('DeleteItem', inputToWire(input)));
  }

  async query(input: QueryInput): Promise<QueryOutput> {
    const out = await this.client.call<{ Items?: Wire[]; LastEvaluatedKey?: Wire }>(
      'Query',
      inputToWire(input),
    );
    return {
      Items: (out.Items ?? []).map(fromWire),
      ...(out.LastEvaluatedKey ? { LastEvaluatedKey: fromWire(out.LastEvaluatedKey) } : {}),
    };
  }

  async scan(input: ScanInput): Promise<QueryOutput> {
    const out = await this.client.call<{ Items?: Wire[]; LastEvaluatedKey?: Wire }>(
      'Scan',
      inputToWire(input),
    );
    return {
      Items: (out.Items ?? []).map(fromWire),
      ...(out.LastEvaluatedKey ? { LastEvaluatedKey: fromWire(out.LastEvaluatedKey) } : {}),
    };
  }

  async batchGet(input: BatchGetInput): Promise<BatchGetOutput> {
    const { TableName, Keys, ConsistentRead } = input;
    const out = await this.client.call<{
      Responses?: Record<string, Wire[]>;
      UnprocessedKeys?: Record<string, { Keys?: Wire[] }>;
    }>('BatchGetItem', {
      RequestItems: {
        [TableName]: { Keys: Keys.map(toWire), ...(ConsistentRead ? { ConsistentRead } : {}) },
      },
    });
    return {
      Items: (out.Responses?.[TableName] ?? []).map(fromWire),
      UnprocessedKeys: (out.UnprocessedKeys?.[TableName]?.Keys ?? []).map(fromWire),
    };
  }

  async batchWrite(tableName: string, requests: readonly BatchWriteRequest[]): Promise<BatchWriteRequest[]> {
    const wire = requests.map((r) =>
      'PutRequest' in r
        ? { PutRequest: { Item: toWire(r.PutRequest.Item) } }
        : { DeleteRequest: { Key: toWire(r.DeleteRequest.Key) } },
    );
    const out = await this.client.call<{
      UnprocessedItems?: Record<
        string,
        Array<{ PutRequest?: { Item: Wire }; DeleteRequest?: { Key: Wire } }>
      >;
    }>('BatchWriteItem', { RequestItems: { [tableName]: wire } });
    return (out.UnprocessedItems?.[tableName] ?? []).map((u) =>
      u.PutRequest
        ? { PutRequest: { Item: fromWire(u.PutRequest.Item) } }
        : { DeleteRequest: { Key: fromWire(u.DeleteRequest?.Key ?? {}) } },
    );
  }

  destroy(): void {
    this.client.destroy();
  }
}
