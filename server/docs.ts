// Serves the generated API documentation at /docs: Redoc for OpenAPI and the AsyncAPI HTML, both
// self-contained (they work offline), and the bundled contracts as YAML (/docs/openapi.yaml,
// /docs/asyncapi.yaml) for Postman or Insomnia to import.
import express from 'express';

const DOCS_DIR = new URL('../generated/docs/', import.meta.url).pathname;

export function docsRouter(): express.Router {
  const router = express.Router();
  router.use(
    express.static(DOCS_DIR, {
      index: 'index.html',
      fallthrough: true,
      maxAge: '5m',
      setHeaders: (res, path) => {
        // RFC 9512; the static server's own table may not know it.
        if (path.endsWith('.yaml')) res.setHeader('Content-Type', 'application/yaml; charset=utf-8');
      },
    }),
  );
  return router;
}
