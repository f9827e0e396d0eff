import { Table, TableIndex, type MigrationInterface, type QueryRunner } from 'typeorm';
import { datetimeTableColumn, idTableColumn } from '../bot/src/db/columns';

/** Questions and on-site support tickets, their threads, and the per-day reference number sequences. */
export class CreateTickets1795332000000 implements MigrationInterface {
  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.createTable(
      new Table({
        name: 'ticket',
        columns: [
          idTableColumn(),
          { name: 'ref_no', type: 'varchar', length: '20' },
          { name: 'kind', type: 'varchar', length: '10' },
          { name: 'priority', type: 'varchar', length: '8' },
          { name: 'status', type: 'varchar', length: '10' },
          { name: 'tier', type: 'integer' },
          { name: 'department_id', type: 'integer', isNullable: true },
          { name: 'assignee_staff_id', type: 'integer', isNullable: true },
          { name: 'escalated_by_staff_id', type: 'integer', isNullable: true },
          { name: 'reporter_id', type: 'integer' },
          { name: 'area_id', type: 'integer', isNullable: true },
          { name: 'question', type: 'text' },
          { name: 'order_no', type: 'varchar', length: '32', isNullable: true },
          { name: 'photos', type: 'text' },
          { name: 'latitude', type: 'double', isNullable: true },
          { name: 'longitude', type: 'double', isNullable: true },
          { name: 'location_text', type: 'varchar', length: '255', isNullable: true },
          { name: 'deflected_by_entry_id', type: 'integer', isNullable: true },
          { name: 'reopen_count', type: 'integer', default: 0 },
          { name: 'sla_alerts', type: 'integer', default: 0 },
          { name: 'version', type: 'integer', default: 1 },
          datetimeTableColumn('created_at'),
          datetimeTableColumn('first_response_due_at'),
          datetimeTableColumn('resolution_due_at'),
          datetimeTableColumn('first_response_at', { nullable: true }),
          datetimeTableColumn('sla_paused_at', { nullable: true }),
          datetimeTableColumn('resolved_at', { nullable: true }),
          datetimeTableColumn('archived_at', { nullable: true }),
          datetimeTableColumn('updated_at'),
        ],
        indices: [
          new TableIndex({ name: 'uq_ticket_ref_no', columnNames: ['ref_no'], isUnique: true }),
          new TableIndex({ name: 'idx_ticket_queue', columnNames: ['status', 'tier', 'created_at'] }),
          new TableIndex({ name: 'idx_ticket_reporter', columnNames: ['reporter_id', 'status'] }),
        ],
        foreignKeys: [
          {
            name: 'fk_ticket_reporter',
            columnNames: ['reporter_id'],
            referencedTableName: 'staff',
            referencedColumnNames: ['id'],
          },
          {
            name: 'fk_ticket_area',
            columnNames: ['area_id'],
            referencedTableName: 'department',
            referencedColumnNames: ['id'],
            onDelete: 'SET NULL',
          },
          {
            name: 'fk_ticket_department',
            columnNames: ['department_id'],
            referencedTableName: 'department',
            referencedColumnNames: ['id'],
            onDelete: 'SET NULL',
          },
          {
            name: 'fk_ticket_assignee',
            columnNames: ['assignee_staff_id'],
            referencedTableName: 'staff',
            referencedColumnNames: ['id'],
            onDelete: 'SET NULL',
          },
          {
            name: 'fk_ticket_escalated_by',
            columnNames: ['escalated_by_staff_id'],
            referencedTableName: 'staff',
            referencedColumnNames: ['id'],
            onDelete: 'SET NULL',
          },
        ],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'ticket_message',
        columns: [
          idTableColumn(),
          { name: 'ticket_id', type: 'integer' },
          { name: 'type', type: 'varchar', length: '10' },
          { name: 'author_staff_id', type: 'integer', isNullable: true },
          { name: 'author_tier', type: 'integer' },
          { name: 'body', type: 'text', isNullable: true },
          { name: 'photos', type: 'text' },
          { name: 'is_internal', type: 'boolean', default: false },
          datetimeTableColumn('at'),
        ],
        indices: [new TableIndex({ name: 'idx_ticket_message_ticket', columnNames: ['ticket_id', 'id'] })],
        foreignKeys: [
          {
            name: 'fk_ticket_message_ticket',
            columnNames: ['ticket_id'],
            referencedTableName: 'ticket',
            referencedColumnNames: ['id'],
            onDelete: 'CASCADE',
          },
          {
            name: 'fk_ticket_message_author',
            columnNames: ['author_staff_id'],
            referencedTableName: 'staff',
            referencedColumnNames: ['id'],
            onDelete: 'SET NULL',
          },
        ],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'ticket_sequence',
        columns: [
          { name: 'prefix', type: 'varchar', length: '16', isPrimary: true },
          { name: 'last_value', type: 'integer', default: 0 },
        ],
      }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('ticket_sequence');
    await queryRunner.dropTable('ticket_message');
    await queryRunner.dropTable('ticket');
  }
}
