// Shared by both sides of the contract test: who the participants are and where the pact lives.
// The pact file is committed; the provider verification reads it from here (no broker yet).
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const CONSUMER = 'syncwell-mobile-sdk';
export const PROVIDER = 'syncwell-api';

export const PACT_DIR = fileURLToPath(new URL('./pacts', import.meta.url));
export const PACT_FILE = path.join(PACT_DIR, `${CONSUMER}-${PROVIDER}.json`);

/** Pact's native library sends anonymous usage events unless this is set; it reads it at call time. */
export function disablePactTracking(): void {
  process.env.PACT_DO_NOT_TRACK ??= 'true';
}

/** Message pacts: the worker consumes what the API (and the worker's own poller) put on its queues. */
export const WORKER_CONSUMER = 'syncwell-worker';
export const MESSAGE_PACT_FILE = path.join(PACT_DIR, `${WORKER_CONSUMER}-${PROVIDER}.json`);

/** Callers outside this code base: the providers' webhooks, the load balancer, operators. */
export const OPS_CONSUMER = 'syncwell-operations';
export const OPS_PACT_FILE = path.join(PACT_DIR, `${OPS_CONSUMER}-${PROVIDER}.json`);

/**
 * The socket frames the SDK sends (AsyncAPI `syncSocket`): the API's WebSocket lane consumes them, so
 * in this pact the API is the consumer and the SDK the provider. The frames the API sends the SDK are
 * in the SDK's own pact (PACT_FILE), beside its HTTP interactions.
 */
export const SOCKET_FRAMES_PACT_FILE = path.join(PACT_DIR, `${PROVIDER}-${CONSUMER}.json`);
