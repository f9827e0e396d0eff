import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

/**
 * One person in one reminder round, frozen when the round starts: which batch of the round carries them
 * and the UserID and language copied from their article_recipient row. A round has its own rows, so a
 * round still waiting to be sent is not changed by a later round (every attempt at a batch is the same
 * request; broadcast.batches.ts).
 */
@Entity({ name: 'article_reminder' })
@Index('uq_article_reminder', ['articleId', 'round', 'recipientId'], { unique: true })
@Index('idx_article_reminder_batch', ['articleId', 'round', 'batch'])
export class ArticleReminder {
  @PrimaryGeneratedColumn({ type: 'integer' })
  id!: number;

  @Column({ name: 'article_id', type: 'integer' })
  articleId!: number;

  @Column({ type: 'integer' })
  round!: number;

  @Column({ type: 'integer' })
  batch!: number;

  /** The article_recipient row reminded. */
  @Column({ name: 'recipient_id', type: 'integer' })
  recipientId!: number;

  @Column({ name: 'wecom_user_id', type: 'varchar', length: 64 })
  wecomUserId!: string;

  @Column({ type: 'varchar', length: 8 })
  locale!: string;
}
