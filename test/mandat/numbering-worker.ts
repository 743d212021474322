// Child process of the numbering test: opens its own store (its own connections) on the test's
// database, says "ready", waits for "go" on stdin so that every process creates at the same moment,
// then creates one mandat per invoice id given, all at once, and prints their numbers as JSON.
// Usage: node --import tsx test/mandat/numbering-worker.ts TENANT INVOICE_ID…  (LIASSE_DATA_DIR / DATABASE_URL set)
import { openContextFromConfig } from '../../src/app/context.ts';
import { createMandat } from '../../src/app/mandate/mandats.ts';
import { loadConfig } from '../../src/config.ts';
import { CLI_ACTOR } from '../../src/domain/roles.ts';

const [tenantId, ...invoiceIds] = process.argv.slice(2);
const context = await openContextFromConfig(loadConfig({ ...process.env, LIASSE_LOG_LEVEL: 'silent' }));
try {
  process.stdout.write('ready\n');
  await new Promise<void>((resolve) => process.stdin.once('data', () => resolve()));
  const numbers = await Promise.all(invoiceIds.map((invoiceId) => createMandat(context, tenantId!, CLI_ACTOR, { invoiceIds: [invoiceId] }).then((mandat) => mandat.numero)));
  process.stdout.write(`${JSON.stringify(numbers)}\n`);
} finally {
  await context.close();
  process.stdin.destroy();
}
