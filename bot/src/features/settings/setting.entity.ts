import { Column, Entity, PrimaryColumn } from 'typeorm';
import { datetimeColumn, jsonTransformer } from '../../db/columns';

/** A runtime-editable setting (categories, thresholds, schedules): key → JSON value. */
@Entity({ name: 'setting' })
export class SettingEntry {
  @PrimaryColumn({ type: 'varchar', length: 100 })
  key!: string;

  @Column({ type: 'text', transformer: jsonTransformer })
  value!: unknown;

  @Column(datetimeColumn('updated_at'))
  updatedAt!: Date;

  /** Staff number (or `cli:<user>`) of whoever changed it last. */
  @Column({ name: 'updated_by', type: 'varchar', length: 64, nullable: true })
  updatedBy!: string | null;
}
