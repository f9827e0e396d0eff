import { Column, Entity, PrimaryColumn } from 'typeorm';
import { datetimeColumn, jsonTransformer } from '../db/columns';

/**
 * One conversation per WeCom user, in the database so any instance can continue it: the flow in
 * progress, its step and draft, and photos that arrived before any flow wanted them. A flow left idle
 * for 10 minutes is dropped.
 */
@Entity({ name: 'conversation_session' })
export class ConversationSession {
  @PrimaryColumn({ name: 'wecom_user_id', type: 'varchar', length: 64 })
  wecomUserId!: string;

  @Column({ type: 'varchar', length: 32, nullable: true })
  flow!: string | null;

  @Column({ type: 'varchar', length: 32, nullable: true })
  step!: string | null;

  @Column({ type: 'text', nullable: true, transformer: jsonTransformer })
  draft!: object | null;

  /** Photos (media keys) sent while no flow was waiting for them, kept for the next flow that takes photos. */
  @Column({ name: 'pending_media', type: 'text', nullable: true, transformer: jsonTransformer })
  pendingMedia!: string[] | null;

  @Column(datetimeColumn('expires_at', { nullable: true }))
  expiresAt!: Date | null;

  @Column(datetimeColumn('updated_at'))
  updatedAt!: Date;
}
