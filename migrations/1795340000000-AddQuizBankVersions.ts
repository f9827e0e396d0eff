import { TableColumn, TableIndex, type MigrationInterface, type QueryRunner } from 'typeorm';
import { datetimeTableColumn } from '../bot/src/db/columns';

/**
 * Versions for the quiz bank's levels and questions, so that two editors saving the same one at once
 * cannot silently overwrite each other (the second save is refused), and when each was last changed.
 * Existing rows start at version 1, never edited. Attempts keep a copy of the questions they drew
 * (null for attempts started before this), so an edit in the bank cannot change an attempt under way.
 * The ledger gets an index on its time alone, for the week's leaderboard and the month's totals.
 */
export class AddQuizBankVersions1795340000000 implements MigrationInterface {
  async up(queryRunner: QueryRunner): Promise<void> {
    for (const table of ['quiz_level', 'quiz_question']) {
      await queryRunner.addColumns(table, [
        new TableColumn({ name: 'version', type: 'integer', default: 1 }),
        new TableColumn(datetimeTableColumn('updated_at', { nullable: true })),
      ]);
    }
    await queryRunner.addColumn(
      'quiz_attempt',
      new TableColumn({ name: 'question_snapshots', type: 'text', isNullable: true }),
    );
    await queryRunner.createIndex(
      'points_entry',
      new TableIndex({ name: 'idx_points_entry_created', columnNames: ['created_at'] }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropIndex('points_entry', 'idx_points_entry_created');
    await queryRunner.dropColumn('quiz_attempt', 'question_snapshots');
    for (const table of ['quiz_question', 'quiz_level']) {
      await queryRunner.dropColumn(table, 'updated_at');
      await queryRunner.dropColumn(table, 'version');
    }
  }
}
