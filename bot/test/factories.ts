/**
 * Factories build valid entity graphs for tests: `await make(manager, JobLockFactory, { name: 'x' })`.
 * Each factory gives complete defaults, so a test states only what it is about. Feature issues add theirs.
 */
import type { EntityManager, EntityTarget, ObjectLiteral } from 'typeorm';
import { SettingEntry } from '../src/features/settings';
import { JobLock } from '../src/jobs';

let sequence = 0;
/** A number unique within the test process, for unique names and keys. */
export const nextId = () => ++sequence;

export interface Factory<T extends ObjectLiteral> {
  readonly entity: EntityTarget<T>;
  defaults(): Partial<T>;
}

export async function make<T extends ObjectLiteral>(
  manager: EntityManager,
  factory: Factory<T>,
  overrides: Partial<T> = {},
): Promise<T> {
  const entity = manager.create(factory.entity, { ...factory.defaults(), ...overrides } as T);
  return manager.save(factory.entity, entity);
}

export const JobLockFactory: Factory<JobLock> = {
  entity: JobLock,
  defaults: () => ({
    name: `test-job-${nextId()}`,
    lastTickAt: null,
    lockedBy: null,
    lockedUntil: null,
    lastStartedAt: null,
    lastFinishedAt: null,
    lastStatus: null,
    lastSummary: null,
    runCount: 0,
  }),
};

export const SettingFactory: Factory<SettingEntry> = {
  entity: SettingEntry,
  defaults: () => ({
    key: `test.key${nextId()}`,
    value: { enabled: true },
    updatedAt: new Date(),
    updatedBy: 'test',
  }),
};
