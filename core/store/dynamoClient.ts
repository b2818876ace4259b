// DynamoDB clients. Repositories take the document store (./documentStore.ts), whose one
// implementation is the lean client; the SDK's Document client remains for the OAuth state
// repository (core/oauth) and for tests that read or change items directly. An endpoint override
// is set only for the local emulator.
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { AwsJsonClient, credentialsFor } from '../aws/awsJsonClient.js';
import { LeanDocumentClient } from '../aws/leanDocumentClient.js';
import { awsClientOptions, type Config } from '../config/config.js';

type DynamoConfig = Pick<
  Config,
  'AWS_REGION' | 'DYNAMODB_ENDPOINT' | 'AWS_ACCESS_KEY_ID' | 'AWS_SECRET_ACCESS_KEY'
>;

/** The document store every repository takes. */
export function createDocumentStore(config: DynamoConfig): LeanDocumentClient {
  return new LeanDocumentClient(
    new AwsJsonClient({
      service: 'dynamodb',
      targetPrefix: 'DynamoDB_20120810',
      region: config.AWS_REGION,
      endpoint: config.DYNAMODB_ENDPOINT,
      credentials: credentialsFor(config),
    }),
  );
}

export function createDocumentClient(config: DynamoConfig) {
  const client = new DynamoDBClient({
    ...awsClientOptions(config),
    ...(config.DYNAMODB_ENDPOINT ? { endpoint: config.DYNAMODB_ENDPOINT } : {}),
  });
  return DynamoDBDocumentClient.from(client, {
    marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: false },
  });
}

export type DocumentClient = ReturnType<typeof createDocumentClient>;

export { isConditionalCheckFailed } from './documentStore.js';
