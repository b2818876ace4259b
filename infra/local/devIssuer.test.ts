import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { createRemoteJWKSet, decodeProtectedHeader, jwtVerify, type JWTPayload } from 'jose';
import { DEV_AUDIENCE, DEV_ISSUER, mintDevToken, startDevIssuer, type DevIssuer } from './devIssuer.js';

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
const TOKEN_CLI = fileURLToPath(new URL('./token.ts', import.meta.url));

function verify(token: string, issuer: DevIssuer): Promise<JWTPayload> {
  return jwtVerify(token, createRemoteJWKSet(new URL(issuer.jwksUrl)), {
    issuer: 'https://securetoken.google.com/syncwell-local',
    audience: 'syncwell-local',
    algorithms: ['RS256'],
  }).then((r) => r.payload);
}

function runTokenCli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', TOKEN_CLI, ...args],
      { cwd: REPO_ROOT },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

describe('infra/local/devIssuer: the local Firebase stand-in', function () {
  this.timeout(15000);
  let dir: string;
  let keyFile: string;
  const issuers: DevIssuer[] = [];
  const start = async (file = keyFile) => {
    const issuer = await startDevIssuer({ keyFile: file });
    issuers.push(issuer);
    return issuer;
  };

  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'syncwell-issuer-'));
    keyFile = path.join(dir, 'nested', 'keys.json');
  });
  after(async () => {
    await Promise.all(issuers.map((i) => i.stop()));
    await rm(dir, { recursive: true, force: true });
  });

  it('mints a Firebase-shaped token that verifies against its JWKS', async () => {
    const issuer = await start();
    expect([issuer.issuer, issuer.audience, issuer.projectId]).to.deep.equal([
      DEV_ISSUER,
      DEV_AUDIENCE,
      'syncwell-local',
    ]);
    const token = await mintDevToken('alice_01', { tier: 'PRO', keyFile });
    const claims = await verify(token, issuer);
    expect(claims).to.include({
      sub: 'alice_01',
      user_id: 'alice_01',
      email: 'alice_01@example.test',
      email_verified: true,
      tier: 'PRO',
    });
    expect(claims.firebase).to.deep.include({ sign_in_provider: 'password' });
    expect((claims.exp ?? 0) - (claims.iat ?? 0)).to.equal(3600);
    expect(claims.auth_time).to.equal(claims.iat);
    const header = decodeProtectedHeader(token);
    expect(header).to.deep.include({ alg: 'RS256', typ: 'JWT' });
    const jwks = (await (await fetch(issuer.jwksUrl)).json()) as { keys: { kid: string }[] };
    expect(jwks.keys.map((k) => k.kid)).to.deep.equal([header.kid]);
  });

  it('omits the tier claim unless asked, and honours email and expiry', async () => {
    const issuer = await start();
    const claims = await verify(
      await mintDevToken('bob', { email: 'b@x.test', expiresInSeconds: 60, keyFile }),
      issuer,
    );
    expect(claims).to.not.have.property('tier');
    expect(claims.email).to.equal('b@x.test');
    expect((claims.exp ?? 0) - (claims.iat ?? 0)).to.equal(60);
  });

  it('mints tokens that fail verification when expired or for another audience', async () => {
    const issuer = await start();
    const expired = await mintDevToken('carol', {
      issuedAtSeconds: 1_000_000,
      expiresInSeconds: 60,
      keyFile,
    });
    const error = await verify(expired, issuer).catch((err: Error) => err);
    expect(error).to.be.instanceOf(Error).with.property('code', 'ERR_JWT_EXPIRED');
    const otherAudience = await jwtVerify(
      await mintDevToken('carol', { keyFile }),
      createRemoteJWKSet(new URL(issuer.jwksUrl)),
      { audience: 'another-project' },
    ).catch((err: Error) => err);
    expect(otherAudience).to.be.instanceOf(Error).with.property('code', 'ERR_JWT_CLAIM_VALIDATION_FAILED');
  });

  it('serves the JWKS with a one-hour cache and answers /healthz', async () => {
    const issuer = await start();
    const jwks = await fetch(issuer.jwksUrl);
    expect(jwks.headers.get('cache-control')).to.equal('public, max-age=3600');
    const body = (await jwks.json()) as { keys: Record<string, unknown>[] };
    expect(body.keys[0]).to.not.have.property('d');
    expect((await fetch(issuer.jwksUrl.replace('/jwks.json', '/healthz'))).status).to.equal(200);
    expect((await fetch(issuer.jwksUrl.replace('/jwks.json', '/nope'))).status).to.equal(404);
  });

  it('persists the key pair (mode 0600) and reuses it across issuers', async () => {
    const first = await start();
    const kidOf = async (i: DevIssuer) =>
      ((await (await fetch(i.jwksUrl)).json()) as { keys: { kid: string }[] }).keys[0]?.kid;
    const kid = await kidOf(first);
    expect((await stat(keyFile)).mode & 0o777).to.equal(0o600);
    await first.stop();
    expect(await kidOf(await start())).to.equal(kid);
    // A fresh key file yields a different key, so the equality above is not a constant.
    expect(await kidOf(await start(path.join(dir, 'other.json'))))
      .to.be.a('string')
      .and.not.equal(kid);
    expect(JSON.parse(await readFile(keyFile, 'utf8'))).to.have.property('kid', kid);
  });

  it('rejects an invalid user id', async () => {
    const error = await mintDevToken('has space', { keyFile }).catch((err: Error) => err);
    expect(error).to.be.instanceOf(Error);
  });
});

describe('infra/local/token: the token CLI', function () {
  this.timeout(20000);

  it('prints only a token that verifies against the default dev issuer', async () => {
    const issuer = await startDevIssuer();
    try {
      const { code, stdout } = await runTokenCli(['cli-user', '--tier', 'FREE', '--expires-in', '120']);
      expect(code).to.equal(0);
      expect(stdout).to.match(/^[\w-]+\.[\w-]+\.[\w-]+\n$/);
      const claims = await verify(stdout.trim(), issuer);
      expect(claims).to.include({ sub: 'cli-user', tier: 'FREE' });
      expect((claims.exp ?? 0) - (claims.iat ?? 0)).to.equal(120);
    } finally {
      await issuer.stop();
    }
  });

  it('exits 2 with usage on bad arguments and prints no token', async () => {
    for (const args of [
      [],
      ['bad user'],
      ['u', '--tier', 'GOLD'],
      ['u', '--expires-in', '-5'],
      ['u', '--bogus'],
    ]) {
      const { code, stdout, stderr } = await runTokenCli(args);
      expect(code, args.join(' ')).to.equal(2);
      expect(stdout, args.join(' ')).to.equal('');
      expect(stderr, args.join(' ')).to.match(/usage: npm run token/);
    }
  });
});
