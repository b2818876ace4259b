// What a provider profile holds: every static fact about one provider that more than one module
// needs (OAuth, REST base, rate limits, webhooks, capabilities, display name, historical chunking).
// One file per provider (core/providers/<provider>/profile.ts), collected in profiles.ts.
import type { Config } from '../config/config.js';
import type { CloudProvider, DataType, Provider } from '../domain/types.js';

export interface DataTypeCapability {
  read: boolean;
  write: boolean;
  /** The destination can replace an existing record in place (source_wins / newest_wins overwrite). */
  update: boolean;
}

export type ProviderCapabilities = Readonly<Partial<Record<DataType, DataTypeCapability>>>;

/** Config keys holding a string (where a provider's client id and secret are read from). */
type StringConfigKey = {
  [K in keyof Config]-?: Config[K] extends string | undefined ? K : never;
}[keyof Config];

export interface OAuthProfile {
  /** Real origin + path of the consent page. */
  authorizeUrl: string;
  tokenUrl: string;
  /** Where the client id/secret go on the token request (RFC 6749 §2.3.1). */
  clientAuth: 'body' | 'basic';
  /** Send a PKCE S256 challenge. */
  pkce: boolean;
  scopeSeparator: ',' | ' ';
  scopes: readonly string[];
  /** Extra authorize parameters the provider needs. */
  extraAuthorizeParams?: Readonly<Record<string, string>>;
  /** The app's client credentials: config keys (in AWS injected from Secrets Manager). */
  appCredentials: { clientId: StringConfigKey; clientSecret: StringConfigKey };
  /**
   * How the provider's user id is learned at connection time: in the token response, by a GET
   * below the API base (the JSON answer's string `field`), or not at all (the API is always "the
   * current user"). It must be the id the provider's webhooks name: the coalescer finds the
   * connection by it.
   */
  userId:
    | { from: 'token_response' }
    | {
        from: 'api';
        path: string;
        field: string;
        /** The same person's id at a provider this one replaces (Google Health's Fitbit id), if the answer names it. */
        legacy?: { field: string; provider: CloudProvider };
      }
    | { from: 'none' };
  /** How SyncWell gives the grant back (core/oauth/providerTokenRevoker.ts). */
  revocation: RevocationProfile;
}

/**
 * The provider's own revocation call. `rfc7009`: `POST url` with the form field `token` (the
 * refresh token when there is one: it ends the whole grant), client authentication as stated.
 * `access_token`: a call that needs a live access token, sent as the form field `access_token`
 * (Strava's deauthorize) or as the bearer (Garmin's user deregistration).
 */
export type RevocationProfile =
  | { kind: 'rfc7009'; url: string; clientAuth: 'basic' | 'none' }
  | { kind: 'access_token'; method: 'POST' | 'DELETE'; url: string; send: 'form' | 'bearer' };

/** A published limit: `limit` requests per `windowSeconds`, per application or per provider user. */
export interface RateLimitSpec {
  scope: 'app' | 'user';
  limit: number;
  windowSeconds: number;
}

/**
 * How SyncWell learns of new data. `push_with_data`: the webhook carries the records;
 * `notification_only`: it names what changed and the worker pulls; `none`: nothing is pushed, the
 * source is polled with pre-flight checks.
 */
export type ChangeNotifications =
  | {
      style: 'push_with_data' | 'notification_only';
      /** The provider's own event name (Strava object type, Fitbit collection, Garmin summary type) → data type. */
      dataTypeOf: Readonly<Record<string, DataType | null>>;
      /** Normalised event types that mean "the user revoked SyncWell". */
      revocationEvents: readonly string[];
    }
  | { style: 'none' };

interface ProfileBase<P extends Provider> {
  id: P;
  displayName: string;
  /**
   * The longest historical chunk the provider serves comfortably in one job, in days (the cost of
   * one chunk must stay well inside the job's visibility heartbeat).
   */
  maxHistoricalChunkDays: number;
}

export interface CloudProviderProfile<P extends CloudProvider = CloudProvider> extends ProfileBase<P> {
  kind: 'cloud';
  oauth: OAuthProfile;
  /** Base of the REST API; providers append their documented paths. */
  apiBaseUrl: string;
  /** Token buckets a request must fit into (core/ratelimit/policies.ts). */
  rateLimits: readonly RateLimitSpec[];
  changeNotifications: ChangeNotifications;
  capabilities: ProviderCapabilities;
  /** `hasNewData` answers with one cheap request (what polling needs). */
  preflightCheck: boolean;
  /**
   * A provider being rolled out: new connections only for users this feature flag of the dynamic
   * configuration lets in (409 `provider_not_available` for the others). Absent: open to everyone.
   */
  rolloutFlag?: string;
}

/** A provider reached only through the mobile app (no cloud API, no OAuth). */
export interface DeviceProviderProfile<P extends Provider = Provider> extends ProfileBase<P> {
  kind: 'device';
  /** The phone platform whose app reads and writes this health store (and receives its pushes). */
  platform: 'ios' | 'android';
}

export type ProviderProfile = CloudProviderProfile | DeviceProviderProfile;

/** The registry's shape: a cloud profile for every CloudProvider, a device profile for the rest. */
export type ProviderProfiles = {
  readonly [P in Provider]: P extends CloudProvider ? CloudProviderProfile<P> : DeviceProviderProfile<P>;
};
