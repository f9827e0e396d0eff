import { Table, TableIndex, type MigrationInterface, type QueryRunner } from 'typeorm';
import { datetimeTableColumn, idTableColumn } from '../bot/src/db/columns';

/** Two-way rating tasks and tickets imported from outside Fieldline to be rated the same way. */
export class CreateRatings1795336000000 implements MigrationInterface {
  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.createTable(
      new Table({
        name: 'imported_ticket',
        columns: [
          idTableColumn(),
          { name: 'ticket_no', type: 'varchar', length: '60' },
          { name: 'kind', type: 'varchar', length: '10' },
          { name: 'engineer_id', type: 'integer' },
          { name: 'tier2_id', type: 'integer', isNullable: true },
          { name: 'tier3_id', type: 'integer', isNullable: true },
          { name: 'summary', type: 'varchar', length: '255' },
          datetimeTableColumn('archived_at'),
          datetimeTableColumn('imported_at'),
        ],
        indices: [
          new TableIndex({ name: 'uq_imported_ticket_no', columnNames: ['ticket_no'], isUnique: true }),
        ],
        foreignKeys: [
          {
            name: 'fk_imported_ticket_engineer',
            columnNames: ['engineer_id'],
            referencedTableName: 'staff',
            referencedColumnNames: ['id'],
          },
          {
            name: 'fk_imported_ticket_tier2',
            columnNames: ['tier2_id'],
            referencedTableName: 'staff',
            referencedColumnNames: ['id'],
            onDelete: 'SET NULL',
          },
          {
            name: 'fk_imported_ticket_tier3',
            columnNames: ['tier3_id'],
            referencedTableName: 'staff',
            referencedColumnNames: ['id'],
            onDelete: 'SET NULL',
          },
        ],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'rating_task',
        columns: [
          idTableColumn(),
          { name: 'ticket_ref', type: 'varchar', length: '64' },
          { name: 'ticket_id', type: 'integer', isNullable: true },
          { name: 'imported_ticket_id', type: 'integer', isNullable: true },
          { name: 'summary', type: 'varchar', length: '255' },
          { name: 'rater_staff_id', type: 'integer' },
          { name: 'rater_side', type: 'integer' },
          { name: 'ratee_staff_id', type: 'integer' },
          { name: 'ratee_side', type: 'integer' },
          { name: 'ratee_department_id', type: 'integer', isNullable: true },
          { name: 'status', type: 'varchar', length: '8' },
          { name: 'stars', type: 'integer', isNullable: true },
          { name: 'tags', type: 'text' },
          { name: 'comment', type: 'text', isNullable: true },
          datetimeTableColumn('ticket_archived_at'),
          datetimeTableColumn('created_at'),
          datetimeTableColumn('expires_at'),
          datetimeTableColumn('rated_at', { nullable: true }),
          datetimeTableColumn('reminded_at', { nullable: true }),
          { name: 'version', type: 'integer', default: 1 },
        ],
        indices: [
          new TableIndex({
            name: 'uq_rating_task',
            columnNames: ['ticket_ref', 'rater_staff_id', 'ratee_staff_id'],
            isUnique: true,
          }),
          new TableIndex({ name: 'idx_rating_task_rater', columnNames: ['rater_staff_id', 'status'] }),
          new TableIndex({
            name: 'idx_rating_task_ratee',
            columnNames: ['ratee_staff_id', 'status', 'rated_at'],
          }),
          // The review and the sheet select by period; generation looks tickets up by id.
          new TableIndex({ name: 'idx_rating_task_archived', columnNames: ['ticket_archived_at'] }),
          new TableIndex({ name: 'idx_rating_task_ticket', columnNames: ['ticket_id'] }),
          new TableIndex({ name: 'idx_rating_task_imported', columnNames: ['imported_ticket_id'] }),
        ],
        foreignKeys: [
          {
            name: 'fk_rating_task_ticket',
            columnNames: ['ticket_id'],
            referencedTableName: 'ticket',
            referencedColumnNames: ['id'],
            onDelete: 'CASCADE',
          },
          {
            name: 'fk_rating_task_imported',
            columnNames: ['imported_ticket_id'],
            referencedTableName: 'imported_ticket',
            referencedColumnNames: ['id'],
            onDelete: 'CASCADE',
          },
          {
            name: 'fk_rating_task_rater',
            columnNames: ['rater_staff_id'],
            referencedTableName: 'staff',
            referencedColumnNames: ['id'],
          },
          {
            name: 'fk_rating_task_ratee',
            columnNames: ['ratee_staff_id'],
            referencedTableName: 'staff',
            referencedColumnNames: ['id'],
          },
          {
            name: 'fk_rating_task_department',
            columnNames: ['ratee_department_id'],
            referencedTableName: 'department',
            referencedColumnNames: ['id'],
            onDelete: 'SET NULL',
          },
        ],
      }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('rating_task');
    await queryRunner.dropTable('imported_ticket');
  }
}
