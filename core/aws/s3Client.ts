// The one S3 client setup (staging, exports, account deletion): the local stack's S3 (fauxqs) needs
// an endpoint and path-style addressing; in AWS neither is set.
import { S3Client } from '@aws-sdk/client-s3';
import { awsClientOptions, type Config } from '../config/config.js';

export type S3Config = Pick<
  Config,
  'AWS_REGION' | 'S3_ENDPOINT' | 'AWS_ACCESS_KEY_ID' | 'AWS_SECRET_ACCESS_KEY'
>;

export function createS3Client(config: S3Config): S3Client {
  return new S3Client({
    ...awsClientOptions(config),
    ...(config.S3_ENDPOINT ? { endpoint: config.S3_ENDPOINT, forcePathStyle: true } : {}),
  });
}
