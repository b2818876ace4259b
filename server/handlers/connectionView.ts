// A stored connection as the API shows it (list, OAuth completion).
import { PROVIDER_DISPLAY_NAMES, providerIconUrl } from '../../core/domain/providers.js';
import type { Connection, ProviderNotice } from '../../core/domain/types.js';
import type { ConnectionRecord } from '../../core/store/connectionRepository.js';
import { clock } from '../../core/clock/clock.js';
import type { DynamicConfig, FlagSubject } from '../../core/config/dynamicConfig.js';
import { providerNotice } from '../../core/providers/providerNotices.js';
import type { Provider } from '../../core/domain/types.js';

/** The notice a connection to each provider carries for this user now (operators' dynamic configuration). */
export function noticesFor(dynamicConfig: DynamicConfig, subject: FlagSubject) {
  const context = {
    doc: dynamicConfig.current,
    isEnabled: (flag: string, s: FlagSubject) => dynamicConfig.isEnabled(flag, s),
    subject,
    now: clock.date(),
  };
  return (provider: Provider): ProviderNotice | undefined => providerNotice(provider, context);
}

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
