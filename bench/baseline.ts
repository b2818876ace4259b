// The benchmark's baseline: a bare Express 5 app serving the same JSON as the API's two measured
// endpoints, with no auth, no validation and no backend. Whatever the API costs beyond this is the
// API's own work. Started by bench/api.ts in its own process (PORT, BASELINE_CONNECTIONS_BODY).
import { randomUUID } from 'node:crypto';
import express from 'express';

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

app.post('/v1/sync-jobs', (req, res) => {
  // Parsed like the API parses it; the body is not otherwise looked at.
  if (typeof req.body !== 'object' || req.body === null) {
    res.status(400).end();
    return;
  }
  const jobId = `job_${randomUUID()}`;
  res.status(202).location(`/v1/sync-jobs/${jobId}`).json({ jobId, status: 'QUEUED' });
});

const server = app.listen(port, '127.0.0.1', () => {
  console.log(`baseline listening on 127.0.0.1:${port}`);
});
server.keepAliveTimeout = 65_000;

const stop = () => {
  server.close(() => process.exit(0));
  server.closeIdleConnections();
  setTimeout(() => process.exit(0), 2000).unref();
};
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
