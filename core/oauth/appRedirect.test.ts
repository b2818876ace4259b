import { expect } from 'chai';
import { appRedirectLocation, isAllowedAppRedirect, parseAppRedirectAllowList } from './appRedirect.js';

describe('OAuth app redirect allow-list', () => {
  const allowed = parseAppRedirectAllowList(
    'syncwell://, com.example.syncwell:/, https://app.example/oauth/',
  );

  it('allows any link of a listed app scheme, case-insensitively', () => {
    for (const uri of ['syncwell://oauth/complete', 'SYNCWELL://x?y=1', 'com.example.syncwell:/callback'])
      expect(isAllowedAppRedirect(uri, allowed), uri).to.equal(true);
  });

  it('allows https only under a listed prefix (same origin, path below it)', () => {
    expect(isAllowedAppRedirect('https://app.example/oauth/done', allowed)).to.equal(true);
    for (const uri of [
      'https://app.example/other',
      'https://app.example.evil.test/oauth/done',
      'https://app.example:8443/oauth/done',
      'https://app.example@evil.test/oauth/done',
      'https://me@app.example/oauth/done',
    ])
      expect(isAllowedAppRedirect(uri, allowed), uri).to.equal(false);
  });

  it('refuses web schemes, unknown schemes and text that is not a URI', () => {
    for (const uri of [
      'http://app.example/oauth/done',
      'javascript:alert(1)',
      'otherapp://x',
      'not a uri',
      '',
    ])
      expect(isAllowedAppRedirect(uri, allowed), uri).to.equal(false);
  });

  it('refuses to start with an entry that is neither an app scheme nor an https prefix', () => {
    for (const setting of ['http://localhost/', 'javascript:', 'syncwell', 'data:text/html,x'])
      expect(() => parseAppRedirectAllowList(setting), setting).to.throw(/OAUTH_ALLOWED_REDIRECT_PREFIXES/);
  });

  it("adds the outcome to the link's query and keeps the app's own parameters", () => {
    expect(
      appRedirectLocation('syncwell://oauth/complete?from=settings', {
        connectionId: 'conn_1',
        status: 'active',
      }),
    ).to.equal('syncwell://oauth/complete?from=settings&connectionId=conn_1&status=active');
    expect(appRedirectLocation('https://app.example/oauth/done#top', { error: 'oauth_denied' })).to.equal(
      'https://app.example/oauth/done?error=oauth_denied#top',
    );
  });
});
