// What a provider's rate-limit response headers say, in provider-neutral terms. Each provider
// parses its own headers (Strava X-RateLimit-*, Fitbit Fitbit-Rate-Limit-*, ...) into this; the
// limiter uses it to tighten its buckets to what the provider actually counted.
export interface RateLimitWindowObservation {
  /** `app`: the whole application's budget (Strava); `user`: one provider user's (Fitbit). */
  scope: 'app' | 'user';
  limit: number;
  used: number;
  windowSeconds: number;
  /** Epoch ms when the provider resets this window, when it says. */
  resetAt?: number;
}

export interface RateLimitObservation {
  windows: RateLimitWindowObservation[];
}
