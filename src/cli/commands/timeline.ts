import { openContext } from '../../app/context.ts';
import { findInvoiceId } from '../../app/decisions/lookup.ts';
import { getInvoiceTimeline } from '../../app/timeline/index.ts';
import { invoiceArgument, parseCommand, printJson, STORE_OPTIONS, storeOverrides, UsageError } from '../args.ts';

const HELP = `
Usage: liasse timeline --invoice ID [--tenant T] [--json]   (or: liasse timeline ID)

Everything that happened to one invoice, oldest first: Chorus Pro statuses, decisions and other
actions (who, when), system events, publications to Chorus Pro and each attempt, mandat and PES
events — across suspension and recycling cycles. ID is the Liasse id or the Chorus idFacture.
`;

export async function run(argv: string[]): Promise<number> {
  const parsed = parseCommand(argv, { ...STORE_OPTIONS, tenant: { type: 'string' }, json: { type: 'boolean' }, invoice: { type: 'string' } }, HELP);
  if (!parsed) return 0;
  const reference = invoiceArgument(parsed.values.invoice, parsed.positionals[0]);
  if (!reference) throw new UsageError(`an invoice id is required\n${HELP.trim()}`);
  const context = await openContext(storeOverrides(parsed.values));
  try {
    const db = context.store.db;
    let tenantId: string | undefined;
    if (parsed.values.tenant) {
      const { resolveTenantId } = await import('../../app/tenants.ts');
      tenantId = await resolveTenantId(db, parsed.values.tenant);
    }
    const invoiceId = await findInvoiceId(db, reference, tenantId);
    const entries = await getInvoiceTimeline(db, invoiceId);
    if (parsed.values.json) {
      printJson({ invoiceId, entries });
      return 0;
    }
    let cycle = 0;
    for (const entry of entries) {
      if (entry.cycle !== cycle) {
        cycle = entry.cycle;
        process.stdout.write(`— Cycle ${cycle} —\n`);
      }
      const who = entry.actor ? ` [${entry.actor}]` : '';
      process.stdout.write(`${entry.at}  ${entry.kind.padEnd(11)} ${entry.title}${who}\n`);
      if (entry.detail) process.stdout.write(`${' '.repeat(entry.at.length + 2)}${' '.repeat(12)}${entry.detail}\n`);
    }
    if (entries.length === 0) process.stdout.write('Aucun événement pour cette facture.\n');
    return 0;
  } finally {
    await context.close();
  }
}
