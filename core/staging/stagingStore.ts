// Staging for cloud → device writes (seed §3 Model 3): the only place health data rests, and only
// until the phone confirms or 24 hours pass. Each job's records are sealed with their own random
// AES-256-GCM key, kept beside the job's device request in DynamoDB, never in S3: deleting the
// request shreds the data even if the object outlives it (the bucket's lifecycle deletes it after a
// day). In AWS the bucket also encrypts at rest (SSE); locally fauxqs's S3 stands in.
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { S3Client } from '@aws-sdk/client-s3';
import { DeleteObjectCommand, GetObjectCommand, NoSuchKey, PutObjectCommand } from '@aws-sdk/client-s3';
import { createS3Client, type S3Config } from '../aws/s3Client.js';

const IV_BYTES = 12;
const TAG_BYTES = 16;

export interface StagingStore {
  /** Seals `payload` with a new key and stores it; returns the key (base64) to keep with the job. */
  put(userId: string, jobId: string, payload: unknown): Promise<string>;
  /** The payload, or undefined when it is gone (confirmed, expired, never staged). */
  get(userId: string, jobId: string, key: string): Promise<unknown>;
  delete(userId: string, jobId: string): Promise<void>;
  close(): void;
}

/** Where a user's staged objects live (account deletion empties it). */
export const stagingPrefix = (userId: string) => `device-writes/${userId}/`;
const objectKey = (userId: string, jobId: string) => `${stagingPrefix(userId)}${jobId}`;
const aad = (userId: string, jobId: string) => Buffer.from(`syncwell-staging\0${userId}\0${jobId}`);

export class S3StagingStore implements StagingStore {
  private readonly s3: S3Client;

  constructor(
    config: S3Config,
    private readonly bucket: string,
  ) {
    this.s3 = createS3Client(config);
  }

  async put(userId: string, jobId: string, payload: unknown): Promise<string> {
    const key = randomBytes(32);
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', key, iv);
    cipher.setAAD(aad(userId, jobId));
    const sealed = Buffer.concat([
      iv,
      cipher.update(JSON.stringify(payload), 'utf8'),
      cipher.final(),
      cipher.getAuthTag(),
    ]);
    await this.s3.send(
      new PutObjectCommand({
        Bucket: this.bucket,
        Key: objectKey(userId, jobId),
        Body: sealed,
        ContentType: 'application/octet-stream',
        ServerSideEncryption: 'AES256',
      }),
    );
    return key.toString('base64');
  }

  async get(userId: string, jobId: string, key: string): Promise<unknown> {
    let body: Uint8Array;
    try {
      const out = await this.s3.send(
        new GetObjectCommand({ Bucket: this.bucket, Key: objectKey(userId, jobId) }),
      );
      body = await out.Body!.transformToByteArray();
    } catch (error) {
      if (error instanceof NoSuchKey || (error as { name?: string }).name === 'NoSuchKey') return undefined;
      throw error;
    }
    const sealed = Buffer.from(body);
    const decipher = createDecipheriv(
      'aes-256-gcm',
      Buffer.from(key, 'base64'),
      sealed.subarray(0, IV_BYTES),
    );
    decipher.setAAD(aad(userId, jobId));
    decipher.setAuthTag(sealed.subarray(sealed.length - TAG_BYTES));
    const plain = Buffer.concat([
      decipher.update(sealed.subarray(IV_BYTES, sealed.length - TAG_BYTES)),
      decipher.final(),
    ]);
    return JSON.parse(plain.toString('utf8')) as unknown;
  }

  async delete(userId: string, jobId: string): Promise<void> {
    await this.s3.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: objectKey(userId, jobId) }));
  }

  close(): void {
    this.s3.destroy();
  }
}
