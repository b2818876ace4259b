// The export bucket (EXPORT_BUCKET): the user's own export is the one place, with cloud → device
// staging, where health data rests. Everything of a user lives under `{userId}/` (account deletion
// removes that prefix): while an export is built, its parts (one NDJSON object per stream and
// window, the checkpoints that let a deferred or crashed build resume) under
// `{userId}/{jobId}/parts/`, then the archive `{userId}/{jobId}.zip`. Bodies are streamed
// (multipart uploads with a bounded queue), never held whole; every object is encrypted at rest
// (SSE-S3, like staging). Downloads go through presigned GET URLs.
import type { Readable } from 'node:stream';
import type { S3Client } from '@aws-sdk/client-s3';
import { DeleteObjectsCommand, GetObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { createS3Client, type S3Config } from '../aws/s3Client.js';

/** S3's smallest multipart part: also what one upload buffers per part in flight. */
const PART_BYTES = 5 * 1024 * 1024;
/** Parts uploaded at once: the upload's memory is at most this many parts. */
const QUEUE_SIZE = 2;

export const archiveKeyOf = (userId: string, jobId: string) => `${userId}/${jobId}.zip`;
const partsPrefix = (userId: string, jobId: string) => `${userId}/${jobId}/parts/`;
const partKey = (userId: string, jobId: string, part: string) =>
  `${partsPrefix(userId, jobId)}${part}.ndjson`;

export interface ExportArchiveStore {
  /** Streams one part (NDJSON records) to the bucket; replaces an earlier copy. */
  putPart(userId: string, jobId: string, part: string, body: Readable, signal?: AbortSignal): Promise<void>;
  /** A part's bytes as a stream. */
  readPart(userId: string, jobId: string, part: string, signal?: AbortSignal): Promise<Readable>;
  /** Streams the archive to the bucket; resolves with its key. */
  putArchive(userId: string, jobId: string, body: Readable, signal?: AbortSignal): Promise<string>;
  /** A presigned GET of the archive, valid `expiresInSeconds`, downloaded as `fileName`. */
  downloadUrl(userId: string, jobId: string, expiresInSeconds: number, fileName: string): Promise<string>;
  deleteParts(userId: string, jobId: string): Promise<void>;
  /** The archive and any parts left. */
  deleteExport(userId: string, jobId: string): Promise<void>;
  close(): void;
}

export class S3ExportArchiveStore implements ExportArchiveStore {
  private readonly s3: S3Client;

  constructor(
    config: S3Config,
    private readonly bucket: string,
  ) {
    this.s3 = createS3Client(config);
  }

  async putPart(
    userId: string,
    jobId: string,
    part: string,
    body: Readable,
    signal?: AbortSignal,
  ): Promise<void> {
    await this.upload(partKey(userId, jobId, part), body, 'application/x-ndjson', signal);
  }

  async readPart(userId: string, jobId: string, part: string, signal?: AbortSignal): Promise<Readable> {
    const out = await this.s3.send(
      new GetObjectCommand({ Bucket: this.bucket, Key: partKey(userId, jobId, part) }),
      signal ? { abortSignal: signal } : {},
    );
    return out.Body as Readable;
  }

  async putArchive(userId: string, jobId: string, body: Readable, signal?: AbortSignal): Promise<string> {
    const key = archiveKeyOf(userId, jobId);
    await this.upload(key, body, 'application/zip', signal);
    return key;
  }

  downloadUrl(userId: string, jobId: string, expiresInSeconds: number, fileName: string): Promise<string> {
    return getSignedUrl(
      this.s3,
      new GetObjectCommand({
        Bucket: this.bucket,
        Key: archiveKeyOf(userId, jobId),
        ResponseContentType: 'application/zip',
        ResponseContentDisposition: `attachment; filename="${fileName}"`,
      }),
      { expiresIn: expiresInSeconds },
    );
  }

  deleteParts(userId: string, jobId: string): Promise<void> {
    return this.deletePrefix(partsPrefix(userId, jobId));
  }

  deleteExport(userId: string, jobId: string): Promise<void> {
    // Job ids have a fixed length, so this prefix holds this export's objects and no other's.
    return this.deletePrefix(`${userId}/${jobId}`);
  }

  close(): void {
    this.s3.destroy();
  }

  private async upload(
    key: string,
    body: Readable,
    contentType: string,
    signal?: AbortSignal,
  ): Promise<void> {
    const upload = new Upload({
      client: this.s3,
      params: {
        Bucket: this.bucket,
        Key: key,
        Body: body,
        ContentType: contentType,
        ServerSideEncryption: 'AES256',
      },
      partSize: PART_BYTES,
      queueSize: QUEUE_SIZE,
      // A failed upload is aborted, so no orphaned parts wait for the lifecycle rule.
      leavePartsOnError: false,
    });
    const abort = () => void upload.abort().catch(() => undefined);
    signal?.addEventListener('abort', abort, { once: true });
    try {
      await upload.done();
    } finally {
      signal?.removeEventListener('abort', abort);
    }
  }

  /** Deletes every object whose key starts with `prefix`, a listing page (≤ 1,000) at a time. */
  private async deletePrefix(prefix: string): Promise<void> {
    for (;;) {
      // Always the first page: what was deleted is no longer listed.
      const page = await this.s3.send(new ListObjectsV2Command({ Bucket: this.bucket, Prefix: prefix }));
      const objects = (page.Contents ?? []).flatMap((o) => (o.Key ? [{ Key: o.Key }] : []));
      if (objects.length === 0) return;
      await this.s3.send(
        new DeleteObjectsCommand({ Bucket: this.bucket, Delete: { Objects: objects, Quiet: true } }),
      );
      if (!page.IsTruncated) return;
    }
  }
}
