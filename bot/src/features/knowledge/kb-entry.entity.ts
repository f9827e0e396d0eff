import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';
import { datetimeColumn, jsonTransformer } from '../../db/columns';

/**
 * One entry of the field handbook (装维宝典): a fault and how to clear it, written in Markdown by the
 * desk, found by engineers with `查询` and linked from answers. Only published entries are searchable.
 */
@Entity({ name: 'kb_entry' })
@Index('idx_kb_entry_created', ['createdAt'])
@Index('idx_kb_entry_published', ['isPublished', 'createdAt'])
export class KbEntry {
  @PrimaryGeneratedColumn({ type: 'integer' })
  id!: number;

  /** Unique: the handbook has one entry per subject, and imports upsert by title. */
  @Index('uq_kb_entry_title', { unique: true })
  @Column({ type: 'varchar', length: 200 })
  title!: string;

  /** Markdown (rendered without raw HTML). */
  @Column({ type: 'text' })
  body!: string;

  @Column({ type: 'text', transformer: jsonTransformer })
  tags!: string[];

  /** Media keys (MediaStorage) of the photos, in display order. */
  @Column({ type: 'text', transformer: jsonTransformer })
  photos!: string[];

  /** Staff number of whoever wrote it (`cli:<user>` for imports); later editors are in the audit log. */
  @Column({ type: 'varchar', length: 64 })
  author!: string;

  @Column(datetimeColumn('created_at'))
  createdAt!: Date;

  @Column(datetimeColumn('updated_at'))
  updatedAt!: Date;

  /** Optimistic concurrency: two editors saving at once cannot both win. */
  @Column({ type: 'integer', default: 1 })
  version!: number;

  @Column({ name: 'is_published', type: 'boolean', default: false })
  isPublished!: boolean;
}
