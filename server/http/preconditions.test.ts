import { expect } from 'chai';
import { AppError } from '../../core/errors/AppError.js';
import { VersionConflictError } from '../../core/store/errors.js';
import { preconditionFrom, requirePrecondition, versionConflictToHttp } from './preconditions.js';

describe('preconditions', () => {
  it('reads strong and weak ETags, and prefers If-Match over the body version', () => {
    expect(preconditionFrom('"4"', 2)).to.deep.equal({ version: 4, via: 'if-match', ifMatch: '"4"' });
    expect(preconditionFrom('W/"7"', undefined)).to.include({ version: 7, via: 'if-match' });
    expect(preconditionFrom(undefined, 3)).to.deep.equal({ version: 3, via: 'body' });
    expect(preconditionFrom(undefined, undefined)).to.equal(undefined);
  });

  it('treats an ETag we never issued as a failed precondition (412)', () => {
    expect(() => preconditionFrom('"abc"', undefined))
      .to.throw(AppError)
      .with.property('status', 412);
  });

  it('requires some precondition for updates (428), accepting If-Match: *', () => {
    expect(() => requirePrecondition(undefined, undefined))
      .to.throw(AppError)
      .with.property('code', 'precondition_required');
    expect(requirePrecondition('*', undefined)).to.equal('*');
  });

  it('maps a lost race to 412 for If-Match and 409 for a body version', () => {
    const conflict = new VersionConflictError(3, 5);
    const viaEtag = versionConflictToHttp(conflict, { version: 3, via: 'if-match', ifMatch: '"3"' });
    expect(viaEtag).to.include({ status: 412, code: 'precondition_failed' });
    expect(viaEtag.detail).to.contain('"5"');
    const viaBody = versionConflictToHttp(conflict, { version: 3, via: 'body' });
    expect(viaBody).to.include({ status: 409, code: 'version_conflict' });
    expect(viaBody.detail).to.contain('3').and.to.contain('5');
  });
});
