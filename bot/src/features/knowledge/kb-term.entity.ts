import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/**
 * The search index, kept in the database so that every instance ranks from the same data: one row per
 * distinct term of a published entry, with the entry's weight for it (title > tags > body). Rewritten
 * in the transaction that changes the entry; unpublished entries have no rows.
 */
@Entity({ name: 'kb_term' })
@Index('idx_kb_term_impact', ['term', 'weight', 'entryId'])
export class KbTerm {
  @PrimaryColumn({ name: 'entry_id', type: 'integer' })
  entryId!: number;

  /** A lower-cased word, or two adjacent Chinese characters. */
  @PrimaryColumn({ type: 'varchar', length: 64 })
  term!: string;

  @Column({ type: 'double' })
  weight!: number;
}
