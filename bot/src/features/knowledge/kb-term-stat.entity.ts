import { Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * How many published entries contain each term (the idf of the ranking), kept up to date by re-indexing
 * so that a search looks frequencies up by key instead of counting postings. The empty term holds the
 * number of indexed entries.
 */
@Entity({ name: 'kb_term_stat' })
export class KbTermStat {
  @PrimaryColumn({ type: 'varchar', length: 64 })
  term!: string;

  @Column({ type: 'integer', default: 0 })
  df!: number;
}
