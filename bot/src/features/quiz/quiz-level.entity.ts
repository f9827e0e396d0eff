import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';
import { datetimeColumn } from '../../db/columns';

/**
 * One level of 我爱闯关: taken in `sortOrder`; the first level a person has not passed is theirs to play.
 * Names are unique as `levelNameKey` compares them (any letter case or width), checked by the commands;
 * the unique index backs that up (on MariaDB it compares case-insensitively too, on SQLite exactly).
 */
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

  /** Null until the level is first edited after its creation. */
  @Column(datetimeColumn('updated_at', { nullable: true }))
  updatedAt!: Date | null;

  /** Bumped on every edit: a save made against an older version is refused (CONFLICT). */
  @Column({ type: 'integer', default: 1 })
  version!: number;
}
