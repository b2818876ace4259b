// Notifications in the Google Health API fake: the document's `projects.subscribers` (create, list,
// patch, delete) and `projects.subscribers.subscriptions` (create, list, patch, delete), and the
// webhook calls Google makes to a subscriber's endpoint.
// - Creating a subscriber (or patching its endpoint or authorization) verifies the endpoint as the
//   create method's description says: a POST `{"type":"verification"}` with the `Authorization`
//   secret must answer 201 and one without it 401 or 403, else the call fails (400
//   FAILED_PRECONDITION) and nothing is stored. The secret is input only: answers say `secretSet`.
// - A change of a user's data points (`notify`) is delivered to every subscriber with a config for
//   the data type: AUTOMATIC ones for every user whose consent covers reading the type, MANUAL ones
//   through the user's subscriptions that list it. Changes made in one turn of the event loop are
//   batched per endpoint (one entry per subscription, user, type and operation, its data points'
//   intervals listed; at most 99 entries a call), POSTed with the secret as `Authorization` and
//   `GOOGLE-HEALTH-API-SIGNATURE`, an ECDSA P-256 / SHA-256 signature of the body (base64 DER) by a
//   key of this fake (`publicKeyPem`). No health values, no retries; every call is recorded.
// Assumptions where the document is silent: a subscriber endpoint may be plain http on a loopback
// host (the local stack has no TLS); `clientProvidedSubscriptionName` is the subscription's name,
// or the subscriber's for AUTOMATIC delivery (no subscription exists); a project is whatever
// `projects/{project}` names (no IAM: a token with the cloud-platform scope manages any).
import { generateKeyPairSync, randomUUID, sign } from 'node:crypto';
import type { SandboxReply } from '../types.js';
import { googleError, invalidArgument, type Json } from './googleErrors.js';

const TYPE_URL = 'type.googleapis.com/google.devicesandservices.health.v4.';
const EMPTY_TYPE = 'type.googleapis.com/google.protobuf.Empty';
const ID = /^[a-z]([a-z0-9-]{2,34}[a-z0-9])$/;
const MAX_ENTRIES_PER_CALL = 99;
/** The scope of the `projects.*` methods. */
export const CLOUD_PLATFORM_SCOPE = 'https://www.googleapis.com/auth/cloud-platform';

type Policy = 'AUTOMATIC' | 'MANUAL';

interface StoredSubscriber {
  name: string;
  endpointUri: string;
  secret: string;
  configs: { dataTypes: string[]; subscriptionCreatePolicy: Policy }[];
  createTime: string;
  updateTime: string;
}

interface StoredSubscription {
  name: string;
  /** `users/{healthUserId}` */
  user: string;
  /** Plain type ids (`steps`); served as `users/{id}/dataTypes/{type}`. */
  dataTypes: string[];
}

/** One call the fake made to a subscriber endpoint, as tests read it back. */
export interface WebhookCall {
  kind: 'verification' | 'notification';
  subscriber: string;
  endpointUri: string;
  /** Whether the call carried the subscriber's secret as `Authorization`. */
  authorized: boolean;
  /** The endpoint's answer; 0 when it could not be reached. */
  status: number;
  body: unknown;
}

/** A changed data point: its owner, its type and operation, and its interval as notifications carry it. */
export interface DataPointChange {
  sandboxUserId: string;
  healthUserId: string;
  /** The document's type id (`exercise`, `steps`, ...). */
  dataType: string;
  operation: 'UPSERT' | 'DELETE';
  /** `{physicalTimeInterval: {startTime, endTime}, civilDateTimeInterval: {start, end}}` */
  interval: Json;
}

export interface SubscriberRegistryDeps {
  now: () => number;
  /** Whether `type` is a data type id of the document. */
  isDataType(type: string): boolean;
  /** Whether a health user id belongs to a user of the fake. */
  hasUser(healthUserId: string): boolean;
  /** Whether the user's consent to the app (a grant not revoked) covers reading `dataType`. */
  consents(sandboxUserId: string, dataType: string): boolean;
}

