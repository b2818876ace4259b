// Deletes a user's S3 objects, for account deletion: the encrypted cloud → device staging
// (`device-writes/{userId}/` in STAGING_BUCKET) and the data exports (`{userId}/` in
// EXPORT_BUCKET). Listed page by page (1,000 keys) and deleted with DeleteObjects; the trailing
// slash keeps one user's prefix from matching another's (`abc/` never lists `abcd/`).
import type { S3Client } from '@aws-sdk/client-s3';
import { DeleteObjectsCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { createS3Client, type S3Config } from '../aws/s3Client.js';
import type { Config } from '../config/config.js';
import { stagingPrefix } from '../staging/stagingStore.js';

/** Where the data exports of a user live in EXPORT_BUCKET. */
export const exportPrefix = (userId: string) => `${userId}/`;

export interface UserObjectLocation {
  bucket: string;
  prefixOf(userId: string): string;
}

/** The locations configured in this process (a bucket left unset holds nothing to delete). */
export function userObjectLocations(
  config: Pick<Config, 'STAGING_BUCKET' | 'EXPORT_BUCKET'>,
): UserObjectLocation[] {
  return [
    ...(config.STAGING_BUCKET ? [{ bucket: config.STAGING_BUCKET, prefixOf: stagingPrefix }] : []),
    ...(config.EXPORT_BUCKET ? [{ bucket: config.EXPORT_BUCKET, prefixOf: exportPrefix }] : []),
  ];
}

export class UserObjectEraser {
  private readonly s3: S3Client;

  constructor(
    config: S3Config,
    private readonly locations: readonly UserObjectLocation[],
  ) {
    this.s3 = createS3Client(config);
  }

  /** Returns how many objects were deleted. */
  async erase(userId: string): Promise<number> {
    let deleted = 0;
    for (const { bucket, prefixOf } of this.locations)
      deleted += await this.erasePrefix(bucket, prefixOf(userId));
    return deleted;
  }

  private async erasePrefix(bucket: string, prefix: string): Promise<number> {
    let deleted = 0;
    // Always the first page again: what was just deleted no longer lists.
    for (;;) {
      const page = await this.s3.send(
        new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, MaxKeys: 1000 }),
      );
      const keys = (page.Contents ?? []).flatMap((o) => (o.Key ? [{ Key: o.Key }] : []));
      if (keys.length === 0) return deleted;
      const out = await this.s3.send(
        new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: keys, Quiet: true } }),
      );
      if (out.Errors?.length)
        throw new Error(`${out.Errors.length} objects not deleted from ${bucket} (${out.Errors[0]?.Code})`);
      deleted += keys.length;
    }
  }

  close(): void {
    this.s3.destroy();
  }
}
