// Provider notices: when a retiring provider's notice shows, for whom, and its text.
import { expect } from 'chai';
import { dynamicConfigSchema, type FlagSubject } from '../config/dynamicConfig.js';
import { providerNotice, type NoticeContext } from './providerNotices.js';

const subject: FlagSubject = { userId: 'u-1', tier: 'FREE' };

function context(notices: unknown, now: string, cohort: string[] = []): NoticeContext {
  return {
    doc: dynamicConfigSchema.parse({ providerNotices: notices }),
    isEnabled: (flag, s) => flag === 'google_health_migration' && cohort.includes(s.userId),
    subject,
    now: new Date(now),
  };
}

describe('core/providers/providerNotices', () => {
  const fitbit = { fitbit: { retiresOn: '2027-03-01', replacement: 'google_health' } };

  it('shows from 60 days before the date (the default and the minimum), and after it', () => {
    // 2027-03-01 minus 60 days is 2026-12-31.
    expect(providerNotice('fitbit', context(fitbit, '2026-12-30T23:59:59Z'))).to.equal(undefined);
    expect(providerNotice('fitbit', context(fitbit, '2026-12-31T00:00:00Z'))).to.deep.equal({
      code: 'provider_retiring',
      retiresOn: '2027-03-01',
      replacement: 'google_health',
      message: 'Fitbit is being retired on 2027-03-01. Reconnect through Google Health to keep syncing.',
    });
    expect(providerNotice('fitbit', context(fitbit, '2027-06-01T00:00:00Z'))?.code).to.equal(
      'provider_retiring',
    );
    const earlier = { fitbit: { ...fitbit.fitbit, showDays: 90 } };
    expect(providerNotice('fitbit', context(earlier, '2026-12-01T00:00:00Z'))?.retiresOn).to.equal(
      '2027-03-01',
    );
    expect(() =>
      dynamicConfigSchema.parse({ providerNotices: { fitbit: { retiresOn: '2027-03-01', showDays: 30 } } }),
    ).to.throw();
  });

  it('only to the cohort its flag lets in, when it names one; other providers have none', () => {
    const flagged = { fitbit: { ...fitbit.fitbit, flag: 'google_health_migration' } };
    expect(providerNotice('fitbit', context(flagged, '2027-01-15T00:00:00Z'))).to.equal(undefined);
    expect(providerNotice('fitbit', context(flagged, '2027-01-15T00:00:00Z', ['u-1']))).to.not.equal(
      undefined,
    );
    expect(providerNotice('strava', context(flagged, '2027-01-15T00:00:00Z', ['u-1']))).to.equal(undefined);
  });

  it('without a known replacement says only when (an unknown id is not shown raw)', () => {
    const none = { google_fit: { retiresOn: '2027-03-01', replacement: 'polar' } };
    expect(providerNotice('google_fit', context(none, '2027-02-01T00:00:00Z'))).to.deep.equal({
      code: 'provider_retiring',
      retiresOn: '2027-03-01',
      message: 'Google Fit is being retired on 2027-03-01. Its data will stop syncing then.',
    });
  });
});
