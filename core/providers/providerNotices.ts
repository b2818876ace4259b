// Provider notices (seed Appendix B, DataProvider retirement): operators name a retiring provider,
// its date and its replacement in the dynamic configuration (`providerNotices`); every connection to
// it carries the notice in GET /v1/connections from `showDays` (at least 60) before the date, for
// the users the notice's flag lets in (a migration cohort), and keeps it after the date. The text
// comes from a resource file (providerNotices.en.json), never from code.
import type { DynamicConfigDocument, FlagSubject } from '../config/dynamicConfig.js';
import type { CloudProvider, Provider, ProviderNotice } from '../domain/types.js';
import { PROVIDER_PROFILES } from './profiles.js';
import texts from './providerNotices.en.json' with { type: 'json' };

const DAY_MS = 86_400_000;

export interface NoticeContext {
  doc: Pick<DynamicConfigDocument, 'providerNotices'>;
  isEnabled: (flag: string, subject: FlagSubject) => boolean;
  subject: FlagSubject;
  now: Date;
}

const isProvider = (id: string): id is Provider => Object.hasOwn(PROVIDER_PROFILES, id);

const fill = (template: string, values: Record<string, string>) =>
  template.replace(/\{(\w+)\}/g, (_, key: string) => values[key] ?? `{${key}}`);

/** The notice a connection to `provider` carries now, if any. */
export function providerNotice(provider: Provider, c: NoticeContext): ProviderNotice | undefined {
  const rule = c.doc.providerNotices[provider];
  if (!rule) return undefined;
  const showFrom = Date.parse(`${rule.retiresOn}T00:00:00Z`) - rule.showDays * DAY_MS;
  if (c.now.getTime() < showFrom) return undefined;
  if (rule.flag && !c.isEnabled(rule.flag, c.subject)) return undefined;
  // A replacement the registry does not know (a typo in the document) is left out, not shown raw.
  const replacement: CloudProvider | undefined =
    rule.replacement && isProvider(rule.replacement) && PROVIDER_PROFILES[rule.replacement].kind === 'cloud'
      ? (rule.replacement as CloudProvider)
      : undefined;
  const values = {
    provider: PROVIDER_PROFILES[provider].displayName,
    retiresOn: rule.retiresOn,
    ...(replacement ? { replacement: PROVIDER_PROFILES[replacement].displayName } : {}),
  };
  return {
    code: 'provider_retiring',
    retiresOn: rule.retiresOn,
    ...(replacement ? { replacement } : {}),
    message: fill(replacement ? texts.provider_retiring_with_replacement : texts.provider_retiring, values),
  };
}
