// The contract between the sandbox server and each provider's fake (strava.ts, fitbit.ts,
// garmin.ts, googleFit.ts, googleHealth/googleHealthFake.ts). A fake speaks its provider's
// documented REST shapes below its root (`/strava`, `/fitbit`, ...); OAuth, fault injection and the
// admin API are shared.
import type { IncomingHttpHeaders } from 'node:http';
import type { CloudProvider, DataType, WorkoutType } from '../../../core/domain/types.js';
import type { OAuthServer, OAuthTokenShape } from './oauthServer.js';
import type { Persona } from './persona.js';

/** Every root the sandbox serves a fake under: one per cloud provider. */
export type SandboxRoot = CloudProvider;

export interface SandboxRequest {
  method: string;
  /** Path below the provider root, e.g. `/api/v3/athlete/activities`. */
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  rawBody: Buffer;
  /** Sandbox user the bearer token belongs to (set for API routes after token checks). */
  userId?: string;
}

export interface SandboxReply {
  status: number;
  headers?: Record<string, string>;
  /** Objects are sent as JSON; strings and Buffers as they are. */
  body?: unknown;
}

/**
 * One stored record as tests read it back, normalised so a test can assert across providers.
 * `native` is the record exactly as the fake stores and serves it.
 */
export interface SandboxRecordView {
  id: string;
  dataType: DataType;
  /** ISO instant (UTC). For steps: start of the local day. */
  startTime: string;
  /** Local wall-clock start as the provider shows it (`2026-11-01T01:30:00`), no offset. */
  localStartTime: string;
  /** Offset from UTC in minutes at `startTime`, as the provider recorded it. */
  utcOffsetMinutes: number | null;
  durationSeconds?: number;
  workoutType?: WorkoutType;
  distanceMeters?: number | null;
  /** steps for steps, kg for weight */
  value?: number;
  /** `seed` for data the sandbox made up, `api` for records a client created. */
  createdBy: 'seed' | 'api';
  native: unknown;
}

export interface SandboxUserOptions {
  persona?: Persona;
}

/** Error answers the shared server gives on a fake's behalf, in its provider's own format. */
export interface ProviderErrorReplies {
  /** 401: no bearer token (`missing`), or one that is unknown, revoked (`invalid`) or expired. */
  unauthenticated(reason: 'missing' | 'invalid' | 'expired'): SandboxReply;
  /** An injected `status` fault (faults.ts). */
  fault(status: number, retryAfterSeconds: number | undefined): SandboxReply;
  /** A path below the root that no route serves. */
  notFound(req: SandboxRequest): SandboxReply;
}

export interface ProviderFake<Id extends SandboxRoot = CloudProvider> {
  readonly id: Id;
  /** How this provider's OAuth endpoints look (paths below the root, token JSON shape). */
  readonly oauthShape: OAuthTokenShape;
  /**
   * Handles an API request whose bearer token is valid (req.userId set). Returns undefined for an
   * unknown route (the server answers 404 in the provider's style).
   */
  handle(req: SandboxRequest): Promise<SandboxReply | undefined> | SandboxReply | undefined;
  /** Seeds a provider user from a persona; returns the provider's user id (athlete id, encoded id...). */
  addUser(sandboxUserId: string, persona: Persona): string;
  records(sandboxUserId: string, dataType: DataType): SandboxRecordView[];
  /** Drops users and data (tests call this between cases through the server's reset). */
  reset(): void;
  /** Per-provider knobs tests may turn (rate limits, ...). */
  configure?(settings: Record<string, unknown>): void;
  /** The provider's error bodies for the shared answers; the sandbox's generic ones without. */
  readonly errorReplies?: ProviderErrorReplies;
}

export interface ProviderFakeDeps {
  oauth: OAuthServer;
  now: () => Date;
}
