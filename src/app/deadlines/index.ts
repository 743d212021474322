// Deadlines use cases: an invoice's délai global de paiement from what the store knows (its
// Chorus dates and status history), the list of invoices at risk or late, and the late-payment
// charges proposed as a ready mandat input. Plain functions over Kysely: the CLI, the HTTP
// dashboard and the mandats module call them.
import type { Kysely } from 'kysely';
import { computeDgp, defaultDgpPolicy, type DgpInput, type DgpPolicyOverrides, type DgpResult, type DgpSuspension, parisDate, todayInParis } from '../../domain/dgp.ts';
import type { Database } from '../../store/schema.ts';

export type HistoryEvent = { status: string; at: string };

/**
 * Suspension periods from the Chorus status history: each SUSPENDUE opens one (unless one is
 * already open), the next COMPLETEE closes it. A SUSPENDUE without COMPLETEE is still running.
 */
export function suspensionsFromHistory(history: readonly HistoryEvent[]): DgpSuspension[] {
  const events = [...history].sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0));
  const suspensions: DgpSuspension[] = [];
  let open: DgpSuspension | null = null;
  for (const event of events) {
    if (event.status === 'SUSPENDUE' && open === null) {
      open = { from: parisDate(event.at), to: null };
      suspensions.push(open);
    } else if (event.status === 'COMPLETEE' && open !== null) {
      open.to = parisDate(event.at);
      open = null;
    }
  }
  return suspensions;
}

export type InvoiceDatesRow = {
  deposited_at: string | null;
  made_available_at: string | null;
  chorus_status: string | null;
  chorus_status_at: string | null;
};

/** The DGP input of an invoice row and its history; dates are taken in French time. */
export function dgpInputFromRows(invoice: InvoiceDatesRow, history: readonly HistoryEvent[]): DgpInput {
  const events = [...history].sort((a, b) => (a.at < b.at ? -1 : 1));
  const firstOf = (status: string) => events.find((event) => event.status === status)?.at ?? null;
  const paidAt = firstOf('MISE_EN_PAIEMENT') ?? (invoice.chorus_status === 'MISE_EN_PAIEMENT' ? invoice.chorus_status_at : null);
  const madeAvailable = invoice.made_available_at ?? firstOf('MISE_A_DISPOSITION');
  const deposited = invoice.deposited_at ?? firstOf('DEPOSEE');
  return {
    depositedAt: deposited ? parisDate(deposited) : null,
    madeAvailableAt: madeAvailable ? parisDate(madeAvailable) : null,
    executedAt: null,
    suspensions: suspensionsFromHistory(events),
    paidOn: paidAt ? parisDate(paidAt) : null,
  };
}

export type InvoiceDgp = DgpResult & { invoiceId: string; tenantId: string; tenantKind: string; input: DgpInput };

export class InvoiceNotFoundError extends Error {
  constructor(readonly invoiceId: string) {
    super(`Facture introuvable : ${invoiceId}`);
    this.name = 'InvoiceNotFoundError';
  }
}

/** The DGP of one invoice as of `today` (a date in France, default today). */
export async function loadInvoiceDgp(
  db: Kysely<Database>,
  invoiceId: string,
  today: string = todayInParis(),
  overrides: DgpPolicyOverrides = {},
): Promise<InvoiceDgp> {
  const invoice = await db
    .selectFrom('invoices')
    .innerJoin('tenants', 'tenants.id', 'invoices.tenant_id')
    .select([
      'invoices.id',
      'invoices.tenant_id',
      'tenants.kind',
      'invoices.deposited_at',
      'invoices.made_available_at',
      'invoices.chorus_status',
      'invoices.chorus_status_at',
    ])
    .where('invoices.id', '=', invoiceId)
    .executeTakeFirst();
  if (!invoice) throw new InvoiceNotFoundError(invoiceId);
  const history = await db.selectFrom('chorus_history').select(['status', 'at']).where('invoice_id', '=', invoiceId).execute();
  const input = dgpInputFromRows(invoice, history);
  const result = computeDgp(input, defaultDgpPolicy(invoice.kind, overrides), today);
  return { ...result, invoiceId: invoice.id, tenantId: invoice.tenant_id, tenantKind: invoice.kind, input };
}
