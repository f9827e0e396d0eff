import { Table, TableIndex, type MigrationInterface, type QueryRunner } from 'typeorm';
import { datetimeTableColumn, idTableColumn } from '../bot/src/db/columns';

/**
 * Notices, hot issues, outage alerts and best cases (articles), who each went to and read it, who each
 * reminder round went to, and training videos.
 */
export class CreateBroadcasts1795342000000 implements MigrationInterface {
  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.createTable(
      new Table({
        name: 'article',
        columns: [
          idTableColumn(),
          { name: 'kind', type: 'varchar', length: '10' },
          { name: 'title', type: 'varchar', length: '200' },
          { name: 'summary', type: 'varchar', length: '500' },
          { name: 'body', type: 'text' },
          { name: 'cover_key', type: 'varchar', length: '80', isNullable: true },
          { name: 'tags', type: 'text' },
          { name: 'author_id', type: 'integer' },
          { name: 'status', type: 'varchar', length: '10' },
          { name: 'audience', type: 'text' },
          { name: 'is_urgent', type: 'boolean', default: false },
          { name: 'sms_groups', type: 'text' },
          datetimeTableColumn('scheduled_at', { nullable: true }),
          datetimeTableColumn('sent_at', { nullable: true }),
          { name: 'featured_week', type: 'varchar', length: '8', isNullable: true },
          { name: 'recipient_count', type: 'integer', default: 0 },
          { name: 'reminder_rounds', type: 'integer', default: 0 },
          datetimeTableColumn('last_reminded_at', { nullable: true }),
          { name: 'version', type: 'integer', default: 1 },
          datetimeTableColumn('created_at'),
          datetimeTableColumn('updated_at'),
        ],
        indices: [
          new TableIndex({ name: 'idx_article_due', columnNames: ['status', 'scheduled_at'] }),
          new TableIndex({ name: 'idx_article_kind_sent', columnNames: ['kind', 'status', 'sent_at'] }),
          new TableIndex({ name: 'idx_article_featured', columnNames: ['featured_week'] }),
        ],
        foreignKeys: [
          {
            name: 'fk_article_author',
            columnNames: ['author_id'],
            referencedTableName: 'staff',
            referencedColumnNames: ['id'],
          },
        ],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'article_recipient',
        columns: [
          idTableColumn(),
          { name: 'article_id', type: 'integer' },
          { name: 'staff_id', type: 'integer' },
          { name: 'batch', type: 'integer' },
          { name: 'wecom_user_id', type: 'varchar', length: '64' },
          { name: 'locale', type: 'varchar', length: '8' },
          { name: 'delivery_status', type: 'varchar', length: '10' },
          datetimeTableColumn('delivered_at', { nullable: true }),
          datetimeTableColumn('read_at', { nullable: true }),
          { name: 'reminder_round', type: 'integer', default: 0 },
          datetimeTableColumn('reminded_at', { nullable: true }),
        ],
        indices: [
          new TableIndex({
            name: 'uq_article_recipient',
            columnNames: ['article_id', 'staff_id'],
            isUnique: true,
          }),
          new TableIndex({ name: 'idx_article_recipient_batch', columnNames: ['article_id', 'batch'] }),
          // Covers the list page's per-article counts.
          new TableIndex({
            name: 'idx_article_recipient_counts',
            columnNames: ['article_id', 'delivery_status', 'read_at', 'reminded_at'],
          }),
          new TableIndex({ name: 'idx_article_recipient_staff', columnNames: ['staff_id'] }),
        ],
        foreignKeys: [
          {
            name: 'fk_article_recipient_article',
            columnNames: ['article_id'],
            referencedTableName: 'article',
            referencedColumnNames: ['id'],
            onDelete: 'CASCADE',
          },
          {
            name: 'fk_article_recipient_staff',
            columnNames: ['staff_id'],
            referencedTableName: 'staff',
            referencedColumnNames: ['id'],
          },
        ],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'article_reminder',
        columns: [
          idTableColumn(),
          { name: 'article_id', type: 'integer' },
          { name: 'round', type: 'integer' },
          { name: 'batch', type: 'integer' },
          { name: 'recipient_id', type: 'integer' },
          { name: 'wecom_user_id', type: 'varchar', length: '64' },
          { name: 'locale', type: 'varchar', length: '8' },
        ],
        indices: [
          new TableIndex({
            name: 'uq_article_reminder',
            columnNames: ['article_id', 'round', 'recipient_id'],
            isUnique: true,
          }),
          new TableIndex({
            name: 'idx_article_reminder_batch',
            columnNames: ['article_id', 'round', 'batch'],
          }),
        ],
        foreignKeys: [
          {
            name: 'fk_article_reminder_article',
            columnNames: ['article_id'],
            referencedTableName: 'article',
            referencedColumnNames: ['id'],
            onDelete: 'CASCADE',
          },
          {
            name: 'fk_article_reminder_recipient',
            columnNames: ['recipient_id'],
            referencedTableName: 'article_recipient',
            referencedColumnNames: ['id'],
            onDelete: 'CASCADE',
          },
        ],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'training_video',
        columns: [
          idTableColumn(),
          { name: 'title', type: 'varchar', length: '100' },
          { name: 'description', type: 'varchar', length: '500', default: "''" },
          { name: 'duration_seconds', type: 'integer' },
          { name: 'url', type: 'varchar', length: '1000' },
          { name: 'cover_key', type: 'varchar', length: '80', isNullable: true },
          { name: 'sort_order', type: 'integer' },
          { name: 'is_active', type: 'boolean', default: true },
          { name: 'version', type: 'integer', default: 1 },
          datetimeTableColumn('created_at'),
          datetimeTableColumn('updated_at'),
        ],
        indices: [
          new TableIndex({ name: 'idx_training_video_order', columnNames: ['is_active', 'sort_order'] }),
        ],
      }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('training_video');
    await queryRunner.dropTable('article_reminder');
    await queryRunner.dropTable('article_recipient');
    await queryRunner.dropTable('article');
  }
}
