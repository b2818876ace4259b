import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { expect } from 'chai';
import { MessageValidationError } from '../messaging/messageSchemas.js';
import type { SyncEvent } from './eventBus.js';
import { LocalEventBus, readLocalEvents } from './localEventBus.js';

function succeeded(): SyncEvent {
  return {
    type: 'SyncSucceeded',
    detail: {
      schemaVersion: 1,
      eventId: randomUUID(),
      jobId: 'job_3f2b8c1e-9d4a-4b7e-8c2a-1f0e9d8c7b6a',
      userId: 'user-1',
      sourceConnectionId: 'conn_7c9e6679-7425-40de-944b-e07fc1f90ae7',
      destinationConnectionId: 'conn_8c9e6679-7425-40de-944b-e07fc1f90ae7',
      dataType: 'steps',
      trigger: 'schedule',
      recordsWritten: 12,
      recordsSkipped: 0,
      startedAt: '2026-11-24T10:00:00.000Z',
      finishedAt: '2026-11-24T10:00:02.000Z',
    },
  };
}

describe('core/events: local event bus (JSON lines)', () => {
  let dir: string;

  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'syncwell-events-'));
  });

  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('appends {type, detail, publishedAt} lines, creating the directory', async () => {
    const file = path.join(dir, 'nested', 'deeper', 'events.jsonl');
    expect(await readLocalEvents(file)).to.deep.equal([]);
    const bus = new LocalEventBus(file, () => new Date('2026-11-24T10:00:03.000Z'));
    const events = [succeeded(), succeeded()];
    await bus.publish(events);
    await bus.publish([]);
    const text = await readFile(file, 'utf8');
    expect(text.endsWith('\n')).to.equal(true);
    expect(text.split('\n')).to.have.length(3);
    expect(await readLocalEvents(file)).to.deep.equal(
      events.map((e) => ({ type: e.type, detail: e.detail, publishedAt: '2026-11-24T10:00:03.000Z' })),
    );
  });

  it('loses and tears no line when two buses append to one file concurrently', async () => {
    const file = path.join(dir, 'events.jsonl');
    const a = new LocalEventBus(file);
    const b = new LocalEventBus(file);
    const published: SyncEvent[] = [];
    const writes: Promise<void>[] = [];
    for (let i = 0; i < 100; i++) {
      for (const bus of [a, b]) {
        const batch = Array.from({ length: (i % 3) + 1 }, () => succeeded());
        published.push(...batch);
        writes.push(bus.publish(batch));
      }
    }
    await Promise.all(writes);
    const lines = (await readFile(file, 'utf8')).split('\n').filter(Boolean);
    expect(lines).to.have.length(published.length);
    const ids = lines.map((line) => (JSON.parse(line) as { detail: { eventId: string } }).detail.eventId);
    expect(new Set(ids)).to.deep.equal(new Set(published.map((e) => e.detail.eventId)));
  });

  it('shares one file between processes: every line of every writer, none torn', async function () {
    this.timeout(30000);
    const file = path.join(dir, 'events.jsonl');
    const script = path.join(dir, 'writer.mts');
    const busModule = fileURLToPath(new URL('./localEventBus.ts', import.meta.url));
    const sample = succeeded().detail;
    await writeFile(
      script,
      [
        `import { randomUUID } from 'node:crypto';`,
        `import { LocalEventBus } from ${JSON.stringify(busModule)};`,
        `const bus = new LocalEventBus(process.argv[2]);`,
        `const detail = ${JSON.stringify(sample)};`,
        `await Promise.all(Array.from({ length: 300 }, () =>`,
        `  bus.publish([{ type: 'SyncSucceeded', detail: { ...detail, eventId: randomUUID() } }])));`,
      ].join('\n'),
    );
    const run = promisify(execFile);
    await Promise.all([1, 2].map(() => run(process.execPath, ['--import', 'tsx', script, file])));
    const lines = (await readFile(file, 'utf8')).split('\n').filter(Boolean);
    expect(lines).to.have.length(600);
    const ids = new Set(
      lines.map((line) => (JSON.parse(line) as { detail: { eventId: string } }).detail.eventId),
    );
    expect(ids.size).to.equal(600);
  });

  it('rejects an invalid event before writing anything', async () => {
    const file = path.join(dir, 'events.jsonl');
    const bus = new LocalEventBus(file);
    const bad = succeeded();
    (bad.detail as { jobId: string }).jobId = 'job_1';
    const err = await bus.publish([succeeded(), bad]).catch((e: unknown) => e);
    expect(err).to.be.instanceOf(MessageValidationError);
    expect(await readLocalEvents(file)).to.deep.equal([]);
    const unknown = { type: 'SyncExploded', detail: succeeded().detail } as unknown as SyncEvent;
    expect(await bus.publish([unknown]).catch((e: unknown) => (e as Error).name)).to.equal(
      'UnknownEventTypeError',
    );
    expect(await readLocalEvents(file)).to.deep.equal([]);
  });
});
