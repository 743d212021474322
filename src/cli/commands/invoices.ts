import { once } from 'node:events';
import { openContext } from '../../app/context.ts';
import { findInvoiceId } from '../../app/decisions/lookup.ts';
import { retryQuarantined } from '../../app/sync/sync.ts';
import { resolveTenantId } from '../../app/tenants.ts';
import { INVOICE_STATUSES } from '../../domain/lifecycle.ts';
import { getInvoiceDetail, type InvoiceListItem, listInvoices } from '../../store/invoices.ts';
import { invoiceArgument, parseCommand, printJson, STORE_OPTIONS, storeOverrides, UsageError } from '../args.ts';

/** Rows read per query when the whole list is written: memory stays flat whatever the count. */
const PAGE_SIZE = 500;

const HELP = `
Usage: liasse invoices list [--status S] [--quarantined] [--limit N] [--offset N] [--tenant T] [--json]
       liasse invoices show --invoice ID [--tenant T] [--json]   (or: invoices show ID)
       liasse invoices retry [CHORUS_ID…] [--tenant T] [--json]

  list    les factures (les plus récemment déposées d'abord) ; --json : un tableau d'objets
          {id, chorusId, number, supplier, status, chorusStatus, totals, quarantined, …}.
          Sans --limit, TOUTES les factures sont listées (lues par pages de ${PAGE_SIZE} et écrites
          au fur et à mesure, même en --json) ; --limit N [--offset M] pour une page seulement.
  show    une facture (identifiant Liasse ou idFacture Chorus) avec lignes, TVA, pièces jointes,
          historique Chorus et cycles
  retry   retélécharge et relit les factures en quarantaine (toutes, ou celles données)

Statuts : ${INVOICE_STATUSES.join(', ')}
`;

export async function run(argv: string[]): Promise<number> {
  const parsed = parseCommand(
    argv,
    {
      ...STORE_OPTIONS,
      tenant: { type: 'string' },
      status: { type: 'string' },
      quarantined: { type: 'boolean' },
      limit: { type: 'string' },
      offset: { type: 'string' },
      json: { type: 'boolean' },
      invoice: { type: 'string' },
    },
    HELP,
  );
  if (!parsed) return 0;
  const [action, ...rest] = parsed.positionals;
  const { values } = parsed;
  const integer = (name: 'limit' | 'offset', fallback: number) => {
    const raw = values[name];
    if (raw === undefined) return fallback;
    const value = Number(raw);
    if (!Number.isInteger(value) || value < 0) throw new UsageError(`--${name} attend un entier positif, reçu « ${raw} »`);
    return value;
  };
  if (values.status !== undefined && !(INVOICE_STATUSES as readonly string[]).includes(values.status)) {
    throw new UsageError(`statut inconnu « ${values.status} » ; statuts : ${INVOICE_STATUSES.join(', ')}`);
  }
  if (action !== 'list' && action !== 'show' && action !== 'retry') throw new UsageError(`action attendue : list, show ou retry\n${HELP.trim()}`);
  const context = await openContext(storeOverrides(values));
  try {
    const tenantId = await resolveTenantId(context.store.db, values.tenant);
    if (action === 'list') {
      // No silent cut: without --limit the whole list is written, page after page as it is read.
      let remaining = values.limit === undefined ? Number.POSITIVE_INFINITY : integer('limit', 0);
      let offset = integer('offset', 0);
      let written = 0;
      if (values.json) await write('[');
      while (remaining > 0) {
        const size = Math.min(PAGE_SIZE, remaining);
        const page = await listInvoices(context.store.db, tenantId, {
          ...(values.status ? { status: values.status } : {}),
          ...(values.quarantined ? { quarantined: true } : {}),
          limit: size,
          offset,
        });
        if (values.json) await write(page.map((item, index) => `${written + index > 0 ? ',' : ''}${JSON.stringify(item)}`).join(''));
        else await write(page.map(textLine).join(''));
        written += page.length;
        offset += page.length;
        remaining -= page.length;
        if (page.length < size) break;
      }
      if (values.json) await write(']\n');
      else await write(`${written} facture(s)\n`);
      return 0;
    }
    if (action === 'show') {
      const reference = invoiceArgument(values.invoice, rest[0]);
      if (!reference) throw new UsageError('liasse invoices show --invoice ID : identifiant manquant');
      const detail = await getInvoiceDetail(context.store.db, tenantId, await findInvoiceId(context.store.db, reference, tenantId));
      if (!detail) throw new Error(`Facture introuvable : ${reference}`);
      if (values.json) {
        const { model: _model, ...rest } = detail;
        printJson(rest);
      } else {
        process.stdout.write(
          `Facture ${detail.number ?? '—'} (Chorus ${detail.chorusId}) de ${detail.supplier.name ?? '—'} — ${detail.totals.ttc ?? '?'} ${detail.totals.currency ?? ''}\n` +
            `Statut ${detail.status} (Chorus ${detail.chorusStatus ?? '—'}), ${detail.cycles} cycle(s)\n` +
            (detail.quarantined ? `QUARANTAINE : ${detail.quarantineReason}\n` : '') +
            `Lignes : ${detail.lines.length} · pièces : ${detail.attachments.map((file) => `${file.filename} (${file.role})`).join(', ')}\n` +
            detail.history.map((entry) => `  ${entry.at}  [${entry.cycle}] ${entry.status}${entry.comment ? ` — ${entry.comment}` : ''}`).join('\n') +
            '\n',
        );
      }
      return 0;
    }
    const ids = rest.map((value) => {
      if (!/^\d+$/.test(value)) throw new UsageError(`idFacture Chorus attendu, reçu « ${value} »`);
      return Number(value);
    });
    const result = await retryQuarantined(context, tenantId, ids.length > 0 ? { chorusIds: ids } : {});
    const { seen, new: created, updated, unchanged, quarantined, failed } = result;
    if (values.json) printJson({ seen, new: created, updated, unchanged, quarantined, failed });
    else process.stdout.write(`${seen} facture(s) relue(s) : ${seen - quarantined - failed} sortie(s) de quarantaine, ${quarantined} toujours en quarantaine, ${failed} en échec.\n`);
    return failed > 0 ? 3 : 0;
  } finally {
    await context.close();
  }
}

/** Writes to stdout, waiting when the reader is slower than the database. */
async function write(text: string): Promise<void> {
  if (text && !process.stdout.write(text)) await once(process.stdout, 'drain');
}

function textLine(item: InvoiceListItem): string {
  return (
    [
      String(item.chorusId).padEnd(10),
      (item.number ?? '—').padEnd(20),
      (item.supplier.name ?? '—').slice(0, 32).padEnd(32),
      (item.totals.ttc ?? '').padStart(12),
      ` ${item.status}`,
      item.quarantined ? `  QUARANTAINE : ${item.quarantineReason}` : '',
    ].join(' ') + '\n'
  );
}
