import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';
import { datetimeColumn } from '../../db/columns';

/**
 * Who gets alerted for a kind of work: `control-desk` (the 1183301 control staff), `completion-desk`,
 * a tier-3 department… Alerts to a group reach the members on duty now.
 */
@Entity({ name: 'duty_group' })
export class DutyGroup {
  @PrimaryGeneratedColumn({ type: 'integer' })
  id!: number;

  /** Stable key used in code and commands, e.g. `control-desk`. */
  @Index('uq_duty_group_key', { unique: true })
  @Column({ type: 'varchar', length: 64 })
  key!: string;

  @Column({ type: 'varchar', length: 64 })
  name!: string;

  @Column({ type: 'text', nullable: true })
  description!: string | null;

  @Column(datetimeColumn('created_at'))
  createdAt!: Date;
}
