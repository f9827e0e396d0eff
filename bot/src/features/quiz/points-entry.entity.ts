import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';
import { datetimeColumn } from '../../db/columns';

/** What earned points: a passed quiz attempt, a converted lead or a fixed hazard. */
export type PointsSourceType = 'quiz-attempt' | 'report';

/**
 * One line of the points ledger (积分). Unique on its source, so an attempt or a report credits once
 * however often the code that credits it runs.
 */
@Entity({ name: 'points_entry' })
@Index('uq_points_entry_source', ['sourceType', 'sourceId'], { unique: true })
@Index('idx_points_entry_staff', ['staffId', 'createdAt'])
@Index('idx_points_entry_created', ['createdAt'])
export class PointsEntry {
  @PrimaryGeneratedColumn({ type: 'integer' })
  id!: number;

  @Column({ name: 'staff_id', type: 'integer' })
  staffId!: number;

  @Column({ type: 'integer' })
  points!: number;

  /** Why, as a catalog key suffix: `quiz.passed`, `report.lead.converted`, `report.hazard.fixed`. */
  @Column({ name: 'reason_key', type: 'varchar', length: 40 })
  reasonKey!: string;

  @Column({ name: 'source_type', type: 'varchar', length: 20 })
  sourceType!: PointsSourceType;

  @Column({ name: 'source_id', type: 'integer' })
  sourceId!: number;

  @Column(datetimeColumn('created_at'))
  createdAt!: Date;
}
