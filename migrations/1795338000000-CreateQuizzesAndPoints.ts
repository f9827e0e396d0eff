import { Table, TableIndex, type MigrationInterface, type QueryRunner } from 'typeorm';
import { datetimeTableColumn, idTableColumn } from '../bot/src/db/columns';

/** The quiz bank (levels, questions), attempts at levels, and the points ledger. */
export class CreateQuizzesAndPoints1795338000000 implements MigrationInterface {
  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.createTable(
      new Table({
        name: 'quiz_level',
        columns: [
          idTableColumn(),
          { name: 'sort_order', type: 'integer' },
          { name: 'name', type: 'varchar', length: '60' },
          { name: 'questions_per_attempt', type: 'integer', default: 5 },
          { name: 'pass_percent', type: 'integer', default: 80 },
          { name: 'points', type: 'integer', default: 10 },
          datetimeTableColumn('created_at'),
        ],
        indices: [
          new TableIndex({ name: 'uq_quiz_level_name', columnNames: ['name'], isUnique: true }),
          new TableIndex({ name: 'idx_quiz_level_order', columnNames: ['sort_order'] }),
        ],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'quiz_question',
        columns: [
          idTableColumn(),
          { name: 'level_id', type: 'integer' },
          { name: 'type', type: 'varchar', length: '10' },
          { name: 'stem', type: 'text' },
          { name: 'options', type: 'text' },
          { name: 'answer', type: 'varchar', length: '10' },
          { name: 'explanation', type: 'text', isNullable: true },
          { name: 'tags', type: 'text' },
          { name: 'is_active', type: 'boolean', default: true },
          datetimeTableColumn('created_at'),
        ],
        indices: [
          new TableIndex({ name: 'idx_quiz_question_level', columnNames: ['level_id', 'is_active'] }),
        ],
        foreignKeys: [
          {
            name: 'fk_quiz_question_level',
            columnNames: ['level_id'],
            referencedTableName: 'quiz_level',
            referencedColumnNames: ['id'],
            onDelete: 'CASCADE',
          },
        ],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'quiz_attempt',
        columns: [
          idTableColumn(),
          { name: 'staff_id', type: 'integer' },
          { name: 'level_id', type: 'integer' },
          { name: 'question_ids', type: 'text' },
          { name: 'option_orders', type: 'text' },
          { name: 'answers', type: 'text' },
          { name: 'current_index', type: 'integer', default: 0 },
          { name: 'score', type: 'integer', default: 0 },
          { name: 'status', type: 'varchar', length: '12' },
          datetimeTableColumn('started_at'),
          datetimeTableColumn('updated_at'),
          datetimeTableColumn('finished_at', { nullable: true }),
        ],
        indices: [
          new TableIndex({
            name: 'idx_quiz_attempt_staff',
            columnNames: ['staff_id', 'level_id', 'started_at'],
          }),
          new TableIndex({ name: 'idx_quiz_attempt_status', columnNames: ['status', 'updated_at'] }),
        ],
        foreignKeys: [
          {
            name: 'fk_quiz_attempt_staff',
            columnNames: ['staff_id'],
            referencedTableName: 'staff',
            referencedColumnNames: ['id'],
          },
          {
            name: 'fk_quiz_attempt_level',
            columnNames: ['level_id'],
            referencedTableName: 'quiz_level',
            referencedColumnNames: ['id'],
            onDelete: 'CASCADE',
          },
        ],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'points_entry',
        columns: [
          idTableColumn(),
          { name: 'staff_id', type: 'integer' },
          { name: 'points', type: 'integer' },
          { name: 'reason_key', type: 'varchar', length: '40' },
          { name: 'source_type', type: 'varchar', length: '20' },
          { name: 'source_id', type: 'integer' },
          datetimeTableColumn('created_at'),
        ],
        indices: [
          new TableIndex({
            name: 'uq_points_entry_source',
            columnNames: ['source_type', 'source_id'],
            isUnique: true,
          }),
          new TableIndex({ name: 'idx_points_entry_staff', columnNames: ['staff_id', 'created_at'] }),
        ],
        foreignKeys: [
          {
            name: 'fk_points_entry_staff',
            columnNames: ['staff_id'],
            referencedTableName: 'staff',
            referencedColumnNames: ['id'],
          },
        ],
      }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('points_entry');
    await queryRunner.dropTable('quiz_attempt');
    await queryRunner.dropTable('quiz_question');
    await queryRunner.dropTable('quiz_level');
  }
}
