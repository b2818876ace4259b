// The API hot path's DynamoDB calls (PutItem, BatchWriteItem) over the lean JSON client, with the
// Document client's marshalling (the SDK's own util-dynamodb), so callers pass plain objects.
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { AwsJsonClient, credentialsFor } from '../aws/awsJsonClient.js';
import type { Config } from '../config/config.js';

type Item = Record<string, unknown>;
type AttributeMap = Record<string, unknown>;

const toWire = (item: Item) =>
  marshall(item, { removeUndefinedValues: true, convertClassInstanceToMap: false });
const fromWire = (item: AttributeMap) => unmarshall(item as Parameters<typeof unmarshall>[0]);

export interface PutItemInput {
  TableName: string;
  Item: Item;
  ConditionExpression?: string;
  ExpressionAttributeNames?: Record<string, string>;
  ExpressionAttributeValues?: Item;
  ReturnValues?: 'NONE' | 'ALL_OLD';
}

export type BatchWriteRequest = { PutRequest: { Item: Item } } | { DeleteRequest: { Key: Item } };

export class DynamoJson {
  constructor(private readonly client: AwsJsonClient) {}

  async putItem(input: PutItemInput): Promise<{ Attributes?: Item }> {
    const out = await this.client.call<{ Attributes?: AttributeMap }>('PutItem', {
      ...input,
      Item: toWire(input.Item),
      ...(input.ExpressionAttributeValues
        ? { ExpressionAttributeValues: toWire(input.ExpressionAttributeValues) }
        : {}),
    });
    return out.Attributes ? { Attributes: fromWire(out.Attributes) } : {};
  }

  /** One BatchWriteItem call (≤ 25 requests); returns the requests DynamoDB left unprocessed. */
  async batchWriteItem(tableName: string, requests: BatchWriteRequest[]): Promise<BatchWriteRequest[]> {
    const wire = requests.map((r) =>
      'PutRequest' in r
        ? { PutRequest: { Item: toWire(r.PutRequest.Item) } }
        : { DeleteRequest: { Key: toWire(r.DeleteRequest.Key) } },
    );
    const out = await this.client.call<{
      UnprocessedItems?: Record<string, Array<Record<string, { Item?: AttributeMap; Key?: AttributeMap }>>>;
    }>('BatchWriteItem', { RequestItems: { [tableName]: wire } });
    return (out.UnprocessedItems?.[tableName] ?? []).map((u) =>
      u.PutRequest?.Item
        ? { PutRequest: { Item: fromWire(u.PutRequest.Item) } }
        : { DeleteRequest: { Key: fromWire(u.DeleteRequest?.Key ?? {}) } },
    );
  }

  destroy(): void {
    this.client.destroy();
  }
}

export function createDynamoJson(
  config: Pick<Config, 'AWS_REGION' | 'DYNAMODB_ENDPOINT' | 'AWS_ACCESS_KEY_ID' | 'AWS_SECRET_ACCESS_KEY'>,
): DynamoJson {
  return new DynamoJson(
    new AwsJsonClient({
      service: 'dynamodb',
      targetPrefix: 'DynamoDB_20120810',
      region: config.AWS_REGION,
      endpoint: config.DYNAMODB_ENDPOINT,
      credentials: credentialsFor(config),
    }),
  );
}
