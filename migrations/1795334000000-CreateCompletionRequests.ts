import { Table, TableIndex, type MigrationInterface, type QueryRunner } from 'typeorm';
import { datetimeTableColumn, idTableColumn } from '../bot/src/db/columns';

/** Offline completion requests (线下报竣), their timelines, and the per-day reference number sequence. */
export class CreateCompletionRequests1795334000000 implements MigrationInterface {
  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.createTable(
      new Table({
        name: 'completion_request',
        columns: [
          idTableColumn(),
          { name: 'ref_no', type: 'varchar', length: '20' },
          { name: 'order_no', type: 'varchar', length: '32' },
          { name: 'open_order_no', type: 'varchar', length: '32', isNullable: true },
          { name: 'business_type', type: 'varchar', length: '16' },
          { name: 'status', type: 'varchar', length: '10' },
          { name: 'photos', type: 'text' },
          { name: 'serials', type: 'text' },
          { name: 'optical_power_dbm', type: 'double', isNullable: true },
          { name: 'is_power_out_of_range', type: 'boolean', default: false },
          { name: 'remarks', type: 'text', isNullable: true },
          { name: 'reporter_id', type: 'integer' },
          { name: 'area_id', type: 'integer', isNullable: true },
          { name: 'assignee_staff_id', type: 'integer', isNullable: true },
          { name: 'decided_by_staff_id', type: 'integer', isNullable: true },
          { name: 'result_note', type: 'text', isNullable: true },
          { name: 'reject_reason', type: 'varchar', length: '64', isNullable: true },
          { name: 'resubmission_of_id', type: 'integer', isNullable: true },
          { name: 'realert_level', type: 'integer', default: 0 },
          { name: 'version', type: 'integer', default: 1 },
          datetimeTableColumn('created_at'),
          datetimeTableColumn('claimed_at', { nullable: true }),
          datetimeTableColumn('decided_at', { nullable: true }),
          datetimeTableColumn('updated_at'),
        ],
        indices: [
          new TableIndex({ name: 'uq_completion_ref_no', columnNames: ['ref_no'], isUnique: true }),
          // Several NULLs are allowed in a unique index on SQLite and MySQL/MariaDB alike: only open
          // requests carry the order number here, so only they collide.
          new TableIndex({
            name: 'uq_completion_open_order',
            columnNames: ['open_order_no'],
            isUnique: true,
          }),
          new TableIndex({ name: 'idx_completion_queue', columnNames: ['status', 'created_at'] }),
          new TableIndex({ name: 'idx_completion_reporter', columnNames: ['reporter_id', 'status'] }),
          new TableIndex({ name: 'idx_completion_order', columnNames: ['order_no'] }),
        ],
        foreignKeys: [
          {
            name: 'fk_completion_reporter',
            columnNames: ['reporter_id'],
            referencedTableName: 'staff',
            referencedColumnNames: ['id'],
          },
          {
            name: 'fk_completion_area',
            columnNames: ['area_id'],
            referencedTableName: 'department',
            referencedColumnNames: ['id'],
            onDelete: 'SET NULL',
          },
          {
            name: 'fk_completion_assignee',
            columnNames: ['assignee_staff_id'],
            referencedTableName: 'staff',
            referencedColumnNames: ['id'],
            onDelete: 'SET NULL',
          },
          {
            name: 'fk_completion_decided_by',
            columnNames: ['decided_by_staff_id'],
            referencedTableName: 'staff',
            referencedColumnNames: ['id'],
            onDelete: 'SET NULL',
          },
          {
            name: 'fk_completion_resubmission_of',
            columnNames: ['resubmission_of_id'],
            referencedTableName: 'completion_request',
            referencedColumnNames: ['id'],
            onDelete: 'SET NULL',
          },
        ],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'completion_event',
        columns: [
          idTableColumn(),
          { name: 'request_id', type: 'integer' },
          { name: 'type', type: 'varchar', length: '12' },
          { name: 'actor', type: 'varchar', length: '64' },
          { name: 'note', type: 'text', isNullable: true },
          { name: 'data', type: 'text', isNullable: true },
          datetimeTableColumn('at'),
        ],
        indices: [
          new TableIndex({ name: 'idx_completion_event_request', columnNames: ['request_id', 'at'] }),
        ],
        foreignKeys: [
          {
            name: 'fk_completion_event_request',
            columnNames: ['request_id'],
            referencedTableName: 'completion_request',
            referencedColumnNames: ['id'],
            onDelete: 'CASCADE',
          },
        ],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'completion_sequence',
        columns: [
          { name: 'prefix', type: 'varchar', length: '16', isPrimary: true },
          { name: 'last_value', type: 'integer', default: 0 },
        ],
      }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('completion_sequence');
    await queryRunner.dropTable('completion_event');
    await queryRunner.dropTable('completion_request');
  }
}
