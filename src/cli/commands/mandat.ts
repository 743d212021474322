import { openContext } from '../../app/context.ts';
import { findInvoiceId } from '../../app/decisions/lookup.ts';
import { cancelPendingMandat, createAnnulationMandat, createMandat, getMandat, listMandats, type MandatView } from '../../app/mandate/mandats.ts';
import { resolveTenantId } from '../../app/tenants.ts';
import { CLI_ACTOR } from '../../domain/roles.ts';
import { parseCommand, printJson, STORE_OPTIONS, storeOverrides, UsageError } from '../args.ts';

const HELP = `
Usage: liasse mandat <create|show|list|cancel|annul> [options] [--tenant T] [--json]

  create --invoice ID [--invoice ID…]   Mandate reconciled invoice(s) of one tiers: pre-filled mandat,
                                         engagement liquidated, gap-free number, MANDATEE queued
                                         (ID: the Liasse invoice id or the Chorus idFacture)
  show ID                                One mandat with its lines and PJ
  list [--status S] [--budget CODE] [--exercice YYYY]
  cancel ID --reason TEXT                Withdraw a mandat never sent, if it is the last number of its
                                         series (the number is given again: no gap for the comptable)
  annul ID --reason TEXT [--amount X]    Annulation/réduction mandat against a sent mandat
                                         (whole remaining amount when --amount is omitted)

Options: --tenant T (id, SIREN or name), --json, --data-dir DIR, --database-url URL
`;

function print(mandat: MandatView): string {
  const lines = [
    `Mandat n° ${mandat.numero} — budget ${mandat.budget}, exercice ${mandat.exercice} — ${mandat.statusLabel}${mandat.kind === 'annulation' ? ' (annulation/réduction)' : ''}`,
    `  Tiers : ${mandat.tiers.name} (${mandat.tiers.siret})${mandat.iban ? `, IBAN ${mandat.iban}` : ''}`,
    `  Objet : ${mandat.objet}`,
    `  Montants : HT ${mandat.montantHT} · TVA ${mandat.montantTVA} · TTC ${mandat.montantTTC} (liquidé ${mandat.montantLiquide} ${mandat.vatRegime})`,
    `  Engagement(s) : ${mandat.engagements.join(', ')} — facture(s) ${mandat.invoiceNumbers.join(', ') || '-'}`,
  ];
  if (mandat.dgp) lines.push(`  DGP : du ${mandat.dgp.debut} au ${mandat.dgp.fin} (${mandat.dgp.duree} jours)`);
  if (mandat.correctionReason) lines.push(`  À corriger : ${mandat.correctionReason}`);
  lines.push(`  Id : ${mandat.id}`);
  return lines.join('\n');
}

export async function run(argv: string[]): Promise<number> {
  const parsed = parseCommand(
    argv,
    {
      ...STORE_OPTIONS,
      tenant: { type: 'string' },
      json: { type: 'boolean' },
      invoice: { type: 'string', multiple: true },
      reason: { type: 'string' },
      amount: { type: 'string' },
      status: { type: 'string' },
      budget: { type: 'string' },
      exercice: { type: 'string' },
    },
    HELP,
  );
  if (!parsed) return 0;
  const [action, id] = parsed.positionals;
  if (!action || !['create', 'show', 'list', 'cancel', 'annul'].includes(action)) throw new UsageError(`expected create, show, list, cancel or annul\n${HELP.trim()}`);
  const context = await openContext(storeOverrides(parsed.values));
  try {
    const tenantId = await resolveTenantId(context.store.db, parsed.values.tenant);
    let result: MandatView | MandatView[];
    if (action === 'create') {
      const invoices = parsed.values.invoice ?? [];
      if (invoices.length === 0) throw new UsageError(`--invoice ID is required\n${HELP.trim()}`);
      const invoiceIds: string[] = [];
      for (const reference of invoices) invoiceIds.push(await findInvoiceId(context.store.db, reference, tenantId));
      result = await createMandat(context, tenantId, CLI_ACTOR, { invoiceIds });
    } else if (action === 'list') {
      result = await listMandats(context.store.db, tenantId, {
        ...(parsed.values.status ? { status: parsed.values.status } : {}),
        ...(parsed.values.budget ? { budgetCode: parsed.values.budget } : {}),
        ...(parsed.values.exercice ? { exercice: Number(parsed.values.exercice) } : {}),
      });
    } else {
      if (!id) throw new UsageError(`a mandat id is required\n${HELP.trim()}`);
      if (action === 'show') result = await getMandat(context.store.db, tenantId, id);
      else if (action === 'cancel') result = await cancelPendingMandat(context, tenantId, CLI_ACTOR, { mandatId: id, reason: parsed.values.reason ?? '' });
      else result = await createAnnulationMandat(context, tenantId, CLI_ACTOR, { mandatId: id, reason: parsed.values.reason ?? '', amount: parsed.values.amount ?? null });
    }
    if (parsed.values.json) printJson(result);
    else if (Array.isArray(result)) process.stdout.write(result.length ? `${result.map(print).join('\n\n')}\n` : 'Aucun mandat.\n');
    else process.stdout.write(`${print(result)}\n`);
    return 0;
  } finally {
    await context.close();
  }
}
