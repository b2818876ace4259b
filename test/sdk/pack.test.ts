// `npm pack` produces a package that installs into a fresh project and loads there, with no link
// back to this repository (openapi-fetch comes from the npm cache or registry).
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { expect } from 'chai';

const run = promisify(execFile);
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

const CHECK = `
import * as sdk from '@syncwell/client-sdk';
import { FileOfflineActionStore } from '@syncwell/client-sdk/node';
const client = sdk.createSyncWellClient({ baseUrl: 'http://127.0.0.1:9', getToken: async () => 't' });
const methods = Object.keys(client).filter((k) => typeof client[k] === 'function').sort();
const queueable = Object.keys(client.queueable).sort();
const healthStore = { read: async () => [], write: async () => ({ written: [], failed: [] }), changedSince: async () => [] };
const device = sdk.createDeviceSync({ client, healthStore, platform: 'android', installationId: '3b1f8e2a-5c4d-4e6f-8a9b-0c1d2e3f4a5b' });
console.log(JSON.stringify({
  methods,
  queueable,
  errors: [typeof sdk.ApiError, typeof sdk.NetworkError, typeof sdk.HealthStoreUnavailableError],
  stores: [typeof sdk.MemoryOfflineActionStore, typeof FileOfflineActionStore, typeof sdk.MemoryKeyValueStore],
  device: {
    methods: Object.keys(device).filter((k) => typeof device[k] === 'function').sort(),
    source: device.source,
    maxUploadRecords: sdk.MAX_UPLOAD_RECORDS,
    ignored: await device.handlePush({ type: 'export_ready', jobId: 'exp_1' }),
  },
}));
`;

describe('client SDK package', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'syncwell-sdk-pack-'));
  });
  after(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('packs, installs into a fresh project and loads there', async function () {
    this.timeout(120_000);
    await run(npm, ['pack', '-w', 'client-sdk', '--pack-destination', dir, '--silent']);
    const tarball = (await readdir(dir)).find((f) => f.endsWith('.tgz'));
    expect(tarball, 'no tarball').to.be.a('string');
    const { stdout: listing } = await run('tar', ['tzf', join(dir, tarball!)]);
    expect(listing).to.include('package/dist/index.js').and.include('package/dist/index.d.ts');
    expect(listing).to.include('package/dist/device.js').and.include('package/dist/deviceTypes.d.ts');
    expect(listing).to.include('package/README.md');
    expect(listing).not.to.include('package/src/');

    const project = join(dir, 'app');
    await run('mkdir', ['-p', project]);
    await run(npm, ['init', '-y'], { cwd: project });
    await run(npm, ['install', join(dir, tarball!), '--prefer-offline', '--no-audit', '--no-fund'], {
      cwd: project,
    });
    await writeFile(join(project, 'check.mjs'), CHECK);
    const { stdout } = await run(process.execPath, ['check.mjs'], { cwd: project });
    const loaded = JSON.parse(stdout) as {
      methods: string[];
      queueable: string[];
      errors: string[];
      stores: string[];
      device: { methods: string[]; source: string; maxUploadRecords: number; ignored: unknown };
    };
    expect(loaded.methods).to.include.members([
      'listConnections',
      'createConnection',
      'completeOAuth',
      'deleteConnection',
      'listSyncConfigs',
      'createSyncConfig',
      'getSyncConfig',
      'updateSyncConfig',
      'deleteSyncConfig',
      'createSyncJob',
      'getSyncJob',
      'listSyncJobs',
      'getCurrentUser',
      'getUserSettings',
      'updateUserSettings',
      'deleteCurrentUser',
      'createExportJob',
      'getExportJob',
      'registerDevice',
      'listDevices',
      'deleteDevice',
      'createDeviceConnection',
      'reportHealthStoreUnavailable',
      'uploadDeviceData',
      'listDeviceRequests',
      'submitDeviceReadResponse',
      'getStagedData',
      'confirmDeviceWrite',
      'getHealth',
      'replayOfflineActions',
      'setOffline',
    ]);
    expect(loaded.queueable).to.have.length(15).and.include('createDeviceConnection');
    expect(loaded.errors).to.deep.equal(['function', 'function', 'function']);
    expect(loaded.stores).to.deep.equal(['function', 'function', 'function']);
    expect(loaded.device).to.deep.equal({
      methods: [
        'connectHealthStore',
        'handlePush',
        'lastSyncTime',
        'pullPendingWork',
        'register',
        'reportStoreUnavailable',
        'upload',
      ],
      source: 'health_connect',
      maxUploadRecords: 500,
      ignored: [{ kind: 'ignored', type: 'export_ready' }],
    });
  });
});
