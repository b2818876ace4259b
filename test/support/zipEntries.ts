// Reads a downloaded ZIP (an export) back: every entry by name, as text.
import { once } from 'node:events';
import yauzl from 'yauzl';

export async function zipEntries(bytes: Buffer): Promise<Map<string, string>> {
  const zip = await new Promise<yauzl.ZipFile>((resolve, reject) =>
    yauzl.fromBuffer(bytes, { lazyEntries: true }, (error, z) => (error ? reject(error) : resolve(z))),
  );
  const files = new Map<string, string>();
  zip.readEntry();
  for (;;) {
    const [entry] = (await Promise.race([once(zip, 'entry'), once(zip, 'end').then(() => [undefined])])) as [
      yauzl.Entry | undefined,
    ];
    if (!entry) break;
    const stream = await new Promise<NodeJS.ReadableStream>((resolve, reject) =>
      zip.openReadStream(entry, (error, s) => (error ? reject(error) : resolve(s))),
    );
    const chunks: Buffer[] = [];
    for await (const chunk of stream) chunks.push(chunk as Buffer);
    files.set(entry.fileName, Buffer.concat(chunks).toString('utf8'));
    zip.readEntry();
  }
  return files;
}
