import { Table, type MigrationInterface, type QueryRunner } from 'typeorm';
import { datetimeTableColumn } from '../bot/src/db/columns';

/** The scheduler's per-job lock/tick table and the key/value settings table. */
export class CreateJobLockAndSetting1795317671810 implements MigrationInterface {
  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.createTable(
      new Table({
        name: 'job_lock',
        columns: [
          { name: 'name', type: 'varchar', length: '100', isPrimary: true },
          datetimeTableColumn('last_tick_at', { nullable: true }),
          { name: 'locked_by', type: 'varchar', length: '100', isNullable: true },
          datetimeTableColumn('locked_until', { nullable: true }),
          datetimeTableColumn('last_started_at', { nullable: true }),
          datetimeTableColumn('last_finished_at', { nullable: true }),
          { name: 'last_status', type: 'varchar', length: '20', isNullable: true },
          { name: 'last_summary', type: 'text', isNullable: true },
          { name: 'run_count', type: 'integer', default: 0 },
        ],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'setting',
        columns: [
          { name: 'key', type: 'varchar', length: '100', isPrimary: true },
          { name: 'value', type: 'text' },
          datetimeTableColumn('updated_at'),
          { name: 'updated_by', type: 'varchar', length: '64', isNullable: true },
        ],
      }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('setting');
    await queryRunner.dropTable('job_lock');
  }
}
