// Shared pieces of the SDK tests: a signed-in user with connections, and an observing fetch that can
// fail chosen attempts before they reach the server (nothing else is faked: the API is the real one).
import type { Harness } from '../support/harness.js';

export interface SeenRequest {
  method: string;
  url: string;
  idempotencyKey: string | null;
  authorization: string | null;
  body: string | undefined;
}

export type Fault = (request: SeenRequest, index: number) => Response | Error | undefined;

/** A fetch that records every request and lets `fault` answer (or fail) one before the real fetch. */
export function observingFetch(fault: Fault = () => undefined) {
  const seen: SeenRequest[] = [];
  const fetchImpl = async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    const headers = new Headers(init?.headers);
    const request: SeenRequest = {
      method: init?.method ?? 'GET',
      url: String(input),
      idempotencyKey: headers.get('idempotency-key'),
      authorization: headers.get('authorization'),
      body: typeof init?.body === 'string' ? init.body : undefined,
    };
    seen.push(request);
    const injected = fault(request, seen.length - 1);
    if (injected instanceof Error) throw injected;
    if (injected) return injected;
    return fetch(input, init);
  };
  return { fetch: fetchImpl as typeof globalThis.fetch, seen };
}

export function problemResponse(
  status: number,
  code: string,
  headers: Record<string, string> = {},
): Response {
  return new Response(JSON.stringify({ type: 'about:blank', title: code, status, code }), {
    status,
    headers: { 'content-type': 'application/problem+json', ...headers },
  });
}

/** The network error undici raises when the server is unreachable. */
export function connectionRefused(): TypeError {
  return new TypeError('fetch failed', {
    cause: Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }),
  });
}

export async function signedInUser(h: Harness) {
  const userId = h.newUserId();
  const token = await h.token(userId, { tier: 'PRO' });
  const [strava, fitbit, garmin] = await Promise.all([
    h.connection(userId, 'strava'),
    h.connection(userId, 'fitbit'),
    h.connection(userId, 'garmin'),
  ]);
  return { userId, token, getToken: async () => token, strava, fitbit, garmin };
}
