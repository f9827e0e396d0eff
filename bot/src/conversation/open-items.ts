import type { EntityManager } from 'typeorm';
import type { Staff } from '../features/staff';
import type { Locale } from '../i18n';
import type { FlowContext, FlowInput } from './flow';
import type { BotReply } from './reply';

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

/**
 * A feature's claim on input that arrives outside any flow — e.g. an engineer answering the desk's
 * question about their ticket, or replying 已解决. Returns the replies if it took the input, undefined to
 * let the next handler (and finally the default help) have it.
 */
export type InputHandler = (
  context: FlowContext,
  input: FlowInput,
) => Promise<readonly BotReply[] | undefined>;
