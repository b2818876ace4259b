import { expect } from 'chai';
import { Writable } from 'node:stream';
import { format, inspect } from 'node:util';
import { pino } from 'pino';
import { ProviderTokens } from './providerTokens.js';

const ACCESS = 'at-SECRET-access-0123456789';
const REFRESH = 'rt-SECRET-refresh-9876543210';
const EXPIRES = Date.parse('2026-03-01T12:00:00.000Z');

const make = (overrides: Partial<ConstructorParameters<typeof ProviderTokens>[0]> = {}) =>
  new ProviderTokens({
    accessToken: ACCESS,
    refreshToken: REFRESH,
    expiresAt: EXPIRES,
    scope: 'activity heartrate',
    tokenType: 'Bearer',
    providerUserId: 'prov-user-1',
    ...overrides,
  });

function expectNoSecrets(text: string): void {
  // Whole tokens and distinctive fragments of them.
  for (const needle of [ACCESS, REFRESH, 'SECRET', '0123456789', '9876543210']) {
    expect(text, `output contains ${needle}`).not.to.include(needle);
  }
}

describe('ProviderTokens', () => {
  describe('redaction', () => {
    const tokens = make();

    it('JSON.stringify shows metadata only, directly and nested', () => {
      const json = JSON.stringify(tokens);
      expectNoSecrets(json);
      expect(JSON.parse(json)).to.deep.equal({
        redacted: true,
        tokenType: 'Bearer',
        scope: 'activity heartrate',
        expiresAt: '2026-03-01T12:00:00.000Z',
        hasRefreshToken: true,
      });
      expectNoSecrets(JSON.stringify({ connection: { tokens }, list: [tokens, [tokens]] }));
      expectNoSecrets(JSON.stringify({ tokens }, null, 2));
    });

    it('String(), template literals, concatenation and util.format', () => {
      for (const text of [
        String(tokens),
        `${tokens}`,
        'tokens: ' + tokens,
        tokens.toString(),
        format('%s %o %O %j', tokens, tokens, tokens, tokens),
        format(tokens),
      ]) {
        expectNoSecrets(text);
      }
      expect(String(tokens)).to.include('[redacted]').and.include('Bearer');
    });

    it('util.inspect at any depth, nested in objects, arrays, maps and Error causes', () => {
      const nested = { a: { b: { c: { d: tokens } } }, arr: [[tokens]], map: new Map([['k', tokens]]) };
      for (const text of [
        inspect(tokens),
        inspect(tokens, { depth: Infinity, showHidden: true }),
        inspect(nested, { depth: Infinity }),
        inspect(nested, { depth: 0 }),
        inspect([tokens, { tokens }], { depth: null, showHidden: true, getters: true }),
        inspect(new Error('refresh failed', { cause: tokens })),
        inspect(new Error('outer', { cause: new Error('inner', { cause: { tokens } }) }), {
          depth: Infinity,
        }),
        inspect(tokens, { customInspect: false, showHidden: true, getters: true, depth: Infinity }),
        inspect(nested, { customInspect: false, showHidden: true, getters: true, depth: Infinity }),
      ]) {
        expectNoSecrets(text);
      }
      expect(inspect(tokens)).to.include('[redacted]');
    });

    it('pino, without any redact configuration, never writes a token', () => {
      const chunks: string[] = [];
      const sink = new Writable({
        write(chunk: Buffer, _encoding, callback) {
          chunks.push(chunk.toString('utf8'));
          callback();
        },
      });
      const log = pino({ level: 'trace' }, sink);
      log.info({ tokens }, 'stored tokens');
      log.info({ connection: { id: 'c1', credentials: [tokens] } }, 'nested');
      log.info(tokens as unknown as object, 'as merging object');
      log.info('interpolated %s %o %j', tokens, tokens, tokens);
      log.info(`template ${tokens}`);
      log.error(new Error('refresh failed', { cause: tokens }));
      log.error({ err: new Error('with tokens', { cause: { tokens } }) }, 'error object');
      log.child({ tokens }).warn('child bindings');
      const output = chunks.join('');
      expect(chunks.length).to.equal(8);
      expectNoSecrets(output);
      expect(output).to.include('"redacted":true');
    });

    it('structuredClone, spread, Object.keys/entries/assign and property enumeration copy nothing', () => {
      expect(structuredClone(tokens)).to.deep.equal({});
      expectNoSecrets(JSON.stringify(structuredClone({ tokens })));
      expect({ ...tokens }).to.deep.equal({});
      expect(Object.keys(tokens)).to.deep.equal([]);
      expect(Object.entries(tokens)).to.deep.equal([]);
      expect(Object.values(tokens)).to.deep.equal([]);
      expect(Object.getOwnPropertyNames(tokens)).to.deep.equal([]);
      expect(Reflect.ownKeys(tokens)).to.deep.equal([]);
      expect(Object.assign({}, tokens)).to.deep.equal({});
      const forIn: string[] = [];
      for (const k in tokens) forIn.push(k);
      expect(forIn).to.deep.equal([]);
    });

    it('is frozen: nothing serialisable can be attached', () => {
      expect(Object.isFrozen(tokens)).to.equal(true);
      expect(() => Object.assign(tokens, { leaked: ACCESS })).to.throw(TypeError);
    });

    it('validation errors name the field, never the value', () => {
      for (const bad of [
        { accessToken: '' },
        { refreshToken: '' },
        { expiresAt: Number.NaN },
        { expiresAt: -1 },
        { tokenType: '' },
      ]) {
        try {
          make(bad);
          expect.fail('should throw');
        } catch (error) {
          expect(error).to.be.instanceOf(TypeError);
          expectNoSecrets(String(error));
        }
      }
    });
  });

  describe('access', () => {
    it('reveals the tokens through the named methods only', () => {
      const t = make();
      expect(t.revealAccessToken()).to.equal(ACCESS);
      expect(t.revealRefreshToken()).to.equal(REFRESH);
      expect(make({ refreshToken: null }).revealRefreshToken()).to.equal(null);
      expect(make({ refreshToken: undefined }).hasRefreshToken).to.equal(false);
      expect(t).to.include({ expiresAt: EXPIRES, scope: 'activity heartrate', tokenType: 'Bearer' });
      expect(t.providerUserId).to.equal('prov-user-1');
    });

    it('defaults the token type to Bearer and the scope to empty', () => {
      const t = new ProviderTokens({ accessToken: ACCESS, expiresAt: EXPIRES });
      expect(t.tokenType).to.equal('Bearer');
      expect(t.scope).to.equal('');
      expect(t.providerUserId).to.equal(undefined);
      expect(t.hasRefreshToken).to.equal(false);
    });

    it('seals and unseals every field', () => {
      const t = make();
      const back = ProviderTokens.unsealFromStorage(t.sealForStorage());
      expect(back.revealAccessToken()).to.equal(ACCESS);
      expect(back.revealRefreshToken()).to.equal(REFRESH);
      expect(back).to.include({ expiresAt: EXPIRES, scope: 'activity heartrate', tokenType: 'Bearer' });
      expect(back.providerUserId).to.equal('prov-user-1');

      const minimal = ProviderTokens.unsealFromStorage(
        new ProviderTokens({ accessToken: ACCESS, expiresAt: EXPIRES }).sealForStorage(),
      );
      expect(minimal.revealRefreshToken()).to.equal(null);
      expect(minimal.providerUserId).to.equal(undefined);
    });

    it('refuses malformed sealed values without quoting them', () => {
      for (const sealed of [
        `not json ${ACCESS}`,
        JSON.stringify({ v: 2, accessToken: ACCESS, expiresAt: EXPIRES }),
        JSON.stringify({ v: 1, accessToken: ACCESS }),
        JSON.stringify({ v: 1, accessToken: 42, expiresAt: EXPIRES }),
        'null',
      ]) {
        try {
          ProviderTokens.unsealFromStorage(sealed);
          expect.fail('should throw');
        } catch (error) {
          expect(error).to.be.instanceOf(TypeError);
          expectNoSecrets(inspect(error, { depth: Infinity }));
        }
      }
    });
  });

  describe('expiry and refresh', () => {
    it('expiresWithin compares against now (default Date.now())', () => {
      const t = make();
      expect(t.expiresWithin(60_000, EXPIRES - 120_000)).to.equal(false);
      expect(t.expiresWithin(60_000, EXPIRES - 60_000)).to.equal(true);
      expect(t.expiresWithin(0, EXPIRES + 1)).to.equal(true);
      expect(make({ expiresAt: Date.now() + 3_600_000 }).expiresWithin(300_000)).to.equal(false);
      expect(make({ expiresAt: Date.now() + 60_000 }).expiresWithin(300_000)).to.equal(true);
    });

    it('withRefreshed keeps the refresh token when the provider sends none (Google)', () => {
      const t = make();
      const next = t.withRefreshed({ accessToken: 'new-access', expiresAt: EXPIRES + 3_600_000 });
      expect(next).not.to.equal(t);
      expect(next.revealAccessToken()).to.equal('new-access');
      expect(next.revealRefreshToken()).to.equal(REFRESH);
      expect(next).to.include({
        expiresAt: EXPIRES + 3_600_000,
        scope: 'activity heartrate',
        tokenType: 'Bearer',
      });
      expect(next.providerUserId).to.equal('prov-user-1');
      expect(
        t.withRefreshed({ accessToken: 'a2', refreshToken: null, expiresAt: 1 }).revealRefreshToken(),
      ).to.equal(REFRESH);
      // The original is unchanged.
      expect(t.revealAccessToken()).to.equal(ACCESS);
    });

    it('withRefreshed rotates the refresh token and scope when the provider sends them (Fitbit, Strava)', () => {
      const next = make().withRefreshed({
        accessToken: 'new-access',
        refreshToken: 'new-refresh',
        expiresAt: EXPIRES + 1,
        scope: 'activity',
      });
      expect(next.revealRefreshToken()).to.equal('new-refresh');
      expect(next.scope).to.equal('activity');
    });
  });
});
