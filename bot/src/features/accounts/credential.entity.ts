import { Column, Entity, PrimaryColumn } from 'typeorm';
import { datetimeColumn } from '../../db/columns';

/**
 * A back-office password (scrypt) and its brute-force state: failed sign-ins in the current 15-minute
 * window, and the lock that 5 of them set.
 */
@Entity({ name: 'staff_credential' })
export class StaffCredential {
  @PrimaryColumn({ name: 'staff_id', type: 'integer' })
  staffId!: number;

  /** `scrypt$N$r$p$salt$hash` (base64url parts). */
  @Column({ name: 'password_hash', type: 'varchar', length: 255 })
  passwordHash!: string;

  @Column({ name: 'failed_count', type: 'integer', default: 0 })
  failedCount!: number;

  @Column(datetimeColumn('window_started_at', { nullable: true }))
  windowStartedAt!: Date | null;

  @Column(datetimeColumn('locked_until', { nullable: true }))
  lockedUntil!: Date | null;

  @Column(datetimeColumn('password_changed_at'))
  passwordChangedAt!: Date;
}
