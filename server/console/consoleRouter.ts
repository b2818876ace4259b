// Serves the operator console at /console: one static page (no build step, no third-party code)
// that calls the `operations` API with the operator's ID token. The page itself is public, as
// /docs is; everything it shows comes from operatorJwt operations, which refuse anyone else.
import express from 'express';

const STATIC_DIR = new URL('./static/', import.meta.url).pathname;

/** Only this origin's script, style and API; no framing, no inline code. */
const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "connect-src 'self'",
  "img-src 'self' data:",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "form-action 'none'",
].join('; ');

export function consoleRouter(): express.Router {
  const router = express.Router();
  router.use((_req, res, next) => {
    res.setHeader('Content-Security-Policy', CONTENT_SECURITY_POLICY);
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('Referrer-Policy', 'no-referrer');
    res.setHeader('Cache-Control', 'no-store');
    next();
  });
  router.use(express.static(STATIC_DIR, { index: 'index.html', fallthrough: true }));
  return router;
}
