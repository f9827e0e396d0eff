import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { datetimeColumn } from '../../db/columns';

/**
 * A signed-in back-office session, kept server-side. The cookie carries a random id; only its SHA-256
 * is stored, so a leaked database does not hand out sessions.
 */
@Entity({ name: 'web_session' })
@Index('idx_web_session_staff', ['staffId'])
export class WebSession {
  @PrimaryColumn({ name: 'id_hash', type: 'varchar', length: 64 })
  idHash!: string;

  @Column({ name: 'staff_id', type: 'integer' })
  staffId!: number;

  /** The token forms must carry (CSRF). */
  @Column({ name: 'csrf_token', type: 'varchar', length: 64 })
  csrfToken!: string;

  @Column({ type: 'varchar', length: 64, nullable: true })
  ip!: string | null;

  @Column({ name: 'user_agent', type: 'varchar', length: 255, nullable: true })
  userAgent!: string | null;

  @Column(datetimeColumn('created_at'))
  createdAt!: Date;

  @Column(datetimeColumn('last_seen_at'))
  lastSeenAt!: Date;

  @Column(datetimeColumn('expires_at'))
  expiresAt!: Date;
}
