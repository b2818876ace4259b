// `npm run google-health:subscribe -- --project <project> [--endpoint <url>] [--subscriber-id <id>]
// [--rotate-authorization]`: makes the Google Health API's subscriber for this deployment exist as
// configured, idempotently. It lists the project's subscribers (`projects.subscribers.list`) and
// creates SyncWell's when missing, patches it when its endpoint or data types differ, and does
// nothing when they are equal. Google verifies the endpoint on create and on a patch of the endpoint
// or the secret (201 with the secret, 401/403 without), so the API must already run with
// GOOGLE_HEALTH_WEBHOOK_AUTHORIZATION set to the same value.
//
// The subscriber uses the AUTOMATIC subscription policy for every type SyncWell syncs (the profile's
// `changeNotifications.dataTypeOf`): Google then notifies for every user who granted SyncWell the
// type's scope, and no per-user subscription is created at connection time.
//
// Environment: GOOGLE_HEALTH_WEBHOOK_AUTHORIZATION (the whole Authorization value, as the API has
// it), GOOGLE_HEALTH_ACCESS_TOKEN (an OAuth token with the cloud-platform scope of an account that
// manages the project: `gcloud auth print-access-token`), OAUTH_REDIRECT_BASE_URL (the API's public
// origin, when --endpoint is not given) and PROVIDER_SANDBOX_URL (the local sandbox instead of
// Google). Google returns the secret only as `secretSet`, so a changed secret cannot be seen:
// after rotating it, run with --rotate-authorization.
import { parseArgs } from 'node:util';
import { providerEndpoints } from '../core/providers/endpoints.js';
import { googleHealthProfile } from '../core/providers/googleHealth/profile.js';

export const DEFAULT_SUBSCRIBER_ID = 'syncwell-webhooks';
export const WEBHOOK_PATH = '/v1/webhooks/google_health';
/** The Google Health data types SyncWell syncs, as the API names them. */
export const NOTIFIED_DATA_TYPES = Object.keys(googleHealthProfile.changeNotifications.dataTypeOf).sort();

export interface SubscriberSettings {
  /** The Google Health API's base URL (`https://health.googleapis.com`, or the sandbox's). */
  apiBaseUrl: string;
  /** `{project}` of `projects/{project}`: the Google Cloud project id or number. */
  project: string;
  subscriberId?: string;
  /** Where Google posts notifications: the API's public origin + /v1/webhooks/google_health. */
  endpointUri: string;
  /** The Authorization value the endpoint expects (GOOGLE_HEALTH_WEBHOOK_AUTHORIZATION). */
  authorization: string;
  /** An OAuth access token with the cloud-platform scope. */
  accessToken: string;
  /** Send the secret again (Google re-verifies) although nothing else changed. */
  rotateAuthorization?: boolean;
}

export interface SubscriberOutcome {
  action: 'created' | 'updated' | 'unchanged';
  /** `projects/{project}/subscribers/{id}` */
  name: string;
  /** The fields patched (Google's update mask), for `updated`. */
  updated: string[];
}

interface SubscriberConfig {
  dataTypes: string[];
  subscriptionCreatePolicy: string;
}

interface Subscriber {
  name: string;
  endpointUri?: string;
  endpointAuthorization?: { secretSet?: boolean };
  subscriberConfigs?: SubscriberConfig[];
}

/** A failed call, worded from Google's error body (never the request: it holds the secret). */
export class GoogleHealthSubscriberError extends Error {
  override readonly name = 'GoogleHealthSubscriberError';
  constructor(
    readonly status: number,
    readonly googleStatus: string | undefined,
    message: string,
  ) {
    super(message);
  }
}

const sameConfigs = (a: SubscriberConfig[], b: SubscriberConfig[]) => {
  const key = (configs: SubscriberConfig[]) =>
    JSON.stringify(
      configs.map((c) => `${c.subscriptionCreatePolicy}:${[...c.dataTypes].sort().join(',')}`).sort(),
    );
  return key(a) === key(b);
};

