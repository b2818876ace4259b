// Connecting a provider (spec §2, OAuth 2.0 authorization code): createConnection makes a pending
// connection and a single-use state, the provider redirects the browser to completeOAuth, which
// exchanges the code, stores the tokens in the secret store (the CONN item keeps only the random
// UUID pointer) and activates the connection.
import { randomUUID } from 'node:crypto';
import { AppError } from '../../core/errors/AppError.js';
import { appCredentials } from '../../core/oauth/appCredentials.js';
import {
  appRedirectLocation,
  isAllowedAppRedirect,
  parseAppRedirectAllowList,
} from '../../core/oauth/appRedirect.js';
import type { ConsumedState } from '../../core/oauth/oauthStateRepository.js';
import {
  buildAuthorizationUrl,
  createPkcePair,
  exchangeAuthorizationCode,
  fetchProviderIdentity,
  type ProviderIdentity,
  OAuthGrantError,
} from '../../core/oauth/oauthClient.js';
import { providerEndpoints } from '../../core/providers/endpoints.js';
import { cloudProfile } from '../../core/providers/profiles.js';
import type { CloudProvider } from '../../core/domain/types.js';
import type { ConnectionRecord } from '../../core/store/connectionRepository.js';
import type { HandlerMap, OperationRequest, RequestContext } from '../http/operationTypes.js';
import { noticesFor, toConnectionView } from './connectionView.js';
import { callerOf, idempotencyOf, type HandlerDependencies } from './dependencies.js';
import type { ProviderTokens } from '../../core/secrets/providerTokens.js';
import { clock } from '../../core/clock/clock.js';
import { accountDeleted } from '../middleware/accountGate.js';

const RETRY_UNCONFIGURED_SECONDS = 3600;
const RETRY_PROVIDER_SECONDS = 30;

export function callbackUrl(d: HandlerDependencies, provider: CloudProvider): string {
  const base = d.config.OAUTH_REDIRECT_BASE_URL ?? `http://${d.config.HOST}:${d.config.PORT}`;
  return `${base.replace(/\/$/, '')}/v1/oauth/${provider}/callback`;
}

function providerUnavailable(provider: CloudProvider, cause: unknown) {
  return new AppError(503, 'provider_unavailable', {
    params: { provider, retryAfterSeconds: RETRY_PROVIDER_SECONDS },
    headers: { 'Retry-After': String(RETRY_PROVIDER_SECONDS) },
    cause,
  });
}

type OAuthOps = 'createConnection' | 'completeOAuth';

