import { readFileSync } from 'node:fs';
import { expect } from 'chai';
import { parse } from 'yaml';
import { CLOSE } from './closeCodes.js';

describe('server/ws: close codes', () => {
  it('are the ones the contract documents, code for code and reason for reason', () => {
    const contract = parse(
      readFileSync(new URL('../../contracts/asyncapi.yaml', import.meta.url), 'utf8'),
    ) as {
      channels: { syncSocket: { description: string } };
    };
    const documented = [
      ...contract.channels.syncSocket.description.matchAll(/^\| (\d{4}) \| `([a-z_]+)` \|/gm),
    ].map(([, code, reason]) => ({ code: Number(code), reason }));
    const sent = Object.values(CLOSE).map(({ code, reason }) => ({ code, reason }));
    expect(documented).to.have.deep.members(sent);
    expect(documented).to.have.length(sent.length);
  });

  it('keep application codes in the 4000-4999 range and reasons within the 123 bytes a close frame allows', () => {
    for (const { code, reason } of Object.values(CLOSE)) {
      if (code >= 4000) expect(code).to.be.below(5000);
      expect(Buffer.byteLength(reason)).to.be.at.most(123);
    }
  });
});
