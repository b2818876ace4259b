// Google Health notifications (`receiveGoogleHealthNotifications`), authenticated before anything
// is parsed or enqueued. Google sends two credentials:
// - `Authorization`: the secret given as the subscriber's endpoint authorization (EndpointAuthorization
//   .secret), on the verification calls and, per the reference, on every notification;
// - a signature of the JSON payload, ECDSA P-256 / SHA-256, in `X-HEALTHAPI-SIGNATURE` (Google's
//   reference) or `GOOGLE-HEALTH-API-SIGNATURE` (the vendored notes; both read), verified with Google
//   Health's public key (GOOGLE_HEALTH_WEBHOOK_PUBLIC_KEY, SPKI PEM).
// Without a public key, the Authorization alone admits a call (403 to everything when neither is
// configured). With one, a notification batch must carry a valid signature, with or without the
// Authorization (developers report batches arriving without it), and a verification call must carry
// the Authorization (Google tests the secret with it). Credentials are compared in constant time and
// never logged; the body is read raw (BODY_LIMIT), verified, and only then parsed.
import { createPublicKey, timingSafeEqual, verify, type KeyObject } from 'node:crypto';
import express, { type NextFunction, type Request, type Response } from 'express';
import { AppError } from '../../core/errors/AppError.js';
import { assertJsonDepth } from '../http/jsonDepth.js';

const SIGNATURE_HEADERS = ['x-healthapi-signature', 'google-health-api-signature'] as const;
/** A P-256 signature as raw r‖s (IEEE P1363) is 64 bytes; anything else is read as DER. */
const P1363_LENGTH = 64;

export interface GoogleHealthWebhookAuth {
  authorization: string | undefined;
  publicKeyPem: string | undefined;
  bodyLimit: string;
}

const unauthenticated = () => new AppError(401, 'unauthenticated');

/** Does `signature` (base64, DER or raw r‖s) sign `raw` under `key`? Garbage is simply "no". */
export function verifiesGoogleHealthSignature(key: KeyObject, raw: Buffer, signature: string): boolean {
  const bytes = Buffer.from(signature, 'base64');
  if (bytes.length === 0) return false;
  try {
    return verify(
      'sha256',
      raw,
      { key, dsaEncoding: bytes.length === P1363_LENGTH ? 'ieee-p1363' : 'der' },
      bytes,
    );
  } catch {
    return false;
  }
}

const isVerification = (body: unknown) =>
  typeof body === 'object' &&
  body !== null &&
  !Array.isArray(body) &&
  (body as { type?: unknown }).type === 'verification';

export function googleHealthWebhookGate(o: GoogleHealthWebhookAuth) {
  const expected = o.authorization ? Buffer.from(o.authorization) : undefined;
  const key = o.publicKeyPem ? createPublicKey(o.publicKeyPem) : undefined;
  const readRaw = express.raw({ type: () => true, limit: o.bodyLimit });

  return (req: Request, res: Response, next: NextFunction) => {
    if (!expected) return next(new AppError(403, 'forbidden'));
    const offered = Buffer.from(req.get('authorization') ?? '');
    const authorized = offered.length === expected.length && timingSafeEqual(offered, expected);
    const signature = SIGNATURE_HEADERS.map((h) => req.get(h)).find((v) => v !== undefined);
    // No credential that could admit the call: refused before the body is read.
    if (!authorized && !(key && signature)) return next(unauthenticated());
    readRaw(req, res, (error?: unknown) => {
      if (error) return next(error);
      const raw = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
      const signed =
        key !== undefined && signature !== undefined && verifiesGoogleHealthSignature(key, raw, signature);
      if (!authorized && !signed) return next(unauthenticated());
      let body: unknown;
      try {
        assertJsonDepth(raw);
        body = JSON.parse(raw.toString('utf8'));
      } catch (parseError) {
        return next(parseError instanceof AppError ? parseError : new AppError(400, 'malformed_json'));
      }
      if (isVerification(body) ? !authorized : key !== undefined && !signed) return next(unauthenticated());
      req.body = body;
      (req as Request & { rawBody?: Buffer }).rawBody = raw;
      next();
    });
  };
}
