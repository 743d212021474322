import fs from 'node:fs';
import { openContext } from '../../app/context.ts';
import { importCsv, importJson, REFERENTIAL_KINDS, type ReferentialKind } from '../../app/referential/import.ts';
import { resolveTenantId } from '../../app/tenants.ts';
import { parseCommand, printJson, STORE_OPTIONS, storeOverrides, UsageError } from '../args.ts';

const HELP = `
Usage: liasse import budgets|tiers|engagements FILE [--json] [--tenant T] [--data-dir DIR] [--database-url URL]

Importe le référentiel de la collectivité depuis le logiciel comptable (mise à jour idempotente).
FILE est un CSV séparé par « ; » (UTF-8 ou Windows-1252, virgule ou point décimal), ou un tableau
JSON quand il se termine par .json. Colonnes :
  budgets      code;libelle;siret            (facultatives : tva=HT|TTC, nomenclature, codcol, codbud, idpost)
  tiers        siret;nom                     (facultatives : iban (plusieurs séparés par |), tva, adresse)
  engagements  numero;exercice;budget;siret_tiers;montant
               (facultatives : montant_ht, service, chapitre, nature, fonction, operation, objet, marche,
                section, liquide, liquide_ht, statut)
--json affiche {"created":…,"updated":…,"rejected":[{"line":…,"reason":…}]}.
Code de sortie 0 si toutes les lignes sont importées, 1 si au moins une est rejetée.
`;

export async function run(argv: string[]): Promise<number> {
  const parsed = parseCommand(argv, { ...STORE_OPTIONS, json: { type: 'boolean' }, tenant: { type: 'string' } }, HELP);
  if (!parsed) return 0;
  const [kind, file] = parsed.positionals;
  if (!kind || !(REFERENTIAL_KINDS as readonly string[]).includes(kind) || !file || parsed.positionals.length > 2) {
    throw new UsageError(`attendu : budgets|tiers|engagements FILE\n${HELP.trim()}`);
  }
  if (!fs.existsSync(file)) throw new UsageError(`fichier introuvable : ${file}`);
  const bytes = fs.readFileSync(file);
  const context = await openContext(storeOverrides(parsed.values));
  try {
    const tenantId = await resolveTenantId(context.store.db, parsed.values.tenant);
    const options = { actor: 'cli', source: file };
    const report = file.toLowerCase().endsWith('.json')
      ? await importJson(context.store.db, tenantId, kind as ReferentialKind, JSON.parse(bytes.toString('utf8')), options)
      : await importCsv(context.store.db, tenantId, kind as ReferentialKind, bytes, options);
    if (parsed.values.json) {
      printJson({ created: report.created, updated: report.updated, rejected: report.rejected });
    } else {
      process.stdout.write(
        `${kind} : ${report.created} créé(s), ${report.updated} mis à jour, ${report.unchanged} inchangé(s), ${report.rejected.length} rejeté(s).\n`,
      );
      for (const rejection of report.rejected) process.stdout.write(`  ligne ${rejection.line} : ${rejection.reason}\n`);
    }
    return report.rejected.length === 0 ? 0 : 1;
  } finally {
    await context.close();
  }
}
