import type { OpenItemsProvider } from '../../conversation/open-items';
import { t } from '../../i18n';
import { openReportsOf } from './report.queries';

/** The reporter's hazards and leads still in progress, as lines of `我的`. */
export const reportOpenItems: OpenItemsProvider = async ({ manager, staff, locale }) =>
  (await openReportsOf(manager, staff.id)).map((report) => ({
    title: t(locale, 'report.my.item', {
      kind: t(locale, report.kind === 'hazard' ? 'report.kind.hazard' : 'report.kind.lead'),
      refNo: report.refNo,
      category: report.category,
    }),
    status: t(locale, `report.status.${report.status}`),
  }));
