// Storage tests run on both databases: `forEachDatabase` gives each test body a fresh, migrated
// store on SQLite (a temporary data directory) and on PostgreSQL (a database created for the test
// and dropped after). PostgreSQL must be reachable: a missing server fails loudly with the fix.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { type AppContext, openContextFromConfig } from '../../src/app/context.ts';
import { loadConfig } from '../../src/config.ts';
import type { Dialect } from '../../src/store/db.ts';

export const TEST_POSTGRES_URL = process.env.LIASSE_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export const DIALECTS: Dialect[] = (process.env.LIASSE_TEST_DIALECTS ?? 'sqlite,postgres')
  .split(',')
  .map((name) => name.trim())
  .filter((name): name is Dialect => name === 'sqlite' || name === 'postgres');

export type TestDatabase = {
  dialect: Dialect;
  dataDir: string;
  /** Set on PostgreSQL: the URL of the database created for this test. */
  databaseUrl: string | undefined;
  /** Environment a child `liasse` process needs to use this same database. */
  env: Record<string, string>;
  open(): Promise<AppContext>;
  dispose(): Promise<void>;
};

function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}

async function adminQuery(text: string): Promise<void> {
  const client = new pg.Client({ connectionString: TEST_POSTGRES_URL });
  try {
    await client.connect();
  } catch (error) {
    throw new Error(
      `PostgreSQL is required by the storage tests and is not reachable at ${TEST_POSTGRES_URL} ` +
        `(${(error as Error).message}). Start it (\`pg_ctlcluster 15 main start\`, or \`bash .ci/run\` does it), ` +
        'or point LIASSE_TEST_DATABASE_URL at a server where the user may create databases.',
    );
  }
  try {
    await client.query(text);
  } finally {
    await client.end();
  }
}

async function connectionsTo(database: string): Promise<number> {
  const client = new pg.Client({ connectionString: TEST_POSTGRES_URL });
  await client.connect();
  try {
    const result = await client.query('select count(*)::int as n from pg_stat_activity where datname = $1', [database]);
    return Number(result.rows[0]?.n ?? 0);
  } finally {
    await client.end();
  }
}

export async function createTestDatabase(dialect: Dialect): Promise<TestDatabase> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), `liasse-test-${dialect}-`));
  let databaseUrl: string | undefined;
  let databaseName: string | undefined;
  if (dialect === 'postgres') {
    databaseName = `liasse_t_${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`;
    await adminQuery(`create database ${databaseName}`);
    databaseUrl = withDatabase(TEST_POSTGRES_URL, databaseName);
  }
  const env: Record<string, string> = { LIASSE_DATA_DIR: dataDir, ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}) };
  const opened: AppContext[] = [];
  return {
    dialect,
    dataDir,
    databaseUrl,
    env,
    async open() {
      const config = loadConfig({ LIASSE_DATA_DIR: dataDir, DATABASE_URL: databaseUrl, LIASSE_LOG_LEVEL: 'silent' });
      const context = await openContextFromConfig(config);
      opened.push(context);
      return context;
    },
    async dispose() {
      await Promise.all(opened.map((context) => context.close().catch(() => undefined)));
      if (databaseName) {
        // pg's Pool.end() resolves before its sockets are closed: a backend still alive when the
        // forced drop kills it sends a FATAL to a client nobody listens to any more, which surfaces
        // as an uncaught exception in a later test. Let them go first (2 s at most).
        for (let tries = 0; tries < 40 && (await connectionsTo(databaseName)) > 0; tries += 1) await new Promise((resolve) => setTimeout(resolve, 50));
        await adminQuery(`drop database if exists ${databaseName} with (force)`);
      }
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/**
 * Runs `body` once per dialect as a node:test subtest, with a fresh migrated store.
 * Usage: test('numbering', (t) => forEachDatabase(t, async (context, database) => { … }));
 */
export async function forEachDatabase(
  t: { test: (name: string, fn: () => Promise<void>) => Promise<void> },
  body: (context: AppContext, database: TestDatabase) => Promise<void>,
): Promise<void> {
  for (const dialect of DIALECTS) {
    await t.test(dialect, async () => {
      const database = await createTestDatabase(dialect);
      try {
        const context = await database.open();
        await body(context, database);
      } finally {
        await database.dispose();
      }
    });
  }
}