export async function ensureGoogleHealthSubscriber(s: SubscriberSettings): Promise<SubscriberOutcome> {
  const base = `${s.apiBaseUrl.replace(/\/$/, '')}/v4`;
  const parent = `projects/${s.project}`;
  const id = s.subscriberId ?? DEFAULT_SUBSCRIBER_ID;

  async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const res = await fetch(`${base}/${path}`, {
      method,
      headers: {
        authorization: `Bearer ${s.accessToken}`,
        accept: 'application/json',
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      signal: AbortSignal.timeout(60_000),
    });
    const text = await res.text();
    let json: unknown;
    try {
      json = text ? JSON.parse(text) : {};
    } catch {
      json = {};
    }
    const error = (json as { error?: { status?: string; message?: string } }).error;
    if (!res.ok || error)
      throw new GoogleHealthSubscriberError(
        res.status,
        error?.status,
        `${method} ${path}: ${res.status} ${error?.status ?? ''} ${error?.message ?? ''}`.trim(),
      );
    return json as T;
  }

  /** An Operation's outcome: the documented methods answer one, done or with an error. */
  function finished(operation: { done?: boolean; error?: { code?: number; message?: string } }) {
    if (operation.error)
      throw new GoogleHealthSubscriberError(
        operation.error.code ?? 500,
        undefined,
        `operation failed: ${operation.error.message ?? 'unknown error'}`,
      );
  }

  const existing: Subscriber[] = [];
  let pageToken: string | undefined;
  do {
    const page = await call<{ subscribers?: Subscriber[]; nextPageToken?: string }>(
      'GET',
      `${parent}/subscribers?pageSize=1000${pageToken ? `&pageToken=${encodeURIComponent(pageToken)}` : ''}`,
    );
    existing.push(...(page.subscribers ?? []));
    pageToken = page.nextPageToken;
  } while (pageToken);

  const configs: SubscriberConfig[] = [
    { dataTypes: NOTIFIED_DATA_TYPES, subscriptionCreatePolicy: 'AUTOMATIC' },
  ];
  const wanted = {
    endpointUri: s.endpointUri,
    endpointAuthorization: { secret: s.authorization },
    subscriberConfigs: configs,
  };
  // Google may name the project by number where it was given by id: the subscriber id decides.
  const current = existing.find((sub) => sub.name.endsWith(`/subscribers/${id}`));
  if (!current) {
    const operation = await call<{ done?: boolean; response?: Subscriber; error?: { message?: string } }>(
      'POST',
      `${parent}/subscribers?subscriberId=${encodeURIComponent(id)}`,
      wanted,
    );
    finished(operation);
    return {
      action: 'created',
      name: operation.response?.name ?? `${parent}/subscribers/${id}`,
      updated: [],
    };
  }

  const mask: string[] = [];
  // A new endpoint is verified with the secret Google holds: send ours with it.
  if (current.endpointUri !== s.endpointUri) mask.push('endpoint_uri', 'endpoint_authorization');
  else if (s.rotateAuthorization || current.endpointAuthorization?.secretSet !== true)
    mask.push('endpoint_authorization');
  if (!sameConfigs(current.subscriberConfigs ?? [], configs)) mask.push('subscriber_configs');
  if (mask.length === 0) return { action: 'unchanged', name: current.name, updated: [] };
  const operation = await call<{ done?: boolean; error?: { message?: string } }>(
    'PATCH',
    `${current.name}?updateMask=${mask.join(',')}`,
    wanted,
  );
  finished(operation);
  return { action: 'updated', name: current.name, updated: mask };
}

const USAGE = `usage: npm run google-health:subscribe -- --project <project> [--endpoint <url>] [--subscriber-id <id>] [--rotate-authorization]
  env: GOOGLE_HEALTH_WEBHOOK_AUTHORIZATION, GOOGLE_HEALTH_ACCESS_TOKEN (cloud-platform scope),
       OAUTH_REDIRECT_BASE_URL (without --endpoint), PROVIDER_SANDBOX_URL (local sandbox)`;

async function main(): Promise<void> {
  let values;
  try {
    ({ values } = parseArgs({
      options: {
        project: { type: 'string' },
        endpoint: { type: 'string' },
        'subscriber-id': { type: 'string' },
        'rotate-authorization': { type: 'boolean' },
        help: { type: 'boolean' },
      },
    }));
  } catch (error) {
    console.error(`${(error as Error).message}\n${USAGE}`);
    process.exit(2);
  }
  if (values.help) {
    console.log(USAGE);
    return;
  }
  const env = process.env;
  const origin = env.OAUTH_REDIRECT_BASE_URL?.replace(/\/$/, '');
  const endpointUri = values.endpoint ?? (origin ? `${origin}${WEBHOOK_PATH}` : undefined);
  const missing = [
    !values.project && '--project',
    !endpointUri && '--endpoint (or OAUTH_REDIRECT_BASE_URL)',
    !env.GOOGLE_HEALTH_WEBHOOK_AUTHORIZATION && 'GOOGLE_HEALTH_WEBHOOK_AUTHORIZATION',
    !env.GOOGLE_HEALTH_ACCESS_TOKEN && 'GOOGLE_HEALTH_ACCESS_TOKEN',
  ].filter(Boolean);
  if (missing.length > 0) {
    console.error(`missing: ${missing.join(', ')}\n${USAGE}`);
    process.exit(2);
  }
  const outcome = await ensureGoogleHealthSubscriber({
    apiBaseUrl: providerEndpoints('google_health', env.PROVIDER_SANDBOX_URL || undefined).apiBaseUrl,
    project: values.project!,
    ...(values['subscriber-id'] ? { subscriberId: values['subscriber-id'] } : {}),
    endpointUri: endpointUri!,
    authorization: env.GOOGLE_HEALTH_WEBHOOK_AUTHORIZATION!,
    accessToken: env.GOOGLE_HEALTH_ACCESS_TOKEN!,
    rotateAuthorization: values['rotate-authorization'] ?? false,
  });
  console.log(JSON.stringify({ ...outcome, endpointUri }));
}

if (import.meta.url === `file://${process.argv[1]}`)
  main().catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : String(error));
    process.exit(1);
  });
