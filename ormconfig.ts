/**
 * The DataSource for the TypeORM CLI (e.g. `npx typeorm -d dist/ormconfig.js migration:show`). It is
 * the same definition the service and the `fieldline` CLI use (bot/src/db/data-source.ts), configured
 * from the same environment (bot/src/config.ts).
 */
import { loadConfig } from './bot/src/config';
import { createDataSource } from './bot/src/db/data-source';

export default createDataSource(loadConfig().database);
