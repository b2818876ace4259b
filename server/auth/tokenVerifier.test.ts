// Token verification against a real JWKS endpoint on loopback (no mocked fetch).
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect } from 'chai';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey } from 'jose';
import { AppError } from '../../core/errors/AppError.js';
import { JwksCache } from './jwksCache.js';
import { TokenVerifier } from './tokenVerifier.js';

describe('TokenVerifier', () => {
  let server: Server;
  let url: string;
  let privateKey: CryptoKey;
  let jwksRequests = 0;
  let publishedKeys: object[] = [];

  before(async () => {
    const pair = await generateKeyPair('RS256', { extractable: true });
    privateKey = pair.privateKey;
    publishedKeys = [{ ...(await exportJWK(pair.publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' }];
    server = createServer((_req, res) => {
      jwksRequests++;
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ keys: publishedKeys }));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks.json`;
  });
  after(() => new Promise((r) => server.close(r)));

  const sign = (
    claims: Record<string, unknown>,
    o: { kid?: string; aud?: string; iss?: string; exp?: number } = {},
  ) =>
    new SignJWT(claims)
      .setProtectedHeader({ alg: 'RS256', kid: o.kid ?? 'k1' })
      .setIssuer(o.iss ?? 'https://securetoken.google.com/proj')
      .setAudience(o.aud ?? 'proj')
      .setSubject('user-1')
      .setIssuedAt()
      .setExpirationTime(o.exp ?? Math.floor(Date.now() / 1000) + 3600)
      .sign(privateKey);

  const verifier = () => new TokenVerifier(new JwksCache(url, 3_600_000, 60_000), 'proj', 300_000);

  it('accepts a Firebase-shaped token and reads tier and email', async () => {
    const user = await verifier().authenticate(`Bearer ${await sign({ email: 'a@b.c', tier: 'PRO' })}`);
    expect(user).to.deep.equal({ userId: 'user-1', email: 'a@b.c', tier: 'PRO', role: 'user', kid: 'k1' });
  });

  it('reads the operator role only from the exact `role: operator` custom claim', async () => {
    const v = verifier();
    expect((await v.authenticate(`Bearer ${await sign({ role: 'operator' })}`)).role).to.equal('operator');
    for (const role of ['Operator', 'admin', ['operator'], true])
      expect((await v.authenticate(`Bearer ${await sign({ role })}`)).role, JSON.stringify(role)).to.equal(
        'user',
      );
  });

  it('defaults to the FREE tier and caches verified tokens and the key set', async () => {
    const v = verifier();
    const token = `Bearer ${await sign({})}`;
    const before = jwksRequests;
    expect((await v.authenticate(token)).tier).to.equal('FREE');
    await v.authenticate(token);
    await v.authenticate(`Bearer ${await sign({ other: 1 })}`);
    expect(jwksRequests - before).to.equal(1);
  });

  it('rejects wrong issuer, wrong audience, expired and unsigned tokens with 401', async () => {
    const v = verifier();
    const cases = [
      await sign({}, { iss: 'https://securetoken.google.com/other' }),
      await sign({}, { aud: 'other' }),
      'eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.',
    ];
    for (const t of cases) {
      const e = await v.authenticate(`Bearer ${t}`).catch((x: unknown) => x);
      expect(e).to.be.instanceOf(AppError).with.property('status', 401);
    }
    const expired = await v
      .authenticate(`Bearer ${await sign({}, { exp: Math.floor(Date.now() / 1000) - 10 })}`)
      .catch((x: unknown) => x);
    expect(expired).to.be.instanceOf(AppError).with.property('code', 'token_expired');
  });

  it('stops trusting an evicted key that the issuer no longer publishes', async () => {
    const v = verifier();
    const token = `Bearer ${await sign({})}`;
    await v.authenticate(token);
    const saved = publishedKeys;
    publishedKeys = [];
    try {
      expect(v.evictKey('k1')).to.equal(true);
      const e = await v.authenticate(token).catch((x: unknown) => x);
      expect(e).to.be.instanceOf(AppError).with.property('status', 401);
    } finally {
      publishedKeys = saved;
    }
  });

  it('rate-limits refetches caused by unknown key ids', async () => {
    const v = verifier();
    await v.authenticate(`Bearer ${await sign({})}`);
    const before = jwksRequests;
    for (let i = 0; i < 5; i++)
      await v.authenticate(`Bearer ${await sign({}, { kid: `unknown-${i}` })}`).catch(() => undefined);
    expect(jwksRequests - before).to.be.at.most(1);
  });
});
