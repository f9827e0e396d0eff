import type { OpenItemsProvider } from '../../conversation/open-items';
import { t } from '../../i18n';
import { openCompletionsOf } from './completion.queries';

/** The engineer's completion requests waiting for a decision, as lines of `我的`. */
export const completionOpenItems: OpenItemsProvider = async ({ manager, staff, locale }) =>
  (await openCompletionsOf(manager, staff.id)).map((request) => ({
    title: t(locale, 'completion.my.item', {
      refNo: request.refNo,
      orderNo: request.orderNo,
      businessType: request.businessType,
    }),
    status: t(locale, `completion.status.${request.status}`),
  }));