export interface SubscriberRegistry {
  handle(
    methodId: string,
    path: Record<string, string>,
    query: URLSearchParams,
    body: Json,
  ): Promise<SandboxReply>;
  notify(change: DataPointChange): void;
  /** Resolves when every delivery started so far has been answered. */
  settled(): Promise<void>;
  calls(): readonly WebhookCall[];
  readonly publicKeyPem: string;
  reset(): void;
}

const timestamp = (ms: number) => new Date(ms).toISOString().replace('.000Z', 'Z');
const typeOf = (dataType: string) => dataType.split('/').pop()!;
const notFound = (what: string) => googleError(404, 'NOT_FOUND', `${what} not found.`);
const failedPrecondition = (message: string, reason: string) =>
  googleError(400, 'FAILED_PRECONDITION', message, [
    { '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason, domain: 'health.googleapis.com' },
  ]);

/** Google's field masks name fields in snake case or camel case. */
const maskFields = (mask: string | null) =>
  (mask ?? '')
    .split(',')
    .map((f) => f.trim().replace(/_([a-z])/g, (_, c: string) => c.toUpperCase()))
    .filter(Boolean);

/** An endpoint Google would call: https, or (sandbox only) http on a loopback host. */
function endpointProblem(uri: string): string | undefined {
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    return 'endpointUri is not a valid URL.';
  }
  const loopback = ['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname);
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && loopback))
    return 'endpointUri must use the https scheme.';
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// subscriptions.list filter (AIP-160): `user = "users/1"`, `data_type = "sleep"`, AND / OR, ( ).

type Filter =
  { kind: 'and' | 'or'; parts: Filter[] } | { kind: 'eq'; field: 'user' | 'data_type'; value: string };

function parseSubscriptionFilter(text: string): Filter | undefined {
  const tokens = text.match(/"(?:[^"\\]|\\.)*"|\(|\)|=|[A-Za-z_]+|\S/g) ?? [];
  if (tokens.length === 0) return undefined;
  let at = 0;
  const bad = (): never => {
    throw new Error(`Invalid filter: ${text}`);
  };
  const term = (): Filter => {
    if (tokens[at] === '(') {
      at += 1;
      const inner = expression();
      if (tokens[at++] !== ')') bad();
      return inner;
    }
    const field = tokens[at++];
    if (field !== 'user' && field !== 'data_type') return bad();
    if (tokens[at++] !== '=') bad();
    const literal = tokens[at++] ?? '';
    if (!/^".*"$/.test(literal)) bad();
    return { kind: 'eq', field, value: literal.slice(1, -1).replace(/\\(.)/g, '$1') };
  };
  // AIP-160: OR binds tighter than AND.
  const factor = (): Filter => {
    const parts = [term()];
    while (tokens[at] === 'OR') {
      at += 1;
      parts.push(term());
    }
    return parts.length === 1 ? parts[0]! : { kind: 'or', parts };
  };
  const expression = (): Filter => {
    const parts = [factor()];
    while (tokens[at] === 'AND') {
      at += 1;
      parts.push(factor());
    }
    return parts.length === 1 ? parts[0]! : { kind: 'and', parts };
  };
  const tree = expression();
  if (at < tokens.length) bad();
  return tree;
}

function matchesFilter(filter: Filter | undefined, s: StoredSubscription): boolean {
  if (!filter) return true;
  if (filter.kind === 'eq')
    return filter.field === 'user' ? s.user === filter.value : s.dataTypes.includes(typeOf(filter.value));
  return filter.kind === 'and'
    ? filter.parts.every((p) => matchesFilter(p, s))
    : filter.parts.some((p) => matchesFilter(p, s));
}

