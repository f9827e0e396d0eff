import { Table, TableColumn, TableIndex, type MigrationInterface, type QueryRunner } from 'typeorm';
import { datetimeTableColumn, idTableColumn } from '../bot/src/db/columns';

/**
 * Staff and duty groups (who is alerted, and how to reach them), the notification outbox, and the end of
 * the WeCom inbox's own push bookkeeping (replies are outbox rows now).
 */
export class CreateStaffDutyGroupsAndOutbox1795322744652 implements MigrationInterface {
  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.createTable(
      new Table({
        name: 'staff',
        columns: [
          idTableColumn(),
          { name: 'staff_no', type: 'varchar', length: '32' },
          { name: 'name', type: 'varchar', length: '64' },
          { name: 'phone', type: 'varchar', length: '20', isNullable: true },
          { name: 'email', type: 'varchar', length: '254', isNullable: true },
          { name: 'role', type: 'varchar', length: '16' },
          { name: 'is_active', type: 'boolean', default: true },
          { name: 'language', type: 'varchar', length: '8', default: "'zh-CN'" },
          { name: 'wecom_user_id', type: 'varchar', length: '64', isNullable: true },
          datetimeTableColumn('created_at'),
          datetimeTableColumn('updated_at'),
        ],
        indices: [
          new TableIndex({ name: 'uq_staff_staff_no', columnNames: ['staff_no'], isUnique: true }),
          new TableIndex({ name: 'uq_staff_wecom_user_id', columnNames: ['wecom_user_id'], isUnique: true }),
        ],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'duty_group',
        columns: [
          idTableColumn(),
          { name: 'key', type: 'varchar', length: '64' },
          { name: 'name', type: 'varchar', length: '64' },
          { name: 'description', type: 'text', isNullable: true },
          datetimeTableColumn('created_at'),
        ],
        indices: [new TableIndex({ name: 'uq_duty_group_key', columnNames: ['key'], isUnique: true })],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'duty_group_member',
        columns: [
          idTableColumn(),
          { name: 'group_id', type: 'integer' },
          { name: 'staff_id', type: 'integer' },
          { name: 'is_on_duty', type: 'boolean', default: false },
          datetimeTableColumn('on_duty_changed_at', { nullable: true }),
          { name: 'on_duty_changed_by', type: 'varchar', length: '64', isNullable: true },
        ],
        indices: [
          new TableIndex({
            name: 'uq_duty_group_member',
            columnNames: ['group_id', 'staff_id'],
            isUnique: true,
          }),
        ],
        foreignKeys: [
          {
            name: 'fk_duty_group_member_group',
            columnNames: ['group_id'],
            referencedTableName: 'duty_group',
            referencedColumnNames: ['id'],
            onDelete: 'CASCADE',
          },
          {
            name: 'fk_duty_group_member_staff',
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
        name: 'outbox',
        columns: [
          idTableColumn(),
          { name: 'channel', type: 'varchar', length: '8' },
          { name: 'recipient_kind', type: 'varchar', length: '12' },
          { name: 'recipient_ref', type: 'varchar', length: '64' },
          { name: 'template', type: 'varchar', length: '64' },
          { name: 'data', type: 'text' },
          { name: 'dedupe_key', type: 'varchar', length: '191' },
          { name: 'urgency', type: 'varchar', length: '8' },
          { name: 'status', type: 'varchar', length: '12' },
          { name: 'attempts', type: 'integer', default: 0 },
          datetimeTableColumn('next_attempt_at'),
          { name: 'claim_token', type: 'varchar', length: '32', isNullable: true },
          datetimeTableColumn('lease_until', { nullable: true }),
          { name: 'parent_id', type: 'integer', isNullable: true },
          { name: 'is_on_duty', type: 'boolean', default: false },
          { name: 'resolved_address', type: 'varchar', length: '254', isNullable: true },
          { name: 'provider_id', type: 'varchar', length: '64', isNullable: true },
          { name: 'provider_status', type: 'varchar', length: '16', isNullable: true },
          datetimeTableColumn('uncertain_since', { nullable: true }),
          { name: 'last_error', type: 'text', isNullable: true },
          datetimeTableColumn('created_at'),
          datetimeTableColumn('sent_at', { nullable: true }),
        ],
        indices: [
          new TableIndex({ name: 'uq_outbox_dedupe_key', columnNames: ['dedupe_key'], isUnique: true }),
          new TableIndex({ name: 'idx_outbox_due', columnNames: ['status', 'next_attempt_at'] }),
          new TableIndex({ name: 'idx_outbox_provider_id', columnNames: ['provider_id'] }),
          new TableIndex({ name: 'idx_outbox_claim_token', columnNames: ['claim_token'] }),
        ],
      }),
    );
    await queryRunner.dropColumn('inbound_message', 'pushed_at');
    await queryRunner.dropColumn('inbound_message', 'push_attempts');
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.addColumn(
      'inbound_message',
      new TableColumn({ name: 'push_attempts', type: 'integer', default: 0 }),
    );
    await queryRunner.addColumn(
      'inbound_message',
      new TableColumn({ name: 'pushed_at', type: 'datetime', precision: 3, isNullable: true }),
    );
    await queryRunner.dropTable('outbox');
    await queryRunner.dropTable('duty_group_member');
    await queryRunner.dropTable('duty_group');
    await queryRunner.dropTable('staff');
  }
}
