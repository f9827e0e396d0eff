import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';
import { datetimeColumn, jsonTransformer } from '../../db/columns';

export type CompletionEventType =
  | 'submitted'
  | 'claimed'
  | 'completed'
  | 'rejected'
  | 'realerted'
  /** Sent to the order system; `manual`: it answered that people must close this one. */
  | 'handedOff'
  | 'manual';

/** One line of a completion request's timeline. */
@Entity({ name: 'completion_event' })
@Index('idx_completion_event_request', ['requestId', 'at'])
export class CompletionEvent {
  @PrimaryGeneratedColumn({ type: 'integer' })
  id!: number;

  @Column({ name: 'request_id', type: 'integer' })
  requestId!: number;

  @Column({ type: 'varchar', length: 12 })
  type!: CompletionEventType;

  /** Staff number, or `system` for re-alerts. */
  @Column({ type: 'varchar', length: 64 })
  actor!: string;

  @Column({ type: 'text', nullable: true })
  note!: string | null;

  @Column({ type: 'text', nullable: true, transformer: jsonTransformer })
  data!: object | null;

  @Column(datetimeColumn('at'))
  at!: Date;
}
