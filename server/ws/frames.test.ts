import { readFileSync } from 'node:fs';
import { expect } from 'chai';
import { parse } from 'yaml';
import { MessageValidationError } from '../../core/messaging/messageSchemas.js';
import { CLOSE } from './closeCodes.js';
import {
  CLIENT_FRAMES,
  encodeServerFrame,
  parseClientFrame,
  SERVER_FRAMES,
  type ServerFrame,
} from './frames.js';

interface AsyncApi {
  channels: Record<string, { address: string; messages: Record<string, { $ref: string }> }>;
  operations: Record<
    string,
    { action: 'send' | 'receive'; channel: { $ref: string }; messages: { $ref: string }[] }
  >;
  components: { schemas: Record<string, { properties: Record<string, { const?: string }> }> };
}

const contract = parse(
  readFileSync(new URL('../../contracts/asyncapi.yaml', import.meta.url), 'utf8'),
) as AsyncApi;

/** Message names of the syncSocket operations with this action. */
function socketMessages(action: 'send' | 'receive'): string[] {
  return Object.values(contract.operations)
    .filter((op) => op.action === action && op.channel.$ref === '#/channels/syncSocket')
    .flatMap((op) => op.messages.map((m) => m.$ref.split('/').pop()!))
    .sort();
}

const frame = (value: unknown) => parseClientFrame(Buffer.from(JSON.stringify(value)), false);

const validSync = {
  schemaVersion: 1,
  action: 'sync',
  requestId: 'r-1',
  sourceConnectionId: 'conn_1b4e28ba-2fa1-4d2b-883f-0016d3cca427',
  destinationConnectionId: 'conn_7c9e6679-7425-40de-944b-e07fc1f90ae7',
  dataType: 'steps',
};

describe('server/ws: frames of the syncSocket channel', () => {
  it('the channel is /v1/ws in the contract', () => {
    expect(contract.channels.syncSocket!.address).to.equal('/v1/ws');
  });

  it('routes exactly the frames the contract lets the app send, each on the action its schema pins', () => {
    expect(Object.values(CLIENT_FRAMES).sort()).to.deep.equal(socketMessages('receive'));
    for (const [action, name] of Object.entries(CLIENT_FRAMES))
      expect(contract.components.schemas[name]!.properties.action!.const, name).to.equal(action);
  });

  it('writes exactly the frames the contract lets the server send, each tagged with its type', () => {
    expect(Object.values(SERVER_FRAMES).sort()).to.deep.equal(socketMessages('send'));
    for (const [type, name] of Object.entries(SERVER_FRAMES))
      expect(contract.components.schemas[name]!.properties.type!.const, name).to.equal(type);
  });

  it('accepts a frame that matches its message', () => {
    const parsed = frame(validSync);
    expect(parsed.ok && parsed.frame.action).to.equal('sync');
  });

  it('closes 4400 for binary frames and text that is not a JSON object', () => {
    expect(parseClientFrame(Buffer.from(JSON.stringify(validSync)), true)).to.include({
      ok: false,
      close: CLOSE.frameNotJson,
    });
    expect(parseClientFrame(Buffer.from('{"action":'), false)).to.include({
      ok: false,
      close: CLOSE.frameNotJson,
    });
    expect(frame([validSync])).to.include({ ok: false, close: CLOSE.frameNotJson });
    expect(frame('sync')).to.include({ ok: false, close: CLOSE.frameNotJson });
    expect(frame(null)).to.include({ ok: false, close: CLOSE.frameNotJson });
  });

  it('closes 4404 for an action the contract does not route (own properties only)', () => {
    expect(frame({ ...validSync, action: 'delete_everything' })).to.include({
      ok: false,
      close: CLOSE.unknownAction,
    });
    expect(frame({ ...validSync, action: 'toString' })).to.include({ ok: false, close: CLOSE.unknownAction });
    expect(frame({ schemaVersion: 1 })).to.include({ ok: false, close: CLOSE.unknownAction });
  });

  it('closes 4422 for a routed frame off its schema', () => {
    expect(frame({ ...validSync, dataType: 'heart_rate' })).to.include({
      ok: false,
      close: CLOSE.invalidFrame,
    });
    expect(frame({ ...validSync, extra: true })).to.include({ ok: false, close: CLOSE.invalidFrame });
    expect(frame({ ...validSync, schemaVersion: 2 })).to.include({ ok: false, close: CLOSE.invalidFrame });
    expect(frame({ schemaVersion: 1, action: 'subscribe_job', jobId: 'job_1' })).to.include({
      ok: false,
      close: CLOSE.invalidFrame,
    });
  });

  it('closes 4422 for a frame nested deeper than the JSON depth limit, before parsing it', () => {
    const deep = `{"schemaVersion":1,"action":"sync","requestId":${'['.repeat(50_000)}${']'.repeat(50_000)}}`;
    expect(parseClientFrame(Buffer.from(deep), false)).to.deep.equal({
      ok: false,
      close: CLOSE.invalidFrame,
      reason: 'nested deeper than 32 levels',
    });
  });

  it('refuses to write a frame off the contract', () => {
    const status: ServerFrame = {
      schemaVersion: 1,
      type: 'job_status',
      jobId: 'job_3f2b8c1e-9d4a-4b7e-8c2a-1f0e9d8c7b6a',
      status: 'SUCCEEDED',
      recordsWritten: 2,
    };
    expect(JSON.parse(encodeServerFrame(status))).to.deep.equal(status);
    expect(() => encodeServerFrame({ ...status, status: 'DONE' } as unknown as ServerFrame)).to.throw(
      MessageValidationError,
    );
    expect(() =>
      encodeServerFrame({ ...status, records: [{ steps: 1 }] } as unknown as ServerFrame),
    ).to.throw(MessageValidationError);
  });
});
