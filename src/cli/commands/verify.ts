import { openContext } from '../../app/context.ts';
import { verifyStore } from '../../app/verify/index.ts';
import { parseCommand, printJson, STORE_OPTIONS, storeOverrides } from '../args.ts';

const HELP = `
Usage: liasse verify [--json] [--data-dir DIR] [--database-url URL]

Re-hashes every stored file, checks every record's references to files and rows, and re-walks
the audit chain. Reports what is wrong and exits 1; never repairs. Exit 0 when all is sound.
A corrupted or missing file is named with the records that use it (invoice number and idFacture,
mandat, bordereau, acquittement); --json gives them as usedBy.
`;

export async function run(argv: string[]): Promise<number> {
  const parsed = parseCommand(argv, { ...STORE_OPTIONS, json: { type: 'boolean' } }, HELP);
  if (!parsed) return 0;
  const context = await openContext(storeOverrides(parsed.values));
  try {
    const report = await verifyStore(context.store.db, context.blobs, {
      onProgress: parsed.values.json ? undefined : (message) => process.stderr.write(`${message}\n`),
    });
    if (parsed.values.json) printJson(report);
    else {
      for (const problem of report.problems) process.stdout.write(`ERREUR ${problem.message}\n`);
      process.stdout.write(
        `${report.ok ? 'Intégrité vérifiée' : `${report.problems.length} problème(s) trouvé(s)`} : ${report.blobsChecked} fichiers re-hachés, ` +
          `${report.fileReferencesChecked} références de fichiers et ${report.rowReferencesChecked} références d'enregistrements contrôlées, ` +
          `${report.auditEntries} entrées d'audit.\n`,
      );
    }
    return report.ok ? 0 : 1;
  } finally {
    await context.close();
  }
}
