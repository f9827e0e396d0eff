/**
 * Group commit for a hot single-statement write (the webhook inbox INSERT). Statements that arrive in
 * the same turn of the event loop are committed together in one transaction: one WAL append (SQLite) or
 * one log flush (MySQL/MariaDB) for the whole group instead of one each. Every statement still gets its
 * own outcome — a duplicate key fails only that statement, not its neighbours — and nobody's promise
 * resolves before the group is durable.
 */
import type { DataSource } from 'typeorm';
import { sqlValue, type WriteResult } from './raw-sql';
import { runExclusive } from './transaction';

interface Pending {
  readonly params: readonly unknown[];
  resolve(result: WriteResult): void;
  reject(error: unknown): void;
}

interface SqliteHandle {
  prepare(sql: string): { run(...params: unknown[]): { changes: number; lastInsertRowid: number | bigint } };
  transaction<T>(fn: () => T): () => T;
}
interface MysqlConnection {
  beginTransaction(callback: (error: Error | null) => void): void;
  execute(sql: string, params: unknown[], callback: (error: Error | null, result: unknown) => void): void;
  commit(callback: (error: Error | null) => void): void;
  rollback(callback: () => void): void;
  release(): void;
}
interface MysqlPool {
  getConnection(callback: (error: Error | null, connection: MysqlConnection) => void): void;
}

const MAX_GROUP = 200;

export class GroupCommitter {
  private queue: Pending[] = [];
  private scheduled = false;

  constructor(
    private readonly dataSource: () => DataSource,
    private readonly sql: string,
  ) {}

  /** Executes the statement with `params` as part of the next group; resolves once it is committed. */
  execute(params: readonly unknown[]): Promise<WriteResult> {
    return new Promise<WriteResult>((resolve, reject) => {
      this.queue.push({ params, resolve, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  private flush(): void {
    this.scheduled = false;
    while (this.queue.length > 0) {
      const group = this.queue.splice(0, MAX_GROUP);
      const dataSource = this.dataSource();
      const commit =
        dataSource.options.type === 'better-sqlite3'
          ? this.commitSqlite(dataSource, group)
          : this.commitMysql(dataSource, group);
      commit.catch((error: unknown) => group.forEach((pending) => pending.reject(error)));
    }
  }

  private commitSqlite(dataSource: DataSource, group: Pending[]): Promise<void> {
    return runExclusive(dataSource, () => {
      const handle = (dataSource.driver as unknown as { databaseConnection: SqliteHandle })
        .databaseConnection;
      const statement = handle.prepare(this.sql);
      const outcomes: Array<WriteResult | { error: unknown }> = [];
      handle.transaction(() => {
        for (const pending of group) {
          try {
            const result = statement.run(...pending.params.map((param) => sqlValue(dataSource, param)));
            outcomes.push({ affectedRows: result.changes, insertId: Number(result.lastInsertRowid) });
          } catch (error) {
            outcomes.push({ error }); // a failed statement does not end the transaction
          }
        }
      })();
      group.forEach((pending, index) => settle(pending, outcomes[index]));
      return Promise.resolve();
    });
  }

  private async commitMysql(dataSource: DataSource, group: Pending[]): Promise<void> {
    const pool = (dataSource.driver as unknown as { pool: MysqlPool }).pool;
    const connection = await new Promise<MysqlConnection>((resolve, reject) =>
      pool.getConnection((error, acquired) => (error ? reject(error) : resolve(acquired))),
    );
    try {
      await new Promise<void>((resolve, reject) =>
        connection.beginTransaction((error) => (error ? reject(error) : resolve())),
      );
      const outcomes: Array<WriteResult | { error: unknown }> = [];
      for (const pending of group) {
        outcomes.push(
          await new Promise<WriteResult | { error: unknown }>((resolve) =>
            connection.execute(
              this.sql,
              pending.params.map((param) => sqlValue(dataSource, param)),
              (error, result) => {
                const header = result as { affectedRows: number; insertId: number } | undefined;
                resolve(
                  error || !header
                    ? { error }
                    : { affectedRows: header.affectedRows, insertId: header.insertId },
                );
              },
            ),
          ),
        );
      }
      await new Promise<void>((resolve, reject) =>
        connection.commit((error) => (error ? reject(error) : resolve())),
      );
      group.forEach((pending, index) => settle(pending, outcomes[index]));
    } catch (error) {
      await new Promise<void>((resolve) => connection.rollback(resolve));
      throw error;
    } finally {
      connection.release();
    }
  }
}

function settle(pending: Pending, outcome: WriteResult | { error: unknown } | undefined): void {
  if (outcome === undefined) pending.reject(new Error('no outcome for a grouped statement'));
  else if ('error' in outcome) pending.reject(outcome.error);
  else pending.resolve(outcome);
}
