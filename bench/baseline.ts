// The benchmark's baseline: a bare Express 5 app serving the same JSON as the API's two measured
// endpoints, with no auth, no validation and no backend. Whatever the API costs beyond this is the
// API's own work. Started by bench/api.ts in its own process (PORT, BASELINE_CONNECTIONS_BODY).
// BASELINE_KIND=floor (`bench:api -- --baseline floor`): POST also makes the API's round trips
// (bench/lib/apiFloor.ts) and nothing else, the floor under the API's figure; GET stays bare.
import { randomUUID } from 'node:crypto';
import express from 'express';
import { createApiFloor } from './lib/apiFloor.js';

const port = Number(process.env.PORT ?? 0);
// The body a real user's GET /v1/connections returned, captured from the API by the bench.
const connections: unknown = JSON.parse(process.env.BASELINE_CONNECTIONS_BODY ?? '{"connections":[]}');

const app = express();
app.disable('x-powered-by');
app.set('etag', false);
app.use(express.json({ limit: '256kb' }));

app.get('/healthz', (_req, res) => {
  res.json({ status: 'ok' });
});

app.get('/v1/connections', (_req, res) => {
  res.json(connections);
});

const floor = process.env.BASELINE_KIND === 'floor' ? createApiFloor() : undefined;

app.post('/v1/sync-jobs', (req, res) => {
  // Parsed like the API parses it; the body is not otherwise looked at.
  if (typeof req.body !== 'object' || req.body === null) {
    res.status(400).end();
    return;
  }
  const accepted = (jobId: string) =>
    res.status(202).location(`/v1/sync-jobs/${jobId}`).json({ jobId, status: 'QUEUED' });
  if (!floor) {
    accepted(`job_${randomUUID()}`);
    return;
  }
  // No authentication: the token's tail stands for the user (groups and keys only).
  const userId = (req.get('authorization') ?? 'anonymous').slice(-16);
  floor
    .createJob(userId, req.get('idempotency-key') ?? randomUUID(), req.body as Record<string, unknown>)
    .then(accepted, (error: unknown) => res.status(500).json({ error: String(error) }));
});

const server = app.listen(port, '127.0.0.1', () => {
  console.log(`baseline listening on 127.0.0.1:${port}`);
});
server.keepAliveTimeout = 65_000;

const stop = () => {
  server.close(() => void (floor?.close() ?? Promise.resolve()).finally(() => process.exit(0)));
  server.closeIdleConnections();
  setTimeout(() => process.exit(0), 2000).unref();
};
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
