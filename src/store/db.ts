// Opens the database: SQLite (better-sqlite3, in the data directory) by default, PostgreSQL when
// DATABASE_URL is set. Both speak through one Kysely<Database>; dialect differences stay in here
// and in the migrations, which receive the dialect explicitly.
import fs from 'node:fs';
import path from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, PostgresDialect, SqliteDialect, SqliteDriver, CompiledQuery, type DatabaseConnection } from 'kysely';
import pg from 'pg';
import type { Database } from './schema.ts';

export type Dialect = 'sqlite' | 'postgres';

export type Store = {
  db: Kysely<Database>;
  dialect: Dialect;
  /** SQLite file path or the PostgreSQL URL without password, for messages. */
  location: string;
  close(): Promise<void>;
};

// PostgreSQL returns int8 and numeric as strings; our int8 columns hold cents and counts, far below 2^53.
pg.types.setTypeParser(20, (value) => Number(value));

/**
 * SQLite transactions must take the write lock at BEGIN: a deferred transaction that reads and then
 * writes fails with SQLITE_BUSY when another process wrote in between, instead of waiting.
 */
class ImmediateSqliteDriver extends SqliteDriver {
  override async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('begin immediate'));
  }
}

class ImmediateSqliteDialect extends SqliteDialect {
  constructor(private readonly database: SQLite.Database) {
    super({ database });
  }
  override createDriver() {
    return new ImmediateSqliteDriver({ database: this.database });
  }
}

export type OpenStoreOptions = { dataDir: string; databaseUrl?: string | undefined; poolSize?: number };

export async function openStore(options: OpenStoreOptions): Promise<Store> {
  if (options.databaseUrl) return openPostgres(options.databaseUrl, options.poolSize ?? 10);
  fs.mkdirSync(options.dataDir, { recursive: true });
  return openSqlite(path.join(options.dataDir, 'liasse.sqlite'));
}

export function openSqlite(file: string): Store {
  const database = new SQLite(file);
  database.pragma('journal_mode = WAL');
  database.pragma('synchronous = NORMAL');
  database.pragma('foreign_keys = ON');
  database.pragma('busy_timeout = 15000');
  // Keeps the planner's statistics current (SQLite's advice for long-lived connections): without
  // them the search picks poor indexes on large tables. Bounded work, cheap when nothing changed.
  database.pragma('optimize = 0x10002');
  const db = new Kysely<Database>({ dialect: new ImmediateSqliteDialect(database) });
  return { db, dialect: 'sqlite', location: file, close: () => db.destroy() };
}

export async function openPostgres(url: string, poolSize: number): Promise<Store> {
  const pool = new pg.Pool({ connectionString: url, max: poolSize });
  try {
    const client = await pool.connect();
    client.release();
  } catch (error) {
    await pool.end().catch(() => undefined);
    const where = redactUrl(url);
    throw new Error(
      `Cannot connect to PostgreSQL at ${where}: ${(error as Error).message}. ` +
        'Start PostgreSQL (e.g. `pg_ctlcluster 15 main start`) or unset DATABASE_URL to use SQLite.',
    );
  }
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  return { db, dialect: 'postgres', location: redactUrl(url), close: () => db.destroy() };
}

export function redactUrl(url: string): string {
  return url.replace(/\/\/([^:@/]+):[^@/]+@/, '//$1:***@');
}
