import { openContext } from '../../app/context.ts';
import { reindexAll } from '../../app/search/index-invoice.ts';
import { parseFilters, searchInvoices, SearchError, SORTS, type SortKey } from '../../app/search/search.ts';
import { resolveTenantId } from '../../app/tenants.ts';
import { parseCommand, printJson, STORE_OPTIONS, storeOverrides, UsageError } from '../args.ts';

const HELP = `
Usage: liasse search ["TEXTE"] [--filter clé=valeur]... [--sort received|issue|amount|supplier] [--asc|--desc]
                     [--limit N] [--after CURSEUR] [--json] [--tenant T]
       liasse search --reindex [--tenant T]

Recherche plein texte (fournisseur, n° de facture, engagement, lignes, objet, pièces jointes, texte du
PDF ; sans accents ni casse ; tous les mots, le dernier pouvant être un début de mot) avec filtres
et compteurs par facette.
Filtres : budget, exercice, service, status, chorus_status, supplier (SIRET ou début du nom),
amount_min, amount_max (euros TTC), from, to (date de réception), issued_from, issued_to,
without_metadata (ou sans_metadonnee) = oui|non, matched = oui|non, match = confirmed|matched|suggested|none|pending,
anomaly = oui|non|duplicate|iban_unknown|credit_note_without_original|ht_ttc_inconsistent|unknown_supplier|engagement_exhausted,
dgp_risk = oui|JOURS, type = invoice|creditNote.
--json affiche {"total":…,"items":[…],"facets":{…},"nextCursor":…}.
`;

export async function run(argv: string[]): Promise<number> {
  const parsed = parseCommand(
    argv,
    {
      ...STORE_OPTIONS,
      json: { type: 'boolean' },
      tenant: { type: 'string' },
      filter: { type: 'string', multiple: true },
      sort: { type: 'string' },
      asc: { type: 'boolean' },
      desc: { type: 'boolean' },
      limit: { type: 'string' },
      after: { type: 'string' },
      reindex: { type: 'boolean' },
    },
    HELP,
  );
  if (!parsed) return 0;
  const { values } = parsed;
  if (values.sort !== undefined && !(SORTS as readonly string[]).includes(values.sort)) throw new UsageError(`--sort : ${SORTS.join('|')}`);
  if (values.limit !== undefined && !/^\d+$/.test(values.limit)) throw new UsageError('--limit : un nombre attendu');
  let filters;
  try {
    filters = parseFilters(values.filter ?? []);
  } catch (error) {
    if (error instanceof SearchError) throw new UsageError(error.message);
    throw error;
  }
  const context = await openContext(storeOverrides(values));
  try {
    const tenantId = await resolveTenantId(context.store.db, values.tenant);
    if (values.reindex) {
      const count = await reindexAll(context, tenantId);
      if (values.json) printJson({ reindexed: count });
      else process.stdout.write(`${count} facture(s) réindexée(s).\n`);
      return 0;
    }
    const result = await searchInvoices(context.store, tenantId, {
      text: parsed.positionals.join(' '),
      filters,
      ...(values.sort ? { sort: values.sort as SortKey } : {}),
      ...(values.asc ? { direction: 'asc' as const } : values.desc ? { direction: 'desc' as const } : {}),
      ...(values.limit ? { limit: Number(values.limit) } : {}),
      ...(values.after ? { after: values.after } : {}),
    });
    if (values.json) {
      printJson(result);
      return 0;
    }
    process.stdout.write(`${result.total} facture(s)\n`);
    for (const item of result.items) {
      const flags = [item.match, ...item.anomalies.map((code) => `⚠ ${code}`)].join(' ');
      process.stdout.write(
        `${item.invoiceId}  ${item.receivedDate ?? '          '}  ${item.number.padEnd(16)} ${item.supplierName.slice(0, 30).padEnd(30)} ${(item.amountTtc ?? '').padStart(12)}  ${item.status}  ${flags}\n`,
      );
    }
    for (const [name, counts] of Object.entries(result.facets)) {
      const text = Object.entries(counts).map(([key, n]) => `${key} ${n}`).join(', ');
      if (text) process.stdout.write(`  ${name} : ${text}\n`);
    }
    if (result.nextCursor) process.stdout.write(`Page suivante : --after ${result.nextCursor}\n`);
    return 0;
  } finally {
    await context.close();
  }
}
