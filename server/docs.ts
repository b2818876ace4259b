// Serves the generated API documentation (Redoc for OpenAPI, the AsyncAPI HTML) at /docs.
import express from 'express';

const DOCS_DIR = new URL('../generated/docs/', import.meta.url).pathname;

export function docsRouter(): express.Router {
  const router = express.Router();
  router.use(express.static(DOCS_DIR, { index: 'index.html', fallthrough: true, maxAge: '5m' }));
  return router;
}
