import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';
import { datetimeColumn, jsonTransformer } from '../../db/columns';
import type { QuizQuestionType } from './quiz-question.entity';

/** `abandoned` (取消, another command, or a new attempt started) and `expired` (left idle) count as failed. */
export type QuizAttemptStatus = 'in-progress' | 'passed' | 'failed' | 'abandoned' | 'expired';

/** One answer given: the letters in the question's original order (or 对/错), and whether it was right. */
export interface QuizAnswer {
  readonly given: string;
  readonly isCorrect: boolean;
}

/**
 * A drawn question as the attempt shows and judges it, copied when the attempt starts: an editor changing
 * the question in the bank meanwhile changes nothing for an attempt already under way.
 */
export interface QuizAttemptQuestion {
  readonly id: number;
  readonly type: QuizQuestionType;
  readonly stem: string;
  /** In the bank's order (A, B, …); `optionOrders` says the order shown. */
  readonly options: readonly string[];
  /** The right letters in the bank's order, or 对/错. */
  readonly answer: string;
  readonly explanation: string | null;
}

/**
 * One try at a level: the questions drawn (with a copy of each as drawn) and, per question, the order its
 * options were shown in (so a redelivered answer is judged against the same letters), the answers so far
 * and the score.
 */
@Entity({ name: 'quiz_attempt' })
@Index('idx_quiz_attempt_staff', ['staffId', 'levelId', 'startedAt'])
@Index('idx_quiz_attempt_status', ['status', 'updatedAt'])
export class QuizAttempt {
  @PrimaryGeneratedColumn({ type: 'integer' })
  id!: number;

  @Column({ name: 'staff_id', type: 'integer' })
  staffId!: number;

  @Column({ name: 'level_id', type: 'integer' })
  levelId!: number;

  @Column({ name: 'question_ids', type: 'text', transformer: jsonTransformer })
  questionIds!: number[];

  /** Per question, the original option indexes in the order shown (shown letter i = original order[i]). */
  @Column({ name: 'option_orders', type: 'text', transformer: jsonTransformer })
  optionOrders!: number[][];

  /** The drawn questions as they were when drawn, in `questionIds` order; null for attempts older than this. */
  @Column({ name: 'question_snapshots', type: 'text', nullable: true, transformer: jsonTransformer })
  questions!: QuizAttemptQuestion[] | null;

  @Column({ type: 'text', transformer: jsonTransformer })
  answers!: QuizAnswer[];

  /** The question being asked (0-based); equals the number of answers given. */
  @Column({ name: 'current_index', type: 'integer', default: 0 })
  currentIndex!: number;

  @Column({ type: 'integer', default: 0 })
  score!: number;

  @Column({ type: 'varchar', length: 12 })
  status!: QuizAttemptStatus;

  @Column(datetimeColumn('started_at'))
  startedAt!: Date;

  @Column(datetimeColumn('updated_at'))
  updatedAt!: Date;

  @Column(datetimeColumn('finished_at', { nullable: true }))
  finishedAt!: Date | null;
}
