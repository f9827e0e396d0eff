import type { Job } from './job';

/**
 * Keeps the database's query planner statistics fresh and, on SQLite, folds the write-ahead log back
 * into the main file so it does not grow without bound between restarts. Both are the maintenance the
 * engines' own documentation recommends running periodically on a long-lived database.
 */
export const dbMaintenanceJob: Job = {
  name: 'db-maintenance',
  description: 'Refresh planner statistics; checkpoint the SQLite write-ahead log',
  schedule: '17 3 * * *',
  async run({ manager }) {
    if (manager.dataSource.options.type === 'better-sqlite3') {
      await manager.query('PRAGMA optimize');
      const [checkpoint] = await manager.query<Array<{ busy: number; log: number; checkpointed: number }>>(
        'PRAGMA wal_checkpoint(TRUNCATE)',
      );
      return `sqlite: optimized; wal checkpoint busy=${checkpoint?.busy ?? '?'} frames=${checkpoint?.checkpointed ?? '?'}`;
    }
    const tables = await manager.query<Array<{ name: string }>>(
      'SELECT TABLE_NAME AS name FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_TYPE = ?',
      ['BASE TABLE'],
    );
    if (tables.length > 0) {
      await manager.query(`ANALYZE TABLE ${tables.map((table) => `\`${table.name}\``).join(', ')}`);
    }
    return `mysql: analyzed ${tables.length} tables`;
  },
};
