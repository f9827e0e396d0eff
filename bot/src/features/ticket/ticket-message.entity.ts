import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';
import { datetimeColumn, jsonTransformer } from '../../db/columns';

/**
 * One line of a ticket's thread. `question`, `engineer` (more from the engineer), `reply` (an answer
 * pushed to the engineer), `request` (a question back to the engineer), `note` (internal), and the
 * hand-overs: `claimed`, `escalated`, `returned`, `resolved`, `reopened`, `confirmed`, `archived`.
 */
export type TicketMessageType =
  | 'question'
  | 'engineer'
  | 'reply'
  | 'request'
  | 'note'
  | 'claimed'
  | 'escalated'
  | 'returned'
  | 'resolved'
  | 'reopened'
  | 'confirmed'
  | 'archived';

@Entity({ name: 'ticket_message' })
@Index('idx_ticket_message_ticket', ['ticketId', 'id'])
export class TicketMessage {
  @PrimaryGeneratedColumn({ type: 'integer' })
  id!: number;

  @Column({ name: 'ticket_id', type: 'integer' })
  ticketId!: number;

  @Column({ type: 'varchar', length: 10 })
  type!: TicketMessageType;

  /** Staff record of the author; null for the system. */
  @Column({ name: 'author_staff_id', type: 'integer', nullable: true })
  authorStaffId!: number | null;

  /** The tier the author acted at (1 the engineer, 2 the desk, 3 a department, 0 the system). */
  @Column({ name: 'author_tier', type: 'integer' })
  authorTier!: number;

  @Column({ type: 'text', nullable: true })
  body!: string | null;

  @Column({ type: 'text', transformer: jsonTransformer })
  photos!: string[];

  /** Back-office only (escalation notes, internal notes): never pushed to the engineer. */
  @Column({ name: 'is_internal', type: 'boolean', default: false })
  isInternal!: boolean;

  @Column(datetimeColumn('at'))
  at!: Date;
}
