// The e-mail hook point of provider notices (issue 15, seed Appendix B): when a user's notice first
// shows, the sweeper (worker/notices/providerNoticeSweeper.ts) pushes it to their phones and hands it
// here, once per user and notice, for the app's mailer to send the same news by e-mail. SyncWell
// holds no e-mail templates or mail provider of its own: a deployment plugs its mailer in through
// this port; without one the hand-over is only logged (ids and dates, never the address).
import type { Logger } from '../logging/logger.js';
import type { Provider, ProviderNotice } from '../domain/types.js';

export interface NoticeForMail {
  userId: string;
  provider: Provider;
  connectionId: string;
  notice: ProviderNotice;
}

export interface NoticeMailer {
  /**
   * Called once per user and notice, after the push. A mailer that can fail should queue the mail
   * itself: a failure here is logged, not retried (the push already went out).
   */
  noticeShown(n: NoticeForMail): Promise<void>;
}

/** The default: no mailer configured, so the hand-over is logged for operators to see it happen. */
export function loggingNoticeMailer(logger: Logger): NoticeMailer {
  return {
    async noticeShown(n) {
      logger.info(
        {
          userId: n.userId,
          provider: n.provider,
          retiresOn: n.notice.retiresOn,
          connectionId: n.connectionId,
        },
        'provider notice for the mailer (no mailer configured)',
      );
    },
  };
}
