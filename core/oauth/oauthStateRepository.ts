// Pending OAuth authorizations. The `state` sent to the provider is a random UUID that names an
// item holding who asked (user, pending connection), the PKCE verifier and the expiry. The
// callback consumes it with a conditional delete, so a state works once; expiry is checked on read
// (DynamoDB TTL deletes lazily and dynalite never does).
import type { CloudProvider } from '../domain/types.js';
import { isConditionalCheckFailed, type DocumentStore } from '../store/documentStore.js';
import { oauthStateKey as stateKey } from '../store/keys.js';
import { clock } from '../clock/clock.js';

export interface OAuthStateRecord {
  state: string;
  userId: string;
  connectionId: string;
  provider: CloudProvider;
  /** PKCE verifier; only useful together with the code the provider sends to our callback. */
  codeVerifier: string | null;
  /** The app's deep link to return to. */
  appRedirectUri: string | null;
  /** Epoch ms. */
  expiresAt: number;
}

/** A state taken out of the table; an expired one is still returned, so the caller can clean up. */
export type ConsumedState = OAuthStateRecord & { expired: boolean };

type OAuthStateItem = {
  PK: string;
  SK: string;
  Entity: 'OAUTHSTATE';
  UserId: string;
  ConnectionId: string;
  Provider: CloudProvider;
  CodeVerifier: string | null;
  AppRedirectUri: string | null;
  ExpiresAt: number;
  ttl: number;
};

export class OAuthStateRepository {
  constructor(
    private readonly db: DocumentStore,
    private readonly tableName: string,
  ) {}

  async create(record: OAuthStateRecord): Promise<void> {
    const item: OAuthStateItem = {
      PK: stateKey(record.state),
      SK: stateKey(record.state),
      Entity: 'OAUTHSTATE',
      UserId: record.userId,
      ConnectionId: record.connectionId,
      Provider: record.provider,
      CodeVerifier: record.codeVerifier,
      AppRedirectUri: record.appRedirectUri,
      ExpiresAt: record.expiresAt,
      ttl: Math.ceil(record.expiresAt / 1000),
    };
    await this.db.put({
      TableName: this.tableName,
      Item: item,
      ConditionExpression: 'attribute_not_exists(PK)',
    });
  }

  /**
   * Takes the state out of the table (single use). Returns undefined for an unknown or already
   * used state; an expired one is returned with `expired: true` so the caller can clean up.
   */
  async consume(state: string, nowMs = clock.now()): Promise<ConsumedState | undefined> {
    try {
      const out = await this.db.delete({
        TableName: this.tableName,
        Key: { PK: stateKey(state), SK: stateKey(state) },
        ConditionExpression: 'attribute_exists(PK)',
        ReturnValues: 'ALL_OLD',
      });
      const item = out.Attributes as OAuthStateItem | undefined;
      if (!item) return undefined;
      return {
        state,
        userId: item.UserId,
        connectionId: item.ConnectionId,
        provider: item.Provider,
        codeVerifier: item.CodeVerifier ?? null,
        appRedirectUri: item.AppRedirectUri ?? null,
        expiresAt: item.ExpiresAt,
        expired: item.ExpiresAt <= nowMs,
      };
    } catch (error) {
      if (isConditionalCheckFailed(error)) return undefined;
      throw error;
    }
  }
}
