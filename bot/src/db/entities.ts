/**
 * Every entity the DataSource knows, gathered from the features' public `index.ts` files (DESIGN §3).
 * A feature that adds an entity adds it to its index and to this list.
 */
import { SettingEntry } from '../features/settings';
import { JobLock } from '../jobs/job-lock.entity';

export const allEntities = [JobLock, SettingEntry];
