import { Column, Entity, PrimaryColumn } from 'typeorm';
import { datetimeColumn } from '../../db/columns';

/**
 * The WeCom access_token, shared by every instance (DESIGN §5): one row per CorpID+AgentID. The refresh
 * lease makes exactly one instance call gettoken when it runs out; the others wait for the new row.
 */
@Entity({ name: 'wecom_access_token' })
export class WecomAccessToken {
  /** `<corpId>:<agentId>` */
  @PrimaryColumn({ type: 'varchar', length: 100 })
  key!: string;

  @Column({ name: 'access_token', type: 'varchar', length: 512, nullable: true })
  accessToken!: string | null;

  @Column(datetimeColumn('expires_at', { nullable: true }))
  expiresAt!: Date | null;

  @Column({ name: 'refresh_owner', type: 'varchar', length: 100, nullable: true })
  refreshOwner!: string | null;

  @Column(datetimeColumn('refresh_lease_until', { nullable: true }))
  refreshLeaseUntil!: Date | null;

  @Column(datetimeColumn('updated_at', { nullable: true }))
  updatedAt!: Date | null;
}
