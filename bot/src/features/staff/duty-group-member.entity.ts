import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';
import { datetimeColumn } from '../../db/columns';

/** A staff member's place in a duty group, and whether they are on duty right now. */
@Entity({ name: 'duty_group_member' })
@Index('uq_duty_group_member', ['groupId', 'staffId'], { unique: true })
export class DutyGroupMember {
  @PrimaryGeneratedColumn({ type: 'integer' })
  id!: number;

  @Column({ name: 'group_id', type: 'integer' })
  groupId!: number;

  @Column({ name: 'staff_id', type: 'integer' })
  staffId!: number;

  @Column({ name: 'is_on_duty', type: 'boolean', default: false })
  isOnDuty!: boolean;

  @Column(datetimeColumn('on_duty_changed_at', { nullable: true }))
  onDutyChangedAt!: Date | null;

  /** Staff number (or `cli:<user>`) of whoever switched it last. */
  @Column({ name: 'on_duty_changed_by', type: 'varchar', length: 64, nullable: true })
  onDutyChangedBy!: string | null;
}
