import { openContext } from '../../app/context.ts';
import { findInvoiceId } from '../../app/decisions/lookup.ts';
import { confirmAllocation, resolveEngagementId, runMatching } from '../../app/match/run.ts';
import { resolveTenantId } from '../../app/tenants.ts';
import { parseCommand, printJson, STORE_OPTIONS, storeOverrides, UsageError } from '../args.ts';

const HELP = `
Usage: liasse match [--json] [--invoice ID]... [--tenant T] [--data-dir DIR] [--database-url URL]
       liasse match confirm --invoice ID [ENGAGEMENT[=MONTANT_TTC]]... [--json] [--tenant T]

Rapproche les factures en attente des engagements : score, raisons, anomalies. Un rapprochement
évident est appliqué automatiquement ("matched"), sinon proposé ("suggested").
--json affiche un tableau de {invoiceId, status, engagement: {id, numero}|null, score, reasons, anomalies}.
confirm valide la proposition, ou impute la facture aux engagements donnés (numéro ou identifiant ;
montants TTC obligatoires pour une répartition sur plusieurs engagements).
ID : identifiant Liasse de la facture ou idFacture Chorus ; « confirm ID » (sans --invoice) reste accepté.
`;

export async function run(argv: string[]): Promise<number> {
  const parsed = parseCommand(
    argv,
    { ...STORE_OPTIONS, json: { type: 'boolean' }, tenant: { type: 'string' }, invoice: { type: 'string', multiple: true } },
    HELP,
  );
  if (!parsed) return 0;
  const [action, ...rest] = parsed.positionals;
  // confirm's invoice: --invoice, or (as before) the first argument after "confirm".
  const confirmReference = action === 'confirm' ? (parsed.values.invoice?.[0] ?? rest[0]) : undefined;
  const choices = action === 'confirm' && parsed.values.invoice === undefined ? rest.slice(1) : rest;
  if (action === 'confirm' && (parsed.values.invoice?.length ?? 0) > 1) throw new UsageError('confirm : une seule facture à la fois (--invoice ID).');
  if (action !== undefined && action !== 'confirm') throw new UsageError(`action inconnue « ${action} »\n${HELP.trim()}`);
  const context = await openContext(storeOverrides(parsed.values));
  try {
    const tenantId = await resolveTenantId(context.store.db, parsed.values.tenant);
    if (action === 'confirm') {
      if (!confirmReference) throw new UsageError(`confirm : --invoice ID manquant\n${HELP.trim()}`);
      const invoiceId = await findInvoiceId(context.store.db, confirmReference, tenantId);
      const resolved = [];
      for (const choice of choices) {
        const [reference, amount] = choice.split('=');
        resolved.push({ engagementId: await resolveEngagementId(context.store.db, tenantId, reference!), ...(amount ? { amountTtc: amount } : {}) });
      }
      const result = await confirmAllocation(context.store, tenantId, invoiceId, { choices: resolved, actor: 'cli' });
      if (parsed.values.json) printJson(result);
      else for (const a of result.allocations) process.stdout.write(`${invoiceId} → ${a.numero} : ${a.amountTtc} € TTC\n`);
      return 0;
    }
    const invoiceIds: string[] = [];
    for (const reference of parsed.values.invoice ?? []) invoiceIds.push(await findInvoiceId(context.store.db, reference, tenantId));
    const results = await runMatching(context.store, tenantId, { actor: 'cli', ...(parsed.values.invoice ? { invoiceIds } : {}) });
    if (parsed.values.json) {
      printJson(results);
      return 0;
    }
    const counts = { matched: 0, suggested: 0, none: 0 };
    for (const result of results) {
      counts[result.status] += 1;
      const target = result.engagement ? `${result.engagement.numero} (${result.score})` : '—';
      process.stdout.write(`${result.invoiceId}  ${result.status.padEnd(9)}  ${target}\n`);
      if (result.reasons.length > 0) process.stdout.write(`    ${result.reasons.join(' · ')}\n`);
      for (const anomaly of result.anomalies) process.stdout.write(`    ⚠ ${anomaly.message}\n`);
    }
    process.stdout.write(`${results.length} facture(s) : ${counts.matched} rapprochée(s), ${counts.suggested} proposée(s), ${counts.none} sans candidat.\n`);
    return 0;
  } finally {
    await context.close();
  }
}
