import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';
import { datetimeColumn } from '../../db/columns';

/** `tier3`: a back-end department answering escalations (network, IPTV, data…); `area`: a field team. */
export type DepartmentKind = 'tier3' | 'area';

@Entity({ name: 'department' })
export class Department {
  @PrimaryGeneratedColumn({ type: 'integer' })
  id!: number;

  @Index('uq_department_name', { unique: true })
  @Column({ type: 'varchar', length: 64 })
  name!: string;

  @Column({ type: 'varchar', length: 8 })
  kind!: DepartmentKind;

  @Column(datetimeColumn('created_at'))
  createdAt!: Date;
}
