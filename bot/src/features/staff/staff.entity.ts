import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';
import { datetimeColumn } from '../../db/columns';

export const ROLES = ['engineer', 'tier2', 'tier3', 'manager', 'admin'] as const;
export type Role = (typeof ROLES)[number];

/**
 * A person Fieldline knows: a field engineer or a back-office member. Notifications resolve phone,
 * email and WeCom user from here at send time, so a corrected number takes effect for queued alerts too.
 */
@Entity({ name: 'staff' })
export class Staff {
  @PrimaryGeneratedColumn({ type: 'integer' })
  id!: number;

  /** 工号 */
  @Index('uq_staff_staff_no', { unique: true })
  @Column({ name: 'staff_no', type: 'varchar', length: 32 })
  staffNo!: string;

  @Column({ type: 'varchar', length: 64 })
  name!: string;

  /** E.164, e.g. +8613800000000. */
  @Column({ type: 'varchar', length: 20, nullable: true })
  phone!: string | null;

  @Column({ type: 'varchar', length: 254, nullable: true })
  email!: string | null;

  @Column({ type: 'varchar', length: 16 })
  role!: Role;

  @Column({ name: 'department_id', type: 'integer', nullable: true })
  departmentId!: number | null;

  @Column({ name: 'is_active', type: 'boolean', default: true })
  isActive!: boolean;

  @Column({ type: 'varchar', length: 8, default: 'zh-CN' })
  language!: string;

  /** The WeCom UserID bound to this record, once bound. */
  @Index('uq_staff_wecom_user_id', { unique: true })
  @Column({ name: 'wecom_user_id', type: 'varchar', length: 64, nullable: true })
  wecomUserId!: string | null;

  @Column(datetimeColumn('created_at'))
  createdAt!: Date;

  @Column(datetimeColumn('updated_at'))
  updatedAt!: Date;
}
