import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';
import { datetimeColumn } from '../../db/columns';

/** One level of 我爱闯关: taken in `sortOrder`; the first level a person has not passed is theirs to play. */
@Entity({ name: 'quiz_level' })
@Index('uq_quiz_level_name', ['name'], { unique: true })
@Index('idx_quiz_level_order', ['sortOrder'])
export class QuizLevel {
  @PrimaryGeneratedColumn({ type: 'integer' })
  id!: number;

  @Column({ name: 'sort_order', type: 'integer' })
  sortOrder!: number;

  @Column({ type: 'varchar', length: 60 })
  name!: string;

  /** Questions drawn at random for one attempt (all active ones when the level has fewer). */
  @Column({ name: 'questions_per_attempt', type: 'integer', default: 5 })
  questionsPerAttempt!: number;

  /** The share of right answers (0–100) needed to pass. */
  @Column({ name: 'pass_percent', type: 'integer', default: 80 })
  passPercent!: number;

  /** Points credited to the ledger the first time the level is passed. */
  @Column({ type: 'integer', default: 10 })
  points!: number;

  @Column(datetimeColumn('created_at'))
  createdAt!: Date;
}
