import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';
import { datetimeColumn } from '../../db/columns';

/**
 * A verification code sent by SMS to bind a WeCom account to a staff record. Only a salted hash is
 * kept; it expires after 5 minutes and allows 5 tries.
 */
@Entity({ name: 'binding_code' })
@Index('idx_binding_code_staff', ['staffId', 'createdAt'])
export class BindingCode {
  @PrimaryGeneratedColumn({ type: 'integer' })
  id!: number;

  @Column({ name: 'staff_id', type: 'integer' })
  staffId!: number;

  /** The WeCom UserID that asked for the code: only it can use the code. */
  @Column({ name: 'wecom_user_id', type: 'varchar', length: 64 })
  wecomUserId!: string;

  @Column({ name: 'code_hash', type: 'varchar', length: 64 })
  codeHash!: string;

  @Column({ type: 'varchar', length: 32 })
  salt!: string;

  @Column({ type: 'integer', default: 0 })
  attempts!: number;

  @Column(datetimeColumn('expires_at'))
  expiresAt!: Date;

  @Column(datetimeColumn('consumed_at', { nullable: true }))
  consumedAt!: Date | null;

  @Column(datetimeColumn('created_at'))
  createdAt!: Date;
}
