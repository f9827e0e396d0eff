import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';
import { datetimeColumn } from '../../db/columns';

/**
 * A training video (e.g. the FTTH three-photo standard, callback etiquette), hosted elsewhere and linked
 * by its https address; `视频` lists the active ones in `sortOrder`.
 */
@Entity({ name: 'training_video' })
@Index('idx_training_video_order', ['isActive', 'sortOrder'])
export class TrainingVideo {
  @PrimaryGeneratedColumn({ type: 'integer' })
  id!: number;

  @Column({ type: 'varchar', length: 100 })
  title!: string;

  @Column({ type: 'varchar', length: 500, default: '' })
  description!: string;

  @Column({ name: 'duration_seconds', type: 'integer' })
  durationSeconds!: number;

  /** https only. */
  @Column({ type: 'varchar', length: 1000 })
  url!: string;

  /** Media key (MediaStorage) of the cover picture shown in the news list. */
  @Column({ name: 'cover_key', type: 'varchar', length: 80, nullable: true })
  coverKey!: string | null;

  @Column({ name: 'sort_order', type: 'integer' })
  sortOrder!: number;

  @Column({ name: 'is_active', type: 'boolean', default: true })
  isActive!: boolean;

  @Column({ type: 'integer', default: 1 })
  version!: number;

  @Column(datetimeColumn('created_at'))
  createdAt!: Date;

  @Column(datetimeColumn('updated_at'))
  updatedAt!: Date;
}