export function connectionOAuthHandlers(d: HandlerDependencies): Pick<HandlerMap, OAuthOps> {
  const allowedRedirects = parseAppRedirectAllowList(d.config.OAUTH_ALLOWED_REDIRECT_PREFIXES);

  /**
   * The callback's work once the state is consumed: exchanges the code, stores the tokens and
   * activates the connection; every failure is an AppError with the problem code the answer uses.
   */
  async function finishAuthorization(
    pending: ConsumedState | undefined,
    provider: CloudProvider,
    query: OperationRequest<'completeOAuth'>['query'],
    ctx: RequestContext,
  ): Promise<ConnectionRecord> {
    // A state for another provider is as unknown as a made-up one.
    if (!pending || pending.provider !== provider)
      throw new AppError(404, 'not_found', { params: { resource: 'authorization state' } });
    // The account was deleted after the authorization started: no tokens may be stored for it.
    if (await d.accountStatus.isDeleted(pending.userId)) throw accountDeleted();
    const dropPending = async () => {
      const conn = await d.connections.get(pending.userId, pending.connectionId);
      if (conn?.status === 'pending') await d.connections.delete(pending.userId, pending.connectionId);
      await d.userConfig.invalidate(pending.userId);
    };
    if (pending.expired) {
      await dropPending();
      throw new AppError(404, 'not_found', { params: { resource: 'authorization state' } });
    }
    if (query.error || !query.code) {
      await dropPending();
      const error = query.error ?? 'missing_code';
      throw new AppError(400, 'oauth_denied', {
        params: { provider, error },
        errors: [
          {
            location: 'query',
            path: query.error ? '/error' : '/code',
            message: query.error_description ?? error,
            code: error,
          },
        ],
      });
    }
    const credentials = appCredentials(d.config, provider);
    if (!credentials)
      throw new AppError(503, 'provider_not_configured', {
        params: { provider, retryAfterSeconds: RETRY_UNCONFIGURED_SECONDS },
        headers: { 'Retry-After': String(RETRY_UNCONFIGURED_SECONDS) },
      });
    const spec = providerEndpoints(provider, d.config.PROVIDER_SANDBOX_URL);
    let tokens: ProviderTokens;
    let providerUserId: string | undefined;
    let identity: ProviderIdentity;
    try {
      tokens = await exchangeAuthorizationCode(provider, spec, credentials, {
        code: query.code,
        redirectUri: callbackUrl(d, provider),
        codeVerifier: pending.codeVerifier,
      });
      identity = await fetchProviderIdentity(provider, spec, tokens);
      providerUserId = identity.userId;
    } catch (error) {
      await dropPending();
      if (error instanceof OAuthGrantError)
        throw new AppError(400, 'oauth_code_rejected', {
          params: { provider, oauthError: error.oauthError },
          errors: [
            {
              location: 'query',
              path: '/code',
              message: 'refused by the provider',
              code: error.oauthError,
            },
          ],
        });
      throw providerUnavailable(provider, error);
    }

    const now = clock.date().toISOString();
    // Reconnecting the same provider account revives the existing connection (its sync
    // configurations keep pointing at it); the pending one is dropped.
    const previous = providerUserId
      ? await d.connections.findByProviderUser(pending.userId, provider, providerUserId)
      : undefined;
    const target = previous ?? (await d.connections.get(pending.userId, pending.connectionId));
    if (!target) throw new AppError(404, 'not_found', { params: { resource: 'authorization state' } });
    const credentialRef = await d.secrets.create(tokens);
    const activated: ConnectionRecord | undefined = await d.connections.activate(
      pending.userId,
      target.connectionId,
      {
        credentialRef,
        ...(providerUserId ? { providerUserId } : {}),
        now,
      },
    );
    if (!activated) {
      await d.secrets.delete(credentialRef).catch(() => undefined);
      throw new AppError(404, 'not_found', { params: { resource: 'authorization state' } });
    }
    // The old secret of a revived connection is replaced, not left behind.
    if (previous?.credentialRef && previous.credentialRef !== credentialRef)
      await d.secrets
        .delete(previous.credentialRef)
        .catch((error: unknown) =>
          ctx.logger.warn({ err: error, connectionId: previous.connectionId }, 'old credentials not deleted'),
        );
    if (previous && previous.connectionId !== pending.connectionId) await dropPending();
    // Webhooks name only the provider's user: link it to this connection for the coalescer.
    if (providerUserId)
      await d.providerUsers.link(provider, providerUserId, {
        userId: pending.userId,
        connectionId: activated.connectionId,
      });
    await d.userConfig.invalidate(pending.userId);
    ctx.logger.info(
      { connectionId: activated.connectionId, provider, revived: Boolean(previous) },
      'connection activated',
    );
    await migrateRetiringConnections(pending.userId, activated, identity.legacy, ctx);
    return activated;
  }

  /**
   * The user reconnected through a retiring provider's replacement (seed Appendix B): the retiring
   * connections whose notice this user sees (operators' dates, the migration cohort's flag) hand
   * their configurations over and go. The new connection stands whatever happens here; a failure is
   * logged and the next reconnect finishes the migration (every step is idempotent).
   */
  async function migrateRetiringConnections(
    userId: string,
    activated: ConnectionRecord,
    legacy: ProviderIdentity['legacy'],
    ctx: RequestContext,
  ) {
    try {
      const tier = (await d.profiles.get(userId))?.subscriptionLevel ?? 'FREE';
      await d.providerMigration.migrateTo(
        userId,
        activated,
        noticesFor(d.dynamicConfig, { userId, tier }),
        legacy,
      );
    } catch (error) {
      ctx.logger.error(
        { err: error, connectionId: activated.connectionId },
        'retiring connections not migrated; the next reconnect retries',
      );
    }
  }

  return {
    async createConnection({ body }, ctx) {
      const { userId } = callerOf(ctx);
      const { reservedId } = idempotencyOf(ctx);
      const provider = body.provider;
      const credentials = appCredentials(d.config, provider);
      if (!credentials)
        throw new AppError(503, 'provider_not_configured', {
          params: { provider, retryAfterSeconds: RETRY_UNCONFIGURED_SECONDS },
          headers: { 'Retry-After': String(RETRY_UNCONFIGURED_SECONDS) },
        });
      // A provider being rolled out (its profile names a flag) opens to the cohorts the dynamic
      // configuration lets in (seed Appendix B: gradual migration behind a feature flag).
      const { rolloutFlag } = cloudProfile(provider);
      if (rolloutFlag && !d.dynamicConfig.isEnabled(rolloutFlag, { userId, tier: callerOf(ctx).tier }))
        throw new AppError(409, 'provider_not_available', { params: { provider } });
      if (body.redirectUri !== undefined && !isAllowedAppRedirect(body.redirectUri, allowedRedirects))
        throw new AppError(400, 'redirect_uri_not_allowed', {
          params: { allowed: d.config.OAUTH_ALLOWED_REDIRECT_PREFIXES },
          errors: [
            { location: 'body', path: '/redirectUri', message: 'not on the allow-list', code: 'not_allowed' },
          ],
        });

      const now = clock.date();
      // Derived from the idempotency reservation: a retried request reuses the same connection.
      const connectionId = `conn_${reservedId}`;
      const state = randomUUID();
      const expiresAt = now.getTime() + d.config.OAUTH_STATE_TTL_SECONDS * 1000;
      const spec = providerEndpoints(provider, d.config.PROVIDER_SANDBOX_URL);
      const pkce = spec.pkce ? createPkcePair() : undefined;
      const existing = await d.connections.get(userId, connectionId);
      if (!existing)
        await d.connections.create({
          userId,
          connectionId,
          provider,
          status: 'pending',
          credentialRef: null,
          createdAt: now.toISOString(),
          updatedAt: now.toISOString(),
        });
      await d.oauthStates.create({
        state,
        userId,
        connectionId,
        provider,
        codeVerifier: pkce?.verifier ?? null,
        appRedirectUri: body.redirectUri ?? null,
        expiresAt,
      });
      await d.userConfig.invalidate(userId);
      const authorizationUrl = buildAuthorizationUrl(spec, credentials, {
        redirectUri: callbackUrl(d, provider),
        state,
        ...(pkce ? { codeChallenge: pkce.challenge } : {}),
      });
      ctx.logger.info({ connectionId, provider }, 'connection pending authorization');
      return {
        status: 201,
        body: {
          connectionId,
          provider,
          authorizationUrl,
          state,
          expiresAt: new Date(expiresAt).toISOString(),
        },
      };
    },

    async completeOAuth({ params, query }, ctx) {
      const pending = await d.oauthStates.consume(query.state);
      const appRedirectUri = pending?.appRedirectUri;
      if (!appRedirectUri) {
        const activated = await finishAuthorization(pending, params.provider, query, ctx);
        return { status: 200, body: toConnectionView(activated, d.config.ASSET_BASE_URL) };
      }
      // The app waits for its link (ASWebAuthenticationSession, Custom Tabs): every outcome goes
      // there, a failure as its problem code.
      let outcome: Parameters<typeof appRedirectLocation>[1];
      try {
        const activated = await finishAuthorization(pending, params.provider, query, ctx);
        outcome = { connectionId: activated.connectionId, status: activated.status };
      } catch (error) {
        const appError = error instanceof AppError ? error : undefined;
        if (!appError || appError.status >= 500)
          ctx.logger.error({ err: appError?.cause ?? error, code: appError?.code }, 'OAuth callback failed');
        else ctx.logger.debug({ code: appError.code }, 'OAuth callback rejected');
        outcome = { error: appError?.code ?? 'internal_error' };
      }
      return {
        status: 302,
        body: undefined,
        headers: { Location: appRedirectLocation(appRedirectUri, outcome) },
      };
    },
  };
}
