import { describe, expect, it } from '@jest/globals';
import type { EntityManager } from 'typeorm';
import { SettingEntry } from '../features/settings';
import { useTestDatabase } from '../../test/support';
import { inTransaction, isRetryableTransactionError } from './transaction';

describe('inTransaction', () => {
  const db = useTestDatabase();
  const save = (key: string) => (manager: EntityManager) =>
    manager.save(SettingEntry, { key, value: key, updatedAt: new Date(), updatedBy: 'test' });
  const exists = (key: string) => db().dataSource.manager.existsBy(SettingEntry, { key });

  it('keeps concurrent transactions apart: one rolling back does not take the other with it', async () => {
    const { dataSource } = db();
    const failing = inTransaction(dataSource, async (manager) => {
      await save('tx.rolledBack')(manager);
      await new Promise((resolve) => setTimeout(resolve, 30));
      throw new Error('boom');
    });
    const succeeding = inTransaction(dataSource, async (manager) => {
      await save('tx.committed')(manager);
    });
    await expect(failing).rejects.toThrow('boom');
    await succeeding;
    expect(await exists('tx.rolledBack')).toBe(false);
    expect(await exists('tx.committed')).toBe(true);
  });

  it('joins an enclosing transaction when given its manager', async () => {
    const { dataSource } = db();
    await expect(
      inTransaction(dataSource, async (outer) => {
        await inTransaction(outer, save('tx.inner'));
        throw new Error('outer fails');
      }),
    ).rejects.toThrow('outer fails');
    expect(await exists('tx.inner')).toBe(false);
  });

  it('retries deadlocks and busy files, and nothing else', async () => {
    const { dataSource } = db();
    let attempts = 0;
    await inTransaction(dataSource, async (manager) => {
      attempts += 1;
      if (attempts === 1) throw Object.assign(new Error('Deadlock found'), { errno: 1213 });
      await save('tx.retried')(manager);
    });
    expect(attempts).toBe(2);
    expect(await exists('tx.retried')).toBe(true);

    let plainAttempts = 0;
    await expect(
      inTransaction(dataSource, () => {
        plainAttempts += 1;
        return Promise.reject(new Error('not retryable'));
      }),
    ).rejects.toThrow('not retryable');
    expect(plainAttempts).toBe(1);
    expect(isRetryableTransactionError({ driverError: { code: 'SQLITE_BUSY' } })).toBe(true);
    expect(isRetryableTransactionError(new Error('x'))).toBe(false);
  });
});
