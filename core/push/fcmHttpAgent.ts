// The HTTP layer under firebase-admin, which has no endpoint option and drops response headers from
// its errors. firebase-admin sends through `httpAgent` (app option) and its service-account
// credential fetches OAuth tokens through the agent given to cert() (google-auth-library → gaxios →
// node-fetch), so one https.Agent serves both:
// - keep-alive connections to fcm.googleapis.com and oauth2.googleapis.com;
// - optionally every connection goes to `redirect` (the local fake) instead, still naming the
//   real host in TLS (SNI and certificate check) and trusting `redirect.ca`;
// - `observe()` reports the Retry-After of the FCM answer a send got (QUOTA_EXCEEDED and
//   UNAVAILABLE carry one), read from Node's documented `http.client.request.start` diagnostics
//   channel for requests on this agent, within the observed send's async context.
import { AsyncLocalStorage } from 'node:async_hooks';
import diagnostics from 'node:diagnostics_channel';
import type { ClientRequest, IncomingMessage } from 'node:http';
import https from 'node:https';
import type { Duplex } from 'node:stream';
import { clock } from '../clock/clock.js';

export interface HostRedirect {
  host: string;
  port: number;
  /** PEM of the certificate (or CA) to trust there. */
  ca?: string;
}

const REQUEST_START = 'http.client.request.start';

/** Seconds from a Retry-After value (delta-seconds or an HTTP date); undefined when unusable. */
export function retryAfterSeconds(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim());
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, Math.ceil((at - clock.now()) / 1000));
}

export class FcmHttpAgent extends https.Agent {
  private readonly sends = new AsyncLocalStorage<{ retryAfter?: string }>();
  private readonly onRequestStart = (message: unknown) => {
    // `agent` is set on every ClientRequest at run time; @types/node does not declare it.
    const request = (message as { request: ClientRequest & { agent?: unknown } }).request;
    const send = this.sends.getStore();
    if (!send || request.agent !== this || !request.path.includes('/messages:send')) return;
    request.once('response', (response: IncomingMessage) => {
      const value = response.headers['retry-after'];
      send.retryAfter = Array.isArray(value) ? value[0] : value;
    });
  };

  constructor(private readonly redirect?: HostRedirect) {
    super({ keepAlive: true, ...(redirect?.ca ? { ca: redirect.ca } : {}) });
    diagnostics.subscribe(REQUEST_START, this.onRequestStart);
  }

  override createConnection(
    options: https.RequestOptions,
    callback?: (err: Error | null, stream: Duplex) => void,
  ): Duplex | null | undefined {
    if (!this.redirect) return super.createConnection(options, callback);
    const servername = options.servername ?? options.hostname ?? options.host ?? undefined;
    return super.createConnection(
      {
        ...options,
        host: this.redirect.host,
        port: this.redirect.port,
        ...(servername ? { servername } : {}),
      },
      callback,
    );
  }

  /** Runs one send; whatever it returns or throws, also the Retry-After (seconds) FCM answered with. */
  async observe<T>(
    send: () => Promise<T>,
  ): Promise<{ outcome: PromiseSettledResult<T>; retryAfter?: number }> {
    const record: { retryAfter?: string } = {};
    const [outcome] = await this.sends.run(record, () => Promise.allSettled([send()]));
    const retryAfter = retryAfterSeconds(record.retryAfter);
    return { outcome: outcome!, ...(retryAfter !== undefined ? { retryAfter } : {}) };
  }

  override destroy(): void {
    diagnostics.unsubscribe(REQUEST_START, this.onRequestStart);
    super.destroy();
  }
}
