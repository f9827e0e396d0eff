/**
 * Makes sure the database the DataSource points at exists before TypeORM connects: the SQLite file's
 * directory, or the MySQL/MariaDB schema (created utf8mb4 so Chinese text and emoji round-trip).
 */
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import mysql from 'mysql2/promise';
import type { DatabaseConfig } from '../config';

export const MYSQL_CHARSET = 'utf8mb4';
export const MYSQL_COLLATION = 'utf8mb4_unicode_ci';

/** Splits `mysql://u:p@h:3306/db?x` into a server URL (no database) and the database name. */
export function splitMysqlUrl(url: string): { serverUrl: string; database: string } {
  const parsed = new URL(url.replace(/^mariadb:/, 'mysql:'));
  const database = decodeURIComponent(parsed.pathname.replace(/^\//, ''));
  if (!/^[A-Za-z0-9_$-]{1,64}$/.test(database)) {
    throw new Error(`invalid MySQL database name "${database}"`);
  }
  parsed.pathname = '/';
  return { serverUrl: parsed.toString(), database };
}

export async function ensureDatabase(database: DatabaseConfig): Promise<void> {
  if (database.kind === 'sqlite') {
    await mkdir(path.dirname(database.path), { recursive: true });
    return;
  }
  const { serverUrl, database: name } = splitMysqlUrl(database.url);
  const connection = await mysql.createConnection({ uri: serverUrl, connectTimeout: 10_000 });
  try {
    await connection.query(
      `CREATE DATABASE IF NOT EXISTS \`${name}\` CHARACTER SET ${MYSQL_CHARSET} COLLATE ${MYSQL_COLLATION}`,
    );
    // A pre-existing database created with a legacy default (latin1, utf8mb3) would give new tables
    // that charset; switch the default before any migration creates a table.
    const [rows] = await connection.query<mysql.RowDataPacket[]>(
      'SELECT DEFAULT_CHARACTER_SET_NAME AS charset FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?',
      [name],
    );
    if (rows[0]?.charset !== MYSQL_CHARSET) {
      await connection.query(
        `ALTER DATABASE \`${name}\` CHARACTER SET ${MYSQL_CHARSET} COLLATE ${MYSQL_COLLATION}`,
      );
    }
  } finally {
    await connection.end();
  }
}
