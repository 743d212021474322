// Versioned migrations for both dialects. Each file in ./migrations/ is named NNNN_what.ts and
// exports up(db, dialect) (and down(db)); Kysely's Migrator records them and holds a lock table, so
// several instances starting together on PostgreSQL migrate once.
import fs from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { type Kysely, type Migration, type MigrationProvider, Migrator } from 'kysely';
import type { Dialect, Store } from './db.ts';

type MigrationModule = {
  up(db: Kysely<any>, dialect: Dialect): Promise<void>;
  down?(db: Kysely<any>, dialect: Dialect): Promise<void>;
};

const MIGRATIONS_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), 'migrations');

class FolderMigrationProvider implements MigrationProvider {
  constructor(private readonly dialect: Dialect) {}

  async getMigrations(): Promise<Record<string, Migration>> {
    const files = (await fs.readdir(MIGRATIONS_DIR)).filter((file) => /^\d{4}_[\w-]+\.ts$/.test(file)).sort();
    const migrations: Record<string, Migration> = {};
    for (const file of files) {
      const module = (await import(pathToFileURL(path.join(MIGRATIONS_DIR, file)).href)) as MigrationModule;
      const down = module.down;
      migrations[file.replace(/\.ts$/, '')] = {
        up: (db) => module.up(db, this.dialect),
        ...(down ? { down: (db: Kysely<any>) => down(db, this.dialect) } : {}),
      };
    }
    return migrations;
  }
}

export async function migrateToLatest(store: Store): Promise<string[]> {
  const migrator = new Migrator({ db: store.db, provider: new FolderMigrationProvider(store.dialect) });
  const { error, results } = await migrator.migrateToLatest();
  const failed = results?.find((result) => result.status === 'Error');
  if (error || failed) {
    const name = failed?.migrationName ?? 'unknown';
    throw new Error(`Migration ${name} failed on ${store.dialect}: ${(error as Error | undefined)?.message ?? error}`);
  }
  return (results ?? []).map((result) => result.migrationName);
}
