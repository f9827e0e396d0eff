import type { EntityManager } from 'typeorm';
import type { Staff } from '../../bot/src/features/staff';
import type { MessageKey } from '../../bot/src/i18n';

/**
 * A work queue on the home page: a count of things waiting for this person, and where to see them.
 * Features add theirs (hazards to close, questions to answer, completions to process…); counts are
 * scoped to what the person may see.
 */
export interface QueueDefinition {
  readonly key: string;
  readonly title: MessageKey;
  readonly href: string;
  isVisibleTo(user: Staff): boolean;
  count(manager: EntityManager, user: Staff): Promise<number>;
}
