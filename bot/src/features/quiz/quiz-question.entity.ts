import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';
import { datetimeColumn, jsonTransformer } from '../../db/columns';

export type QuizQuestionType = 'single' | 'multiple' | 'truefalse';

/**
 * A question of the bank. `options` are the choices in their original order (A, B, …; empty for
 * true/false); `answer` is the right letters in that order (`A`, `AC`) or `对`/`错`.
 */
@Entity({ name: 'quiz_question' })
@Index('idx_quiz_question_level', ['levelId', 'isActive'])
export class QuizQuestion {
  @PrimaryGeneratedColumn({ type: 'integer' })
  id!: number;

  @Column({ name: 'level_id', type: 'integer' })
  levelId!: number;

  @Column({ type: 'varchar', length: 10 })
  type!: QuizQuestionType;

  @Column({ type: 'text' })
  stem!: string;

  @Column({ type: 'text', transformer: jsonTransformer })
  options!: string[];

  @Column({ type: 'varchar', length: 10 })
  answer!: string;

  @Column({ type: 'text', nullable: true })
  explanation!: string | null;

  @Column({ type: 'text', transformer: jsonTransformer })
  tags!: string[];

  @Column({ name: 'is_active', type: 'boolean', default: true })
  isActive!: boolean;

  @Column(datetimeColumn('created_at'))
  createdAt!: Date;

  /** Null until the question is first edited after its creation. */
  @Column(datetimeColumn('updated_at', { nullable: true }))
  updatedAt!: Date | null;

  /** Bumped on every edit: a save made against an older version is refused (CONFLICT). */
  @Column({ type: 'integer', default: 1 })
  version!: number;
}
