import { Table, TableIndex, type MigrationInterface, type QueryRunner } from 'typeorm';
import { datetimeTableColumn, idTableColumn } from '../bot/src/db/columns';

/** The WeCom inbox (idempotent callbacks) and the shared access_token row. */
export class CreateWecomInboxAndToken1795319494839 implements MigrationInterface {
  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.createTable(
      new Table({
        name: 'inbound_message',
        columns: [
          idTableColumn(),
          { name: 'dedupe_key', type: 'varchar', length: '191' },
          { name: 'from_user', type: 'varchar', length: '64' },
          { name: 'msg_type', type: 'varchar', length: '32' },
          { name: 'event', type: 'varchar', length: '64', isNullable: true },
          { name: 'payload', type: 'text' },
          { name: 'status', type: 'varchar', length: '16' },
          { name: 'attempts', type: 'integer', default: 0 },
          datetimeTableColumn('lease_until', { nullable: true }),
          { name: 'reply', type: 'text', isNullable: true },
          { name: 'reply_channel', type: 'varchar', length: '16', isNullable: true },
          datetimeTableColumn('pushed_at', { nullable: true }),
          { name: 'push_attempts', type: 'integer', default: 0 },
          { name: 'last_error', type: 'text', isNullable: true },
          datetimeTableColumn('received_at'),
          datetimeTableColumn('processed_at', { nullable: true }),
        ],
        indices: [
          new TableIndex({
            name: 'uq_inbound_message_dedupe_key',
            columnNames: ['dedupe_key'],
            isUnique: true,
          }),
          new TableIndex({ name: 'idx_inbound_message_status', columnNames: ['status', 'lease_until'] }),
        ],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'wecom_access_token',
        columns: [
          { name: 'key', type: 'varchar', length: '100', isPrimary: true },
          { name: 'access_token', type: 'varchar', length: '512', isNullable: true },
          datetimeTableColumn('expires_at', { nullable: true }),
          { name: 'refresh_owner', type: 'varchar', length: '100', isNullable: true },
          datetimeTableColumn('refresh_lease_until', { nullable: true }),
          datetimeTableColumn('updated_at', { nullable: true }),
        ],
      }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('wecom_access_token');
    await queryRunner.dropTable('inbound_message');
  }
}
