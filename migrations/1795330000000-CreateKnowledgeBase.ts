import { randomBytes } from 'node:crypto';
import { Table, TableIndex, type MigrationInterface, type QueryRunner } from 'typeorm';
import { datetimeTableColumn, idTableColumn } from '../bot/src/db/columns';

/**
 * The field handbook (装维宝典): entries, their search index (terms with weights and per-term document
 * frequencies, ranked in SQL so every instance shares it), and the key that signs public links when SESSION_SECRET is not set — generated
 * here, once, so that all instances agree on it from the start.
 */
export class CreateKnowledgeBase1795330000000 implements MigrationInterface {
  async up(queryRunner: QueryRunner): Promise<void> {
    // Terms compare byte for byte on every database: MySQL's default utf8mb4_unicode_ci would make
    // `café` and `cafe` one key (a duplicate within an entry) and rank differently from SQLite.
    const exact =
      queryRunner.connection.driver.options.type === 'mysql'
        ? { charset: 'utf8mb4', collation: 'utf8mb4_bin' }
        : {};
    await queryRunner.createTable(
      new Table({
        name: 'kb_entry',
        columns: [
          idTableColumn(),
          { name: 'title', type: 'varchar', length: '200' },
          { name: 'body', type: 'text' },
          { name: 'tags', type: 'text' },
          { name: 'photos', type: 'text' },
          { name: 'author', type: 'varchar', length: '64' },
          datetimeTableColumn('created_at'),
          datetimeTableColumn('updated_at'),
          { name: 'version', type: 'integer', default: 1 },
          { name: 'is_published', type: 'boolean', default: false },
        ],
        indices: [
          new TableIndex({ name: 'uq_kb_entry_title', columnNames: ['title'], isUnique: true }),
          new TableIndex({ name: 'idx_kb_entry_created', columnNames: ['created_at'] }),
          new TableIndex({ name: 'idx_kb_entry_published', columnNames: ['is_published', 'created_at'] }),
        ],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'kb_term',
        // The primary key leads with entry_id: re-indexing an entry deletes a key range (and on
        // MySQL/MariaDB its rows sit together in the clustered index).
        columns: [
          { name: 'entry_id', type: 'integer', isPrimary: true },
          { name: 'term', type: 'varchar', length: '64', isPrimary: true, ...exact },
          { name: 'weight', type: 'double' },
        ],
        indices: [
          // A term's postings, heaviest first, covering: a search reads this index and nothing else.
          new TableIndex({ name: 'idx_kb_term_impact', columnNames: ['term', 'weight', 'entry_id'] }),
        ],
        foreignKeys: [
          {
            name: 'fk_kb_term_entry',
            columnNames: ['entry_id'],
            referencedTableName: 'kb_entry',
            referencedColumnNames: ['id'],
            onDelete: 'CASCADE',
          },
        ],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'kb_term_stat',
        // Document frequency per term, and under the empty term the number of indexed entries: a
        // search reads these with a few primary-key lookups instead of counting postings.
        columns: [
          { name: 'term', type: 'varchar', length: '64', isPrimary: true, ...exact },
          { name: 'df', type: 'integer', default: 0 },
        ],
      }),
    );
    await queryRunner.query('INSERT INTO kb_term_stat (term, df) VALUES (?, ?)', ['', 0]);
    await queryRunner.createTable(
      new Table({
        name: 'kb_link_secret',
        columns: [
          { name: 'id', type: 'integer', isPrimary: true },
          { name: 'secret', type: 'varchar', length: '64' },
        ],
      }),
    );
    await queryRunner.query('INSERT INTO kb_link_secret (id, secret) VALUES (?, ?)', [
      1,
      randomBytes(32).toString('hex'),
    ]);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('kb_link_secret');
    await queryRunner.dropTable('kb_term_stat');
    await queryRunner.dropTable('kb_term');
    await queryRunner.dropTable('kb_entry');
  }
}