/** One page of `items` from the page token's offset; the token remembers the query it belongs to. */
function page<T>(items: T[], query: URLSearchParams, key: string): { items: T[]; next?: string } | string {
  const requested = Number(query.get('pageSize') ?? query.get('page_size') ?? '0');
  if (requested < 0) return 'page_size must not be negative.';
  const size = requested === 0 ? 50 : Math.min(requested, 1000);
  const token = query.get('pageToken') ?? query.get('page_token');
  let offset = 0;
  if (token) {
    try {
      const parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as {
        k?: unknown;
        o?: unknown;
      };
      if (parsed.k !== key || typeof parsed.o !== 'number') return 'Invalid page token.';
      offset = parsed.o;
    } catch {
      return 'Invalid page token.';
    }
  }
  const slice = items.slice(offset, offset + size);
  const more = offset + size < items.length;
  return {
    items: slice,
    ...(more
      ? { next: Buffer.from(JSON.stringify({ k: key, o: offset + size })).toString('base64url') }
      : {}),
  };
}

// ---------------------------------------------------------------------------------------------

export function createSubscriberRegistry(deps: SubscriberRegistryDeps): SubscriberRegistry {
  const subscribers = new Map<string, StoredSubscriber>();
  const subscriptions = new Map<string, StoredSubscription>();
  const calls: WebhookCall[] = [];
  const inFlight = new Set<Promise<void>>();
  /** Changes of this turn of the event loop, per subscriber, then per notification entry. */
  let pending = new Map<string, Map<string, { data: Json; intervals: Json[] }>>();
  let flushScheduled = false;
  let generation = 0;
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const publicKeyPem = publicKey.export({ type: 'spki', format: 'pem' }).toString();

  function track(work: Promise<void>): Promise<void> {
    inFlight.add(work);
    void work.finally(() => inFlight.delete(work));
    return work;
  }

  async function post(
    kind: WebhookCall['kind'],
    subscriber: Pick<StoredSubscriber, 'name' | 'endpointUri' | 'secret'>,
    body: unknown,
    authorized: boolean,
  ): Promise<WebhookCall> {
    const raw = JSON.stringify(body);
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (authorized) headers.authorization = subscriber.secret;
    if (kind === 'notification')
      headers['google-health-api-signature'] = sign('sha256', Buffer.from(raw), privateKey).toString(
        'base64',
      );
    let status = 0;
    try {
      const res = await fetch(subscriber.endpointUri, {
        method: 'POST',
        headers,
        body: raw,
        signal: AbortSignal.timeout(10_000),
      });
      await res.arrayBuffer();
      status = res.status;
    } catch {
      // Unreachable, refused or too slow: recorded as status 0.
    }
    const call = {
      kind,
      subscriber: subscriber.name,
      endpointUri: subscriber.endpointUri,
      authorized,
      status,
      body,
    };
    calls.push(call);
    return call;
  }

  /** Google's two verification calls; undefined when the endpoint passes, else what went wrong. */
  async function verify(subscriber: StoredSubscriber): Promise<string | undefined> {
    const work = (async () => {
      const withSecret = await post('verification', subscriber, { type: 'verification' }, true);
      if (withSecret.status !== 201)
        return `the verification with Authorization was answered ${withSecret.status || 'not at all'}, not 201`;
      const without = await post('verification', subscriber, { type: 'verification' }, false);
      if (without.status !== 401 && without.status !== 403)
        return `the verification without Authorization was answered ${without.status || 'not at all'}, not 401 or 403`;
      return undefined;
    })();
    void track(work.then(() => undefined));
    return work;
  }

  function subscriberView(s: StoredSubscriber): Json {
    return {
      name: s.name,
      endpointUri: s.endpointUri,
      endpointAuthorization: { secretSet: true },
      ...(s.configs.length ? { subscriberConfigs: s.configs } : {}),
      state: 'ACTIVE',
      createTime: s.createTime,
      updateTime: s.updateTime,
    };
  }

  function subscriptionView(s: StoredSubscription): Json {
    return {
      name: s.name,
      user: s.user,
      dataTypes: s.dataTypes.map((t) => `${s.user}/dataTypes/${t}`),
    };
  }

  const operation = (response: Json): SandboxReply => ({
    status: 200,
    body: { name: `operations/${randomUUID()}`, done: true, response },
  });

  /** The subscriber's configs from a request, or what is wrong with them. */
  function configsOf(input: unknown): StoredSubscriber['configs'] | string {
    const configs = (input ?? []) as { dataTypes?: string[]; subscriptionCreatePolicy?: string }[];
    const out: StoredSubscriber['configs'] = [];
    for (const c of configs) {
      if (c.subscriptionCreatePolicy !== 'AUTOMATIC' && c.subscriptionCreatePolicy !== 'MANUAL')
        return 'subscriberConfigs.subscriptionCreatePolicy must be AUTOMATIC or MANUAL.';
      const types = c.dataTypes ?? [];
      if (types.length === 0) return 'subscriberConfigs.dataTypes must not be empty.';
      const unknown = types.find((t) => !deps.isDataType(t));
      if (unknown !== undefined) return `Unknown data type in subscriberConfigs: ${unknown}.`;
      out.push({ dataTypes: [...types], subscriptionCreatePolicy: c.subscriptionCreatePolicy });
    }
    return out;
  }

  function secretOf(body: Json): string | undefined {
    const secret = (body.endpointAuthorization as { secret?: unknown } | undefined)?.secret;
    return typeof secret === 'string' && secret !== '' ? secret : undefined;
  }

  async function createSubscriber(parent: string, query: URLSearchParams, body: Json): Promise<SandboxReply> {
    const id = query.get('subscriberId') ?? query.get('subscriber_id') ?? randomUUID();
    if (!ID.test(id) && !/^[0-9a-f-]{36}$/.test(id))
      return invalidArgument(
        'subscriber_id must be 4-36 characters matching [a-z]([a-z0-9-]{2,34}[a-z0-9]).',
        'INVALID_SUBSCRIBER_ID',
      );
    const name = `${parent}/subscribers/${id}`;
    if (subscribers.has(name))
      return googleError(409, 'ALREADY_EXISTS', `Subscriber ${name} already exists.`);
    const secret = secretOf(body);
    if (!secret)
      return invalidArgument('endpointAuthorization.secret is required.', 'INVALID_ENDPOINT_AUTHORIZATION');
    const uri = String(body.endpointUri);
    const problem = endpointProblem(uri);
    if (problem) return invalidArgument(problem, 'INVALID_ENDPOINT_URI');
    const configs = configsOf(body.subscriberConfigs);
    if (typeof configs === 'string') return invalidArgument(configs, 'INVALID_SUBSCRIBER_CONFIG');
    const now = timestamp(deps.now());
    const candidate: StoredSubscriber = {
      name,
      endpointUri: uri,
      secret,
      configs,
      createTime: now,
      updateTime: now,
    };
    const failed = await verify(candidate);
    if (failed)
      return failedPrecondition(`Endpoint verification failed: ${failed}.`, 'ENDPOINT_VERIFICATION_FAILED');
    if (subscribers.has(name))
      return googleError(409, 'ALREADY_EXISTS', `Subscriber ${name} already exists.`);
    subscribers.set(name, candidate);
    return operation({ '@type': `${TYPE_URL}Subscriber`, ...subscriberView(candidate) });
  }

  async function patchSubscriber(name: string, query: URLSearchParams, body: Json): Promise<SandboxReply> {
    const current = subscribers.get(name);
    if (!current) return notFound(`Subscriber ${name}`);
    const supported = ['endpointUri', 'subscriberConfigs', 'endpointAuthorization'];
    const mask =
      query.has('updateMask') || query.has('update_mask')
        ? maskFields(query.get('updateMask') ?? query.get('update_mask'))
        : supported.filter((f) => body[f] !== undefined);
    const unsupported = mask.find((f) => !supported.includes(f));
    if (unsupported)
      return invalidArgument(`update_mask: ${unsupported} cannot be updated.`, 'INVALID_UPDATE_MASK');
    const next: StoredSubscriber = { ...current, updateTime: timestamp(deps.now()) };
    if (mask.includes('endpointUri')) {
      const problem = endpointProblem(String(body.endpointUri));
      if (problem) return invalidArgument(problem, 'INVALID_ENDPOINT_URI');
      next.endpointUri = String(body.endpointUri);
    }
    if (mask.includes('endpointAuthorization')) {
      const secret = secretOf(body);
      if (!secret)
        return invalidArgument('endpointAuthorization.secret is required.', 'INVALID_ENDPOINT_AUTHORIZATION');
      next.secret = secret;
    }
    if (mask.includes('subscriberConfigs')) {
      const configs = configsOf(body.subscriberConfigs);
      if (typeof configs === 'string') return invalidArgument(configs, 'INVALID_SUBSCRIBER_CONFIG');
      next.configs = configs;
    }
    if (mask.includes('endpointUri') || mask.includes('endpointAuthorization')) {
      const failed = await verify(next);
      if (failed)
        return failedPrecondition(`Endpoint verification failed: ${failed}.`, 'ENDPOINT_VERIFICATION_FAILED');
    }
    if (!subscribers.has(name)) return notFound(`Subscriber ${name}`);
    subscribers.set(name, next);
    return operation({ '@type': `${TYPE_URL}Subscriber`, ...subscriberView(next) });
  }

  function listSubscribers(parent: string, query: URLSearchParams): SandboxReply {
    const mine = [...subscribers.values()].filter((s) => s.name.startsWith(`${parent}/subscribers/`));
    const result = page(mine, query, `subscribers:${parent}`);
    if (typeof result === 'string') return invalidArgument(result, 'INVALID_PAGE_TOKEN');
    return {
      status: 200,
      body: {
        ...(result.items.length ? { subscribers: result.items.map(subscriberView) } : {}),
        ...(result.next ? { nextPageToken: result.next } : {}),
        ...(mine.length ? { totalSize: mine.length } : {}),
      },
    };
  }

  function deleteSubscriber(name: string, query: URLSearchParams): SandboxReply {
    if (!subscribers.has(name)) return notFound(`Subscriber ${name}`);
    const children = [...subscriptions.keys()].filter((k) => k.startsWith(`${name}/subscriptions/`));
    if (children.length > 0 && query.get('force') !== 'true')
      return failedPrecondition(
        `Subscriber ${name} has ${children.length} subscription(s); delete them first or set force.`,
        'SUBSCRIBER_HAS_SUBSCRIPTIONS',
      );
    for (const child of children) subscriptions.delete(child);
    subscribers.delete(name);
    pending.delete(name);
    return operation({ '@type': EMPTY_TYPE });
  }

  /** The subscription's data types from a request (all of the subscriber's MANUAL ones by default). */
  function subscriptionTypes(
    subscriber: StoredSubscriber,
    user: string,
    given: unknown,
  ): string[] | SandboxReply {
    const manual = subscriber.configs
      .filter((c) => c.subscriptionCreatePolicy === 'MANUAL')
      .flatMap((c) => c.dataTypes);
    const requested = ((given ?? []) as string[]).map((t) => {
      const full = /^users\/([^/]+)\/dataTypes\/([^/]+)$/.exec(t);
      return full ? { user: `users/${full[1]}`, type: full[2]! } : { user, type: t };
    });
    if (requested.some((r) => r.user !== user))
      return invalidArgument('dataTypes must name the subscription’s user.', 'INVALID_DATA_TYPES');
    const types = requested.length ? [...new Set(requested.map((r) => r.type))] : [...new Set(manual)];
    const outside = types.find((t) => !manual.includes(t));
    if (outside !== undefined || types.length === 0)
      return failedPrecondition(
        `The subscriber has no MANUAL subscription policy for ${outside ?? 'any data type'}.`,
        'SUBSCRIPTION_CREATE_POLICY_NOT_MANUAL',
      );
    return types;
  }

  function createSubscription(parent: string, query: URLSearchParams, body: Json): SandboxReply {
    const subscriber = subscribers.get(parent);
    if (!subscriber) return notFound(`Subscriber ${parent}`);
    const id = query.get('subscriptionId') ?? query.get('subscription_id') ?? randomUUID();
    if (!ID.test(id) && !/^[0-9a-f-]{36}$/.test(id))
      return invalidArgument(
        'subscription_id must be 4-36 characters matching [a-z]([a-z0-9-]{2,34}[a-z0-9]).',
        'INVALID_SUBSCRIPTION_ID',
      );
    const name = `${parent}/subscriptions/${id}`;
    if (subscriptions.has(name))
      return googleError(409, 'ALREADY_EXISTS', `Subscription ${name} already exists.`);
    const user = /^users\/([^/]+)$/.exec(String(body.user));
    if (!user) return invalidArgument('user must be users/{healthUserId}.', 'INVALID_USER');
    if (!deps.hasUser(user[1]!)) return notFound(`User ${user[0]}`);
    const types = subscriptionTypes(subscriber, user[0], body.dataTypes);
    if (!Array.isArray(types)) return types;
    const stored = { name, user: user[0], dataTypes: types };
    subscriptions.set(name, stored);
    return { status: 200, body: subscriptionView(stored) };
  }

  function patchSubscription(name: string, query: URLSearchParams, body: Json): SandboxReply {
    const current = subscriptions.get(name);
    const subscriber = subscribers.get(name.split('/subscriptions/')[0]!);
    if (!current || !subscriber) return notFound(`Subscription ${name}`);
    const mask =
      query.has('updateMask') || query.has('update_mask')
        ? maskFields(query.get('updateMask') ?? query.get('update_mask'))
        : ['dataTypes'];
    const unsupported = mask.find((f) => f !== 'dataTypes');
    if (unsupported)
      return invalidArgument(`update_mask: ${unsupported} cannot be updated.`, 'INVALID_UPDATE_MASK');
    const types = subscriptionTypes(subscriber, current.user, body.dataTypes);
    if (!Array.isArray(types)) return types;
    const next = { ...current, dataTypes: types };
    subscriptions.set(name, next);
    return { status: 200, body: subscriptionView(next) };
  }

  function listSubscriptions(parent: string, query: URLSearchParams): SandboxReply {
    if (!subscribers.has(parent)) return notFound(`Subscriber ${parent}`);
    const filterText = query.get('filter') ?? '';
    let filter: Filter | undefined;
    try {
      filter = parseSubscriptionFilter(filterText);
    } catch (error) {
      return invalidArgument((error as Error).message, 'INVALID_FILTER');
    }
    const mine = [...subscriptions.values()].filter(
      (s) => s.name.startsWith(`${parent}/subscriptions/`) && matchesFilter(filter, s),
    );
    const result = page(mine, query, `subscriptions:${parent}:${filterText}`);
    if (typeof result === 'string') return invalidArgument(result, 'INVALID_PAGE_TOKEN');
    return {
      status: 200,
      body: {
        ...(result.items.length ? { subscriptions: result.items.map(subscriptionView) } : {}),
        ...(result.next ? { nextPageToken: result.next } : {}),
      },
    };
  }

  function deleteSubscription(name: string): SandboxReply {
    if (!subscriptions.delete(name)) return notFound(`Subscription ${name}`);
    return { status: 200, body: {} };
  }

  // -------------------------------------------------------------------------------------------
  // Deliveries.

  function enqueue(subscriber: StoredSubscriber, subscriptionName: string, change: DataPointChange): void {
    let entries = pending.get(subscriber.name);
    if (!entries) pending.set(subscriber.name, (entries = new Map()));
    const key = [subscriptionName, change.healthUserId, change.dataType, change.operation].join('\n');
    let entry = entries.get(key);
    if (!entry) {
      entry = {
        data: {
          version: '1',
          clientProvidedSubscriptionName: subscriptionName,
          healthUserId: change.healthUserId,
          operation: change.operation,
          dataType: change.dataType,
        },
        intervals: [],
      };
      entries.set(key, entry);
    }
    entry.intervals.push(change.interval);
    if (!flushScheduled) {
      flushScheduled = true;
      const at = generation;
      setImmediate(() => {
        if (at === generation) flush();
      });
    }
  }

  function flush(): void {
    flushScheduled = false;
    const batches = pending;
    pending = new Map();
    for (const [name, entries] of batches) {
      const subscriber = subscribers.get(name);
      if (!subscriber) continue;
      const notifications = [...entries.values()].map((e) => ({
        data: { ...e.data, intervals: e.intervals },
      }));
      for (let i = 0; i < notifications.length; i += MAX_ENTRIES_PER_CALL)
        void track(
          post('notification', subscriber, notifications.slice(i, i + MAX_ENTRIES_PER_CALL), true).then(
            () => undefined,
          ),
        );
    }
  }

  function notify(change: DataPointChange): void {
    if (!deps.consents(change.sandboxUserId, change.dataType)) return;
    const user = `users/${change.healthUserId}`;
    for (const subscriber of subscribers.values())
      for (const config of subscriber.configs) {
        if (!config.dataTypes.includes(change.dataType)) continue;
        if (config.subscriptionCreatePolicy === 'AUTOMATIC') enqueue(subscriber, subscriber.name, change);
        else
          for (const s of subscriptions.values())
            if (
              s.name.startsWith(`${subscriber.name}/subscriptions/`) &&
              s.user === user &&
              s.dataTypes.includes(change.dataType)
            )
              enqueue(subscriber, s.name, change);
      }
  }

  async function handle(
    methodId: string,
    path: Record<string, string>,
    query: URLSearchParams,
    body: Json,
  ): Promise<SandboxReply> {
    const parent = path.parent ?? '';
    const name = path.name ?? '';
    switch (methodId) {
      case 'health.projects.subscribers.create':
        return createSubscriber(parent, query, body);
      case 'health.projects.subscribers.list':
        return listSubscribers(parent, query);
      case 'health.projects.subscribers.patch':
        return patchSubscriber(name, query, body);
      case 'health.projects.subscribers.delete':
        return deleteSubscriber(name, query);
      case 'health.projects.subscribers.subscriptions.create':
        return createSubscription(parent, query, body);
      case 'health.projects.subscribers.subscriptions.list':
        return listSubscriptions(parent, query);
      case 'health.projects.subscribers.subscriptions.patch':
        return patchSubscription(name, query, body);
      case 'health.projects.subscribers.subscriptions.delete':
        return deleteSubscription(name);
      default:
        return googleError(
          501,
          'UNIMPLEMENTED',
          `The sandbox's Google Health fake does not implement ${methodId}.`,
        );
    }
  }

  return {
    handle,
    notify,
    async settled() {
      while (inFlight.size > 0 || flushScheduled) {
        if (flushScheduled) await new Promise((r) => setImmediate(r));
        await Promise.allSettled([...inFlight]);
      }
    },
    calls: () => calls,
    publicKeyPem,
    reset() {
      generation += 1;
      subscribers.clear();
      subscriptions.clear();
      pending = new Map();
      flushScheduled = false;
      calls.length = 0;
    },
  };
}

