// A local fake of the AWS AppConfig Data API (the two calls a client makes), so the real
// AppConfigSource and the AWS SDK client run over a real connection in tests and `npm start`:
//   POST /configurationsessions  {ApplicationIdentifier, EnvironmentIdentifier, ConfigurationProfileIdentifier}
//        → 201 {InitialConfigurationToken}; 400 BadRequestException for an unknown profile
//   GET  /configuration?configuration_token=T
//        → 200, the configuration's bytes, or none when the session already has this version;
//          headers Next-Poll-Configuration-Token, Next-Poll-Interval-In-Seconds, Version-Label
//        → 400 BadRequestException for a token never issued or already used
// Requests must carry a SigV4 Authorization header (the SDK's signing is exercised, not checked).
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';

interface Deployed {
  content: string;
  versionLabel: string;
}

export class AppConfigFake {
  private readonly deployed = new Map<string, Deployed>();
  /** token → the profile and the version label the session last received. */
  private readonly sessions = new Map<string, { profile: string; seen: string | undefined }>();
  readonly calls = { sessions: 0, polls: 0 };
  private server: Server | undefined;
  url = '';

  /** Deploys `document` (JSON) to application/environment/profile under a new version label. */
  deploy(
    application: string,
    environment: string,
    profile: string,
    document: unknown,
    versionLabel?: string,
  ): void {
    const key = `${application}/${environment}/${profile}`;
    const content = typeof document === 'string' ? document : JSON.stringify(document);
    this.deployed.set(key, { content, versionLabel: versionLabel ?? `v-${randomUUID().slice(0, 8)}` });
  }

  async start(): Promise<this> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    const address = this.server.address();
    this.url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
    return this;
  }

  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    if (!/^AWS4-HMAC-SHA256 Credential=/.test(req.headers.authorization ?? ''))
      return error(res, 403, 'UnrecognizedClientException', 'missing SigV4 authorization');
    const url = new URL(req.url ?? '/', 'http://fake');
    if (req.method === 'POST' && url.pathname === '/configurationsessions') {
      this.calls.sessions += 1;
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as Record<string, string>;
      const profile = `${body.ApplicationIdentifier}/${body.EnvironmentIdentifier}/${body.ConfigurationProfileIdentifier}`;
      if (!this.deployed.has(profile))
        return error(res, 400, 'BadRequestException', `no configuration deployed at ${profile}`);
      const token = randomUUID();
      this.sessions.set(token, { profile, seen: undefined });
      res
        .writeHead(201, { 'content-type': 'application/json' })
        .end(JSON.stringify({ InitialConfigurationToken: token }));
      return;
    }
    if (req.method === 'GET' && url.pathname === '/configuration') {
      this.calls.polls += 1;
      const token = url.searchParams.get('configuration_token') ?? '';
      const session = this.sessions.get(token);
      if (!session) return error(res, 400, 'BadRequestException', 'invalid or expired configuration token');
      this.sessions.delete(token);
      const next = randomUUID();
      const current = this.deployed.get(session.profile)!;
      const fresh = current.versionLabel !== session.seen;
      this.sessions.set(next, { profile: session.profile, seen: current.versionLabel });
      res
        .writeHead(200, {
          'content-type': 'application/json',
          'next-poll-configuration-token': next,
          'next-poll-interval-in-seconds': '15',
          ...(fresh ? { 'version-label': current.versionLabel } : {}),
        })
        .end(fresh ? current.content : '');
      return;
    }
    error(res, 404, 'ResourceNotFoundException', `${req.method} ${url.pathname}`);
  }
}

function error(res: ServerResponse, status: number, type: string, message: string): void {
  res
    .writeHead(status, { 'content-type': 'application/json', 'x-amzn-errortype': type })
    .end(JSON.stringify({ Message: message }));
}
