// What a use case runs against: the configuration, the migrated store and the blob store.
// CLI commands, the HTTP server, workers and tests all build it the same way.
import path from 'node:path';
import { type Config, loadConfig } from '../config.ts';
import { BlobStore } from '../store/blob-store.ts';
import { openStore, type Store } from '../store/db.ts';
import { migrateToLatest } from '../store/migrate.ts';

export type AppContext = {
  config: Config;
  store: Store;
  blobs: BlobStore;
  close(): Promise<void>;
};

export async function openContext(overrides: Record<string, string | undefined> = {}): Promise<AppContext> {
  const config = loadConfig({ ...process.env, ...overrides });
  return openContextFromConfig(config);
}

export async function openContextFromConfig(config: Config): Promise<AppContext> {
  const store = await openStore({ dataDir: config.dataDir, databaseUrl: config.databaseUrl });
  try {
    await migrateToLatest(store);
  } catch (error) {
    await store.close();
    throw error;
  }
  const blobs = new BlobStore(path.join(config.dataDir, 'blobs'));
  return { config, store, blobs, close: () => store.close() };
}
