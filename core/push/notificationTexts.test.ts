// The notification resource files: every locale renders every kind with every provider and data
// type within the push port's limits, locales fall back by language and then to English, and a
// caller's parameters must match the text.
import { expect } from 'chai';
import type { DataType, Provider } from '../domain/types.js';
import en from './notifications.en.json' with { type: 'json' };
import {
  CATALOG_LOCALES,
  catalogLocale,
  NotificationTextError,
  placeholdersOf,
  renderNotification,
} from './notificationTexts.js';
import { assertSafePush } from './pushPayloadGuard.js';
import type { UserNotificationKind } from './userNotifier.js';

const KINDS = Object.keys(en.notifications) as UserNotificationKind[];
const PROVIDERS = Object.keys(en.providers) as Provider[];
const DATA_TYPES = Object.keys(en.dataTypes) as DataType[];

describe('notification texts (core/push/notifications.<language>.json)', () => {
  it('picks the catalog of the locale’s language, English otherwise', () => {
    expect(catalogLocale('de-AT')).to.equal('de');
    expect(catalogLocale('de')).to.equal('de');
    expect(catalogLocale('en-US')).to.equal('en');
    expect(catalogLocale('pt-BR')).to.equal('en');
    expect(catalogLocale(undefined)).to.equal('en');
  });

  it('renders every kind in every locale with every provider and data type, within the push limits', () => {
    expect(CATALOG_LOCALES).to.include.members(['en', 'de']);
    for (const locale of CATALOG_LOCALES)
      for (const kind of KINDS)
        for (const provider of PROVIDERS)
          for (const dataType of DATA_TYPES) {
            const params = Object.fromEntries(
              [...placeholdersOf(kind)].map((p) => [p, p === 'dataType' ? dataType : provider]),
            );
            const text = renderNotification(kind, locale, params);
            expect(`${text.title} ${text.body}`).to.not.match(/[{}]/);
            expect(() =>
              assertSafePush({ kind: 'visible', title: text.title, body: text.body }),
            ).to.not.throw();
          }
  });

  it('fills placeholders with display names, never with the values given', () => {
    expect(
      renderNotification('sync_succeeded', 'en', {
        sourceProvider: 'google_fit',
        destinationProvider: 'apple_health',
        dataType: 'sleep_session',
      }),
    ).to.deep.equal({
      locale: 'en',
      title: 'Sync complete',
      body: 'SyncWell finished copying your sleep data from Google Fit to Apple Health.',
    });
    expect(renderNotification('export_ready', 'de-DE').title).to.equal('Dein Datenexport ist fertig');
  });

  it('refuses parameters that do not fit the text', () => {
    expect(() => renderNotification('reconnect_provider', 'en')).to.throw(
      NotificationTextError,
      /\{provider\}/,
    );
    expect(() => renderNotification('reconnect_provider', 'en', { provider: 'myspace' })).to.throw(
      NotificationTextError,
    );
    expect(() =>
      renderNotification('reconnect_provider', 'en', { provider: 'garmin', note: 'free text' }),
    ).to.throw(NotificationTextError, /not a notification placeholder/);
  });
});
