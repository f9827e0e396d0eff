import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';
import { datetimeColumn, jsonTransformer } from '../../db/columns';
import type { BotReply } from '../../conversation/reply';
import type { InboundMessage } from './message';

export type InboundStatus = 'received' | 'processing' | 'done' | 'failed';
/** How the reply reached the member: null = passive (or nothing to say), 'push' = an outbox WeCom push. */
export type ReplyChannel = 'push' | null;

/**
 * The inbox (DESIGN §2 step 8): every accepted callback, stored before anything else happens, under a
 * unique dedupe key, so WeCom's retries (three deliveries, 5 s apart) never cause a second effect.
 */
@Entity({ name: 'inbound_message' })
@Index('idx_inbound_message_status', ['status', 'leaseUntil'])
export class InboundMessageRecord {
  @PrimaryGeneratedColumn({ type: 'integer' })
  id!: number;

  @Index('uq_inbound_message_dedupe_key', { unique: true })
  @Column({ name: 'dedupe_key', type: 'varchar', length: 191 })
  dedupeKey!: string;

  @Column({ name: 'from_user', type: 'varchar', length: 64 })
  fromUser!: string;

  @Column({ name: 'msg_type', type: 'varchar', length: 32 })
  msgType!: string;

  @Column({ type: 'varchar', length: 64, nullable: true })
  event!: string | null;

  @Column({ type: 'text', transformer: jsonTransformer })
  payload!: InboundMessage;

  @Column({ type: 'varchar', length: 16 })
  status!: InboundStatus;

  @Column({ type: 'integer', default: 0 })
  attempts!: number;

  @Column(datetimeColumn('lease_until', { nullable: true }))
  leaseUntil!: Date | null;

  @Column({ type: 'text', nullable: true, transformer: jsonTransformer })
  reply!: BotReply[] | null;

  @Column({ name: 'reply_channel', type: 'varchar', length: 16, nullable: true })
  replyChannel!: ReplyChannel;

  @Column({ name: 'last_error', type: 'text', nullable: true })
  lastError!: string | null;

  @Column(datetimeColumn('received_at'))
  receivedAt!: Date;

  @Column(datetimeColumn('processed_at', { nullable: true }))
  processedAt!: Date | null;
}
