// A stored connection as the API shows it (list, OAuth completion).
import { PROVIDER_DISPLAY_NAMES, providerIconUrl } from '../../core/domain/providers.js';
import type { Connection, ProviderNotice } from '../../core/domain/types.js';
import type { ConnectionRecord } from '../../core/store/connectionRepository.js';

export function toConnectionView(
  r: ConnectionRecord,
  assetBaseUrl: string,
  notice?: ProviderNotice,
): Connection {
  return {
    connectionId: r.connectionId,
    provider: r.provider,
    displayName: PROVIDER_DISPLAY_NAMES[r.provider],
    providerIconUrl: providerIconUrl(assetBaseUrl, r.provider),
    status: r.status,
    createdAt: r.createdAt,
    ...(notice ? { notice } : {}),
  };
}
