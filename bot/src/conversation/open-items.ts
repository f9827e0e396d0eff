import type { EntityManager } from 'typeorm';
import type { Staff } from '../features/staff';
import type { Locale } from '../i18n';

/** One line of `我的`: something of the person's still in progress (a report, a ticket, a completion…). */
export interface OpenItem {
  readonly title: string;
  readonly status: string;
}

/** Each feature contributes its open items to `我的` through one of these. */
export type OpenItemsProvider = (context: {
  readonly manager: EntityManager;
  readonly staff: Staff;
  readonly locale: Locale;
}) => Promise<OpenItem[]>;
