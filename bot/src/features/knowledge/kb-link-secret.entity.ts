import { Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * The key that signs public handbook links when SESSION_SECRET is not set: generated once by the
 * migration, so every instance sharing the database signs and checks with the same key.
 */
@Entity({ name: 'kb_link_secret' })
export class KbLinkSecret {
  @PrimaryColumn({ type: 'integer' })
  id!: number;

  /** 64 hex digits (32 random bytes). */
  @Column({ type: 'varchar', length: 64 })
  secret!: string;
}
