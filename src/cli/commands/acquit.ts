import fs from 'node:fs';
import path from 'node:path';
import { openContext } from '../../app/context.ts';
import { importAcquit } from '../../app/mandate/acquits.ts';
import { resolveTenantId } from '../../app/tenants.ts';
import { CLI_ACTOR } from '../../domain/roles.ts';
import { parseCommand, printJson, STORE_OPTIONS, storeOverrides, UsageError } from '../args.ts';

const HELP = `
Usage: liasse acquit import FILE [--bordereau ID] [--tenant T] [--json]

Reads a PES_Acquit (checked against PES_V2_Acquit_Autonome_V2.xsd when xmllint is installed),
finds its bordereau (by NomFic, else budget codes + bordereau number + exercice) and records the
accountant's answer: mandats accepted, or back to "à corriger" with the reasons. Exit 0 when the
bordereau is accepted, 3 when something was rejected. Importing the same file again changes nothing.
`;

export async function run(argv: string[]): Promise<number> {
  const parsed = parseCommand(argv, { ...STORE_OPTIONS, tenant: { type: 'string' }, json: { type: 'boolean' }, bordereau: { type: 'string' } }, HELP);
  if (!parsed) return 0;
  const [action, file] = parsed.positionals;
  if (action !== 'import' || !file) throw new UsageError(`expected "import FILE"\n${HELP.trim()}`);
  const bytes = fs.readFileSync(file);
  const context = await openContext(storeOverrides(parsed.values));
  try {
    const tenantId = await resolveTenantId(context.store.db, parsed.values.tenant);
    const outcome = await importAcquit(context, tenantId, CLI_ACTOR, { bytes, fileName: path.basename(file), ...(parsed.values.bordereau ? { bordereauId: parsed.values.bordereau } : {}) });
    if (parsed.values.json) printJson(outcome);
    else {
      const label = outcome.result === 'accepted' ? 'accepté' : outcome.result === 'rejected' ? 'REJETÉ' : 'partiellement rejeté (PJ)';
      process.stdout.write(`Bordereau n° ${outcome.bordereau} ${label}${outcome.alreadyImported ? ' (acquittement déjà importé)' : ''}.\n`);
      for (const mandat of outcome.mandats) process.stdout.write(`  Mandat n° ${mandat.numero} : ${mandat.statusLabel}${mandat.reason ? ` — ${mandat.reason}` : ''}\n`);
    }
    return outcome.accepted ? 0 : 3;
  } finally {
    await context.close();
  }
}
