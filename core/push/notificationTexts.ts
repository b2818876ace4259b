// The texts of visible notifications, per locale, from resource files (seed: no user-facing
// strings in code): core/push/notifications.<language>.json. A user's locale (`de-AT`) picks the
// file of its language (`de`), English when there is none. Placeholders are filled with display
// names from the same file, never with the values themselves: `{provider}`, `{sourceProvider}` and
// `{destinationProvider}` name a provider (`providers`), `{dataType}` a data type (`dataTypes`); a
// name missing from a translation falls back to English.
import type { DataType, Provider } from '../domain/types.js';
import de from './notifications.de.json' with { type: 'json' };
import en from './notifications.en.json' with { type: 'json' };
import type { UserNotificationKind } from './userNotifier.js';

interface Text {
  title: string;
  body: string;
}

/** The shape every locale's file has, checked against the contract's enums and the port's kinds. */
export interface NotificationCatalog {
  notifications: Record<UserNotificationKind, Text>;
  providers: Record<Provider, string>;
  dataTypes: Record<DataType, string>;
}

const CATALOGS = { en, de } satisfies Record<string, NotificationCatalog>;

export type CatalogLocale = keyof typeof CATALOGS;
export const FALLBACK_LOCALE: CatalogLocale = 'en';
export const CATALOG_LOCALES = Object.keys(CATALOGS) as CatalogLocale[];

/** Which table each placeholder's value is looked up in. */
const PLACEHOLDERS = {
  provider: 'providers',
  sourceProvider: 'providers',
  destinationProvider: 'providers',
  dataType: 'dataTypes',
} as const satisfies Record<string, keyof Omit<NotificationCatalog, 'notifications'>>;

export type NotificationPlaceholder = keyof typeof PLACEHOLDERS;

/** A notification's parameters do not fit its text (a bug in the caller). Values are never echoed. */
export class NotificationTextError extends TypeError {
  override readonly name = 'NotificationTextError';
}

/** The catalog for a BCP 47 locale (`de-AT` → `de`); English when there is none. */
export function catalogLocale(locale: string | undefined): CatalogLocale {
  const language = locale?.split('-')[0]?.toLowerCase();
  return language && Object.hasOwn(CATALOGS, language) ? (language as CatalogLocale) : FALLBACK_LOCALE;
}

function displayName(locale: CatalogLocale, placeholder: string, value: string): string {
  if (!Object.hasOwn(PLACEHOLDERS, placeholder))
    throw new NotificationTextError(`{${placeholder}} is not a notification placeholder`);
  const table = PLACEHOLDERS[placeholder as NotificationPlaceholder];
  const names = (catalog: NotificationCatalog) => catalog[table] as Record<string, string>;
  const name = Object.hasOwn(names(CATALOGS[locale]), value)
    ? names(CATALOGS[locale])[value]
    : Object.hasOwn(names(en), value)
      ? names(en)[value]
      : undefined;
  if (name === undefined)
    throw new NotificationTextError(`{${placeholder}} has no display name for its value`);
  return name;
}

export interface RenderedNotification {
  locale: CatalogLocale;
  title: string;
  body: string;
}

/** Title and body of `kind` in the user's locale, placeholders filled; throws NotificationTextError. */
export function renderNotification(
  kind: UserNotificationKind,
  locale: string | undefined,
  params: Readonly<Record<string, string>> = {},
): RenderedNotification {
  const chosen = catalogLocale(locale);
  const text = CATALOGS[chosen].notifications[kind];
  for (const key of Object.keys(params)) displayName(chosen, key, params[key]!);
  const fill = (template: string) =>
    template.replace(/\{(\w+)\}/g, (_, key: string) => {
      const value = params[key];
      if (value === undefined) throw new NotificationTextError(`the ${kind} text needs {${key}}`);
      return displayName(chosen, key, value);
    });
  return { locale: chosen, title: fill(text.title), body: fill(text.body) };
}

/** Every placeholder a kind's texts use, in any locale (for callers' tests and checks). */
export function placeholdersOf(kind: UserNotificationKind): Set<string> {
  const names = new Set<string>();
  for (const catalog of Object.values(CATALOGS))
    for (const template of [catalog.notifications[kind].title, catalog.notifications[kind].body])
      for (const [, name] of template.matchAll(/\{(\w+)\}/g)) names.add(name!);
  return names;
}