/**
 * A person's consent to the sandbox's Google client for `scopes`, as a browser and a server give it
 * (consent page as `sandboxUserId`, then the code exchange, over HTTP): the access token. With
 * `CLOUD_PLATFORM_SCOPE`, what `gcloud auth print-access-token` gives a project owner (the
 * `projects.subscribers` methods need it).
 */
export async function sandboxGoogleHealthToken(
  sandboxUrl: string,
  sandboxUserId: string,
  scopes: readonly string[],
): Promise<string> {
  const base = `${sandboxUrl.replace(/\/$/, '')}/google_health`;
  const consent = new URL(`${base}/o/oauth2/v2/auth`);
  const redirectUri = 'http://127.0.0.1/callback';
  for (const [k, v] of Object.entries({
    client_id: 'sandbox-google_health-client',
    redirect_uri: redirectUri,
    response_type: 'code',
    scope: scopes.join(' '),
    sandbox_user: sandboxUserId,
  }))
    consent.searchParams.set(k, v);
  const redirect = await fetch(consent, { redirect: 'manual' });
  const code = new URL(redirect.headers.get('location') ?? 'http://invalid/').searchParams.get('code');
  if (!code) throw new Error(`sandbox consent failed (${redirect.status})`);
  const res = await fetch(`${base}/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'authorization_code',
      code,
      redirect_uri: redirectUri,
      client_id: 'sandbox-google_health-client',
      client_secret: 'sandbox-google_health-secret',
    }),
  });
  const token = (await res.json()) as { access_token?: string };
  if (!res.ok || !token.access_token) throw new Error(`sandbox token exchange failed (${res.status})`);
  return token.access_token;
}
