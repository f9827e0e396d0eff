import {
  Table,
  TableColumn,
  TableForeignKey,
  TableIndex,
  type MigrationInterface,
  type QueryRunner,
} from 'typeorm';
import { datetimeTableColumn, idTableColumn } from '../bot/src/db/columns';

/** Departments (tier-3 and field areas), SMS binding codes, and conversation sessions. */
export class CreateDepartmentsBindingAndSessions1795324694557 implements MigrationInterface {
  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.createTable(
      new Table({
        name: 'department',
        columns: [
          idTableColumn(),
          { name: 'name', type: 'varchar', length: '64' },
          { name: 'kind', type: 'varchar', length: '8' },
          datetimeTableColumn('created_at'),
        ],
        indices: [new TableIndex({ name: 'uq_department_name', columnNames: ['name'], isUnique: true })],
      }),
    );
    await queryRunner.addColumn(
      'staff',
      new TableColumn({ name: 'department_id', type: 'integer', isNullable: true }),
    );
    await queryRunner.createForeignKey(
      'staff',
      new TableForeignKey({
        name: 'fk_staff_department',
        columnNames: ['department_id'],
        referencedTableName: 'department',
        referencedColumnNames: ['id'],
        onDelete: 'SET NULL',
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'binding_code',
        columns: [
          idTableColumn(),
          { name: 'staff_id', type: 'integer' },
          { name: 'wecom_user_id', type: 'varchar', length: '64' },
          { name: 'code_hash', type: 'varchar', length: '64' },
          { name: 'salt', type: 'varchar', length: '32' },
          { name: 'attempts', type: 'integer', default: 0 },
          datetimeTableColumn('expires_at'),
          datetimeTableColumn('consumed_at', { nullable: true }),
          datetimeTableColumn('created_at'),
        ],
        indices: [
          new TableIndex({ name: 'idx_binding_code_staff', columnNames: ['staff_id', 'created_at'] }),
        ],
        foreignKeys: [
          {
            name: 'fk_binding_code_staff',
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
        name: 'conversation_session',
        columns: [
          { name: 'wecom_user_id', type: 'varchar', length: '64', isPrimary: true },
          { name: 'flow', type: 'varchar', length: '32', isNullable: true },
          { name: 'step', type: 'varchar', length: '32', isNullable: true },
          { name: 'draft', type: 'text', isNullable: true },
          { name: 'pending_media', type: 'text', isNullable: true },
          datetimeTableColumn('expires_at', { nullable: true }),
          datetimeTableColumn('updated_at'),
        ],
      }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('conversation_session');
    await queryRunner.dropTable('binding_code');
    await queryRunner.dropForeignKey('staff', 'fk_staff_department');
    await queryRunner.dropColumn('staff', 'department_id');
    await queryRunner.dropTable('department');
  }
}
