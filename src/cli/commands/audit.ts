import { openContext } from '../../app/context.ts';
import { verifyAuditChain } from '../../store/audit.ts';
import { parseCommand, printJson, STORE_OPTIONS, storeOverrides, UsageError } from '../args.ts';

const HELP = `
Usage: liasse audit verify [--json] [--data-dir DIR] [--database-url URL]

Re-computes the hash chain of the audit log. Exit 0 when every entry holds, 1 with the first
broken entry named otherwise.
`;

export async function run(argv: string[]): Promise<number> {
  const parsed = parseCommand(argv, { ...STORE_OPTIONS, json: { type: 'boolean' } }, HELP);
  if (!parsed) return 0;
  if (parsed.positionals[0] !== 'verify') throw new UsageError(`expected "verify"\n${HELP.trim()}`);
  const context = await openContext(storeOverrides(parsed.values));
  try {
    const result = await verifyAuditChain(context.store.db);
    if (parsed.values.json) printJson(result);
    else if (result.ok) process.stdout.write(`Audit log intact: ${result.entries} entries verified.\n`);
    else process.stdout.write(`Audit log BROKEN at entry ${result.firstBrokenSeq}: ${result.reason}.\n`);
    return result.ok ? 0 : 1;
  } finally {
    await context.close();
  }
}
