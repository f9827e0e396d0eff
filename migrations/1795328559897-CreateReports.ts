import { Table, TableIndex, type MigrationInterface, type QueryRunner } from 'typeorm';
import { datetimeTableColumn, idTableColumn } from '../bot/src/db/columns';

/** Hazard and business-lead reports, their timelines, and the per-day reference number sequences. */
export class CreateReports1795328559897 implements MigrationInterface {
  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.createTable(
      new Table({
        name: 'report',
        columns: [
          idTableColumn(),
          { name: 'ref_no', type: 'varchar', length: '20' },
          { name: 'kind', type: 'varchar', length: '8' },
          { name: 'status', type: 'varchar', length: '12' },
          { name: 'category', type: 'varchar', length: '32' },
          { name: 'description', type: 'text' },
          { name: 'photos', type: 'text' },
          { name: 'latitude', type: 'double', isNullable: true },
          { name: 'longitude', type: 'double', isNullable: true },
          { name: 'location_text', type: 'varchar', length: '255', isNullable: true },
          { name: 'reporter_id', type: 'integer' },
          { name: 'area_id', type: 'integer', isNullable: true },
          { name: 'assignee_staff_id', type: 'integer', isNullable: true },
          { name: 'assignee_department_id', type: 'integer', isNullable: true },
          { name: 'is_critical', type: 'boolean', default: false },
          { name: 'resolution', type: 'varchar', length: '16', isNullable: true },
          { name: 'resolution_note', type: 'text', isNullable: true },
          { name: 'resolution_value', type: 'integer', isNullable: true },
          { name: 'reminder_level', type: 'integer', default: 0 },
          { name: 'version', type: 'integer', default: 1 },
          datetimeTableColumn('created_at'),
          datetimeTableColumn('touched_at'),
          datetimeTableColumn('closed_at', { nullable: true }),
        ],
        indices: [
          new TableIndex({ name: 'uq_report_ref_no', columnNames: ['ref_no'], isUnique: true }),
          new TableIndex({ name: 'idx_report_queue', columnNames: ['kind', 'status', 'created_at'] }),
        ],
        foreignKeys: [
          {
            name: 'fk_report_reporter',
            columnNames: ['reporter_id'],
            referencedTableName: 'staff',
            referencedColumnNames: ['id'],
          },
          {
            name: 'fk_report_area',
            columnNames: ['area_id'],
            referencedTableName: 'department',
            referencedColumnNames: ['id'],
            onDelete: 'SET NULL',
          },
          {
            name: 'fk_report_assignee_staff',
            columnNames: ['assignee_staff_id'],
            referencedTableName: 'staff',
            referencedColumnNames: ['id'],
            onDelete: 'SET NULL',
          },
          {
            name: 'fk_report_assignee_department',
            columnNames: ['assignee_department_id'],
            referencedTableName: 'department',
            referencedColumnNames: ['id'],
            onDelete: 'SET NULL',
          },
        ],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'report_event',
        columns: [
          idTableColumn(),
          { name: 'report_id', type: 'integer' },
          { name: 'type', type: 'varchar', length: '12' },
          { name: 'actor', type: 'varchar', length: '64' },
          { name: 'note', type: 'text', isNullable: true },
          { name: 'is_for_reporter', type: 'boolean', default: false },
          { name: 'data', type: 'text', isNullable: true },
          datetimeTableColumn('at'),
        ],
        indices: [new TableIndex({ name: 'idx_report_event_report', columnNames: ['report_id', 'at'] })],
        foreignKeys: [
          {
            name: 'fk_report_event_report',
            columnNames: ['report_id'],
            referencedTableName: 'report',
            referencedColumnNames: ['id'],
            onDelete: 'CASCADE',
          },
        ],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'report_sequence',
        columns: [
          { name: 'prefix', type: 'varchar', length: '16', isPrimary: true },
          { name: 'last_value', type: 'integer', default: 0 },
        ],
      }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('report_sequence');
    await queryRunner.dropTable('report_event');
    await queryRunner.dropTable('report');
  }
}
