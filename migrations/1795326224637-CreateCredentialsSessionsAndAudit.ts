import { Table, TableIndex, type MigrationInterface, type QueryRunner } from 'typeorm';
import { datetimeTableColumn, idTableColumn } from '../bot/src/db/columns';

/** Back-office passwords and lockout state, server-side web sessions, and the audit log. */
export class CreateCredentialsSessionsAndAudit1795326224637 implements MigrationInterface {
  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.createTable(
      new Table({
        name: 'staff_credential',
        columns: [
          { name: 'staff_id', type: 'integer', isPrimary: true },
          { name: 'password_hash', type: 'varchar', length: '255' },
          { name: 'failed_count', type: 'integer', default: 0 },
          datetimeTableColumn('window_started_at', { nullable: true }),
          datetimeTableColumn('locked_until', { nullable: true }),
          datetimeTableColumn('password_changed_at'),
        ],
        foreignKeys: [
          {
            name: 'fk_staff_credential_staff',
            columnNames: ['staff_id'],
            referencedTableName: 'staff',
            referencedColumnNames: ['id'],
            onDelete: 'CASCADE',
          },
        ],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'web_session',
        columns: [
          { name: 'id_hash', type: 'varchar', length: '64', isPrimary: true },
          { name: 'staff_id', type: 'integer' },
          { name: 'csrf_token', type: 'varchar', length: '64' },
          { name: 'ip', type: 'varchar', length: '64', isNullable: true },
          { name: 'user_agent', type: 'varchar', length: '255', isNullable: true },
          datetimeTableColumn('created_at'),
          datetimeTableColumn('last_seen_at'),
          datetimeTableColumn('expires_at'),
        ],
        indices: [new TableIndex({ name: 'idx_web_session_staff', columnNames: ['staff_id'] })],
        foreignKeys: [
          {
            name: 'fk_web_session_staff',
            columnNames: ['staff_id'],
            referencedTableName: 'staff',
            referencedColumnNames: ['id'],
            onDelete: 'CASCADE',
          },
        ],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'audit_log',
        columns: [
          idTableColumn(),
          { name: 'actor', type: 'varchar', length: '64' },
          { name: 'action', type: 'varchar', length: '64' },
          { name: 'record_type', type: 'varchar', length: '32' },
          { name: 'record_id', type: 'varchar', length: '64', isNullable: true },
          { name: 'before', type: 'text', isNullable: true },
          { name: 'after', type: 'text', isNullable: true },
          { name: 'ip', type: 'varchar', length: '64', isNullable: true },
          datetimeTableColumn('at'),
        ],
        indices: [
          new TableIndex({ name: 'idx_audit_log_at', columnNames: ['at'] }),
          new TableIndex({ name: 'idx_audit_log_actor', columnNames: ['actor'] }),
          new TableIndex({ name: 'idx_audit_log_record', columnNames: ['record_type', 'record_id'] }),
        ],
      }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('audit_log');
    await queryRunner.dropTable('web_session');
    await queryRunner.dropTable('staff_credential');
  }
}
