import { openContext } from '../../app/context.ts';
import { parseCommand, STORE_OPTIONS, storeOverrides } from '../args.ts';

const HELP = `
Usage: liasse migrate [--data-dir DIR] [--database-url URL]

Creates the database or upgrades it to the latest schema (SQLite in the data directory, or
PostgreSQL when DATABASE_URL is set). Every other command does this on its own as well.
`;

export async function run(argv: string[]): Promise<number> {
  const parsed = parseCommand(argv, STORE_OPTIONS, HELP);
  if (!parsed) return 0;
  const context = await openContext(storeOverrides(parsed.values));
  try {
    process.stdout.write(`Schema up to date (${context.store.dialect}: ${context.store.location})\n`);
    return 0;
  } finally {
    await context.close();
  }
}
