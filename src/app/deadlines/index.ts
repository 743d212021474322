// Deadlines use cases: an invoice's délai global de paiement from what the store knows (its
// Chorus dates and status history), the list of invoices at risk or late, and the late-payment
// charges proposed as a ready mandat input. Plain functions over Kysely: the CLI, the HTTP
// dashboard and the mandats module call them.
import type { Kysely } from 'kysely';
import { computeDgp, defaultDgpPolicy, dgpWithoutClock, type DgpInput, type DgpPolicy, type DgpPolicyOverrides, type DgpResult, type DgpSuspension, parisDate, todayInParis } from '../../domain/dgp.ts';
import { computeLatePaymentCharges, halfYearStart, type InterestRate, type LatePaymentCharges, LEGAL_MARGIN_POINTS, MissingInterestRateError } from '../../domain/interest.ts';
import { Decimal } from '../../domain/money.ts';
import { type Actor, requirePermission } from '../../domain/roles.ts';
import { appendAudit } from '../../store/audit.ts';
import type { Database } from '../../store/schema.ts';
import { type DeadlineSettings, loadDeadlineSettings } from './settings.ts';

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

// ---------------------------------------------------------------------------------------------
// Which documents run a payment deadline: THE place where the DGP rule (src/domain/dgp.ts) is
// applied to an invoice row. Every reader of an invoice's DGP (this module's lists and interest,
// the mandat, the invoice page, the search index's dgp_state) goes through invoiceDgpFromRows.

/** The document type that is a payable: only it runs a délai global de paiement. */
export const PAYABLE_DOCUMENT_TYPE = 'invoice';

/**
 * Why no payment deadline runs for a document of this type, in French, or null when one does. A
 * credit note (avoir) is not a payable: it is taken into account against the supplier's invoice,
 * so no délai, no late payment, no interest and no indemnity.
 */
export function dgpNotApplicableReason(documentType: string | null | undefined): string | null {
  if (documentType === 'creditNote') {
    return "Sans objet : c'est un avoir, pas une demande de paiement (aucun délai de paiement, aucun intérêt moratoire).";
  }
  return null;
}

/** A DGP result that also says whether a deadline applies at all; status 'not_applicable' when not. */
export type ApplicableDgp = Omit<DgpResult, 'status'> & {
  status: DgpResult['status'] | 'not_applicable';
  applicable: boolean;
  /** Set when `applicable` is false: why, in French. */
  notApplicableReason: string | null;
};

/**
 * The DGP of an invoice row and its history under `policy` as of `today`: computeDgp for a payable;
 * for a credit note a not-applicable result — no start, no expiry, nothing late, nothing left —
 * whose null expiry gives an empty state wherever it is stored.
 */
export function invoiceDgpFromRows(
  invoice: InvoiceDatesRow & { document_type: string | null },
  history: readonly HistoryEvent[],
  policy: DgpPolicy,
  today: string,
): ApplicableDgp & { input: DgpInput } {
  const input = dgpInputFromRows(invoice, history);
  const reason = dgpNotApplicableReason(invoice.document_type);
  if (reason === null) return { ...computeDgp(input, policy, today), applicable: true, notApplicableReason: null, input };
  return {
    ...dgpWithoutClock(policy, input.paidOn ?? null),
    status: 'not_applicable',
    applicable: false,
    notApplicableReason: reason,
    input,
  };
}

export type InvoiceDgp = ApplicableDgp & { invoiceId: string; tenantId: string; tenantKind: string; input: DgpInput };

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
  // Default: the installation's settings (LIASSE_DGP_*), so callers that pass nothing (mandats,
  // the invoice page) apply the same policy as the lists.
  overrides: DgpPolicyOverrides = loadDeadlineSettings().dgp,
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
      'invoices.document_type',
    ])
    .where('invoices.id', '=', invoiceId)
    .executeTakeFirst();
  if (!invoice) throw new InvoiceNotFoundError(invoiceId);
  const history = await db.selectFrom('chorus_history').select(['status', 'at']).where('invoice_id', '=', invoiceId).execute();
  const result = invoiceDgpFromRows(invoice, history, defaultDgpPolicy(invoice.kind, overrides), today);
  return { ...result, invoiceId: invoice.id, tenantId: invoice.tenant_id, tenantKind: invoice.kind };
}

// ---------------------------------------------------------------------------------------------
// Interest rates (the editable table seeded by migration 0007)

export async function loadInterestRates(db: Kysely<Database>): Promise<InterestRate[]> {
  const rows = await db.selectFrom('late_interest_rates').selectAll().orderBy('valid_from').execute();
  return rows.map((row) => ({ validFrom: row.valid_from, ecbRate: row.ecb_rate, margin: row.margin }));
}

/** Adds or corrects the ECB rate of a half-year (1 January or 1 July); audited. */
export async function setInterestRate(
  db: Kysely<Database>,
  input: { validFrom: string; ecbRate: string; margin?: string },
  actor: Actor,
): Promise<InterestRate> {
  requirePermission(actor, 'admin.manage');
  if (halfYearStart(input.validFrom) !== input.validFrom) {
    throw new RangeError(`Un taux s'applique au 1er janvier ou au 1er juillet, pas au ${input.validFrom}.`);
  }
  const ecbRate = Decimal.parse(input.ecbRate).toString(2);
  const margin = Decimal.parse(input.margin ?? LEGAL_MARGIN_POINTS).toString();
  const now = new Date().toISOString();
  await db.transaction().execute(async (trx) => {
    const previous = await trx.selectFrom('late_interest_rates').selectAll().where('valid_from', '=', input.validFrom).executeTakeFirst();
    if (previous) {
      await trx
        .updateTable('late_interest_rates')
        .set({ ecb_rate: ecbRate, margin, updated_by: actorName(actor), updated_at: now })
        .where('valid_from', '=', input.validFrom)
        .execute();
    } else {
      await trx
        .insertInto('late_interest_rates')
        .values({ valid_from: input.validFrom, ecb_rate: ecbRate, margin, updated_by: actorName(actor), updated_at: now })
        .execute();
    }
    await appendAudit(trx, {
      tenantId: null,
      actor: actorName(actor),
      action: 'interest_rate.set',
      entity: 'interest_rate',
      entityId: input.validFrom,
      data: { ecbRate, margin, previous: previous ? { ecbRate: previous.ecb_rate, margin: previous.margin } : null },
    });
  });
  return { validFrom: input.validFrom, ecbRate, margin };
}

export function actorName(actor: Actor): string {
  return actor.kind === 'user' ? `user:${actor.id}` : actor.kind === 'cli' ? 'cli' : `system:${actor.id}`;
}

// ---------------------------------------------------------------------------------------------
// Invoices at risk and late

export type RiskLevel = 'late' | 'at_risk' | 'suspended' | 'on_time' | 'unknown';

export type DeadlineRow = {
  invoiceId: string;
  tenantId: string;
  chorusId: number;
  number: string | null;
  sellerName: string | null;
  sellerSiret: string | null;
  amountTtc: string | null;
  status: string;
  serviceCode: string | null;
  risk: RiskLevel;
  dgp: DgpResult;
  /** Interest + 40 € when late (as of today), computed with the table's rates. */
  charges: LatePaymentCharges | null;
  /** Set when the rate of the half-year is missing from the table. */
  chargesProblem: string | null;
};

export type ListDeadlinesOptions = {
  tenantId?: string;
  today?: string;
  settings?: DeadlineSettings;
  /** Only these risk levels (default: all open invoices). */
  risks?: RiskLevel[];
  /** Only invoices routed to this Chorus service code. */
  serviceCode?: string;
};

/** Statuses that no longer run a delay for the ordonnateur to watch. */
const CLOSED_STATUSES = ['paid', 'rejected', 'to_recycle'];

export function riskOf(dgp: DgpResult, settings: DeadlineSettings): RiskLevel {
  if (dgp.expiryDate === null || dgp.daysLeft === null) return 'unknown';
  if (dgp.late) return 'late';
  if (dgp.suspendedNow) return 'suspended';
  if (dgp.daysLeft <= settings.riskDays) return 'at_risk';
  if (dgp.ordonnateurDaysLeft !== null && dgp.ordonnateurDaysLeft <= settings.ordonnateurRiskDays) return 'at_risk';
  return 'on_time';
}

/**
 * Open invoices (not paid, rejected or to recycle; not history or quarantine) with their DGP,
 * most urgent first. The dashboard, the digest and `liasse deadlines` use it.
 */
export async function listDeadlines(db: Kysely<Database>, options: ListDeadlinesOptions = {}): Promise<DeadlineRow[]> {
  const today = options.today ?? todayInParis();
  const settings = options.settings ?? loadDeadlineSettings();
  let query = db
    .selectFrom('invoices')
    .innerJoin('tenants', 'tenants.id', 'invoices.tenant_id')
    .select([
      'invoices.id',
      'invoices.tenant_id',
      'tenants.kind',
      'invoices.chorus_id',
      'invoices.number',
      'invoices.seller_name',
      'invoices.seller_siret',
      'invoices.amount_ttc',
      'invoices.status',
      'invoices.chorus_service_code',
      'invoices.deposited_at',
      'invoices.made_available_at',
      'invoices.chorus_status',
      'invoices.chorus_status_at',
      'invoices.document_type',
    ])
    .where('invoices.status', 'not in', CLOSED_STATUSES)
    .where('invoices.history_only', '=', 0)
    .where('invoices.quarantined', '=', 0);
  if (options.tenantId) query = query.where('invoices.tenant_id', '=', options.tenantId);
  if (options.serviceCode) query = query.where('invoices.chorus_service_code', '=', options.serviceCode);
  const invoices = await query.execute();
  const rates = await loadInterestRates(db);
  const rows: DeadlineRow[] = [];
  for (const batch of chunks(invoices, 500)) {
    const history = await db
      .selectFrom('chorus_history')
      .select(['invoice_id', 'status', 'at'])
      .where('invoice_id', 'in', batch.map((invoice) => invoice.id))
      .execute();
    const byInvoice = new Map<string, HistoryEvent[]>();
    for (const event of history) {
      const list = byInvoice.get(event.invoice_id) ?? [];
      list.push(event);
      byInvoice.set(event.invoice_id, list);
    }
    for (const invoice of batch) {
      const { applicable, notApplicableReason: _reason, input: _input, status, ...rest } = invoiceDgpFromRows(invoice, byInvoice.get(invoice.id) ?? [], defaultDgpPolicy(invoice.kind, settings.dgp), today);
      // A credit note runs no deadline: never late, at risk or owed interest.
      if (!applicable || status === 'not_applicable') continue;
      const dgp: DgpResult = { ...rest, status };
      const risk = riskOf(dgp, settings);
      if (options.risks && !options.risks.includes(risk)) continue;
      const { charges, problem } = chargesFor(invoice.amount_ttc, dgp, rates);
      rows.push({
        invoiceId: invoice.id,
        tenantId: invoice.tenant_id,
        chorusId: Number(invoice.chorus_id),
        number: invoice.number,
        sellerName: invoice.seller_name,
        sellerSiret: invoice.seller_siret,
        amountTtc: invoice.amount_ttc,
        status: invoice.status,
        serviceCode: invoice.chorus_service_code,
        risk,
        dgp,
        charges,
        chargesProblem: problem,
      });
    }
  }
  const order: Record<RiskLevel, number> = { late: 0, at_risk: 1, suspended: 2, on_time: 3, unknown: 4 };
  return rows.sort((a, b) => order[a.risk] - order[b.risk] || (a.dgp.daysLeft ?? 1e9) - (b.dgp.daysLeft ?? 1e9) || a.invoiceId.localeCompare(b.invoiceId));
}

function chargesFor(amountTtc: string | null, dgp: DgpResult, rates: readonly InterestRate[]): { charges: LatePaymentCharges | null; problem: string | null } {
  if (!dgp.late || dgp.expiryDate === null) return { charges: null, problem: null };
  if (amountTtc === null) return { charges: null, problem: 'Montant TTC inconnu' };
  try {
    return { charges: computeLatePaymentCharges({ amountTtc, expiryDate: dgp.expiryDate, daysLate: dgp.daysLate }, rates), problem: null };
  } catch (error) {
    if (error instanceof MissingInterestRateError) return { charges: null, problem: error.message };
    throw error;
  }
}

function* chunks<T>(items: readonly T[], size: number): Generator<T[]> {
  for (let index = 0; index < items.length; index += size) yield items.slice(index, index + size);
}

// ---------------------------------------------------------------------------------------------
// Late-payment charges as a ready mandat

/** M57 account of intérêts moratoires and the indemnité forfaitaire (chapitre 67). */
export const LATE_PAYMENT_NATURE = '6711';

export type LatePaymentMandatProposal = {
  tenantId: string;
  invoiceId: string;
  invoiceNumber: string | null;
  tiers: { siret: string | null; name: string | null; iban: string | null };
  /** The year of the payment (or of today): the exercice that bears the charge. */
  exercice: number;
  section: 'F';
  chapitre: '67';
  nature: string;
  objet: string;
  /** interest + indemnity; no VAT on either. */
  amountTtc: string;
  lines: { label: string; amount: string }[];
  dgp: { startDate: string; expiryDate: string; daysLate: number; paidOn: string | null };
  charges: LatePaymentCharges;
};

export class NotLateError extends Error {
  constructor(
    readonly invoiceId: string,
    why?: string | null,
  ) {
    super(why ? `La facture ${invoiceId} : ${why}` : `La facture ${invoiceId} n'est pas en retard de paiement : aucun intérêt moratoire n'est dû.`);
    this.name = 'NotLateError';
  }
}

/**
 * The intérêts moratoires and the 40 € indemnity of a late invoice, as the input of a mandat the
 * ordonnateur issues on his own initiative (décret 2013-269 art. 9). As of the payment date when
 * paid, else as of `today` (the figure grows each day until payment).
 */
export async function proposeLatePaymentMandat(
  db: Kysely<Database>,
  invoiceId: string,
  options: { today?: string; settings?: DeadlineSettings } = {},
): Promise<LatePaymentMandatProposal> {
  const today = options.today ?? todayInParis();
  const dgp = await loadInvoiceDgp(db, invoiceId, today, options.settings?.dgp ?? loadDeadlineSettings().dgp);
  if (!dgp.applicable) throw new NotLateError(invoiceId, dgp.notApplicableReason);
  if (!dgp.late || dgp.expiryDate === null || dgp.startDate === null) throw new NotLateError(invoiceId);
  const invoice = await db
    .selectFrom('invoices')
    .select(['number', 'seller_name', 'seller_siret', 'iban', 'amount_ttc', 'issue_date'])
    .where('id', '=', invoiceId)
    .executeTakeFirstOrThrow();
  if (invoice.amount_ttc === null) throw new Error(`La facture ${invoiceId} n'a pas de montant TTC : intérêts non calculables.`);
  const charges = computeLatePaymentCharges(
    { amountTtc: invoice.amount_ttc, expiryDate: dgp.expiryDate, daysLate: dgp.daysLate },
    await loadInterestRates(db),
  );
  if (!charges) throw new NotLateError(invoiceId);
  const paidOn = dgp.input.paidOn ?? null;
  const number = invoice.number ?? String(invoiceId);
  return {
    tenantId: dgp.tenantId,
    invoiceId,
    invoiceNumber: invoice.number,
    tiers: { siret: invoice.seller_siret, name: invoice.seller_name, iban: invoice.iban },
    exercice: Number((paidOn ?? today).slice(0, 4)),
    section: 'F',
    chapitre: '67',
    nature: LATE_PAYMENT_NATURE,
    objet: `Intérêts moratoires et indemnité forfaitaire – facture ${number} – ${charges.daysLate} j de retard`.slice(0, 160),
    amountTtc: charges.total,
    lines: [
      {
        label: `Intérêts moratoires : ${charges.amountTtc} € × ${charges.annualRate} % × ${charges.daysLate} j / 365 (du ${charges.interestFrom} au ${paidOn ?? today})`,
        amount: charges.interest,
      },
      { label: 'Indemnité forfaitaire pour frais de recouvrement', amount: charges.indemnity },
    ],
    dgp: { startDate: dgp.startDate, expiryDate: dgp.expiryDate, daysLate: dgp.daysLate, paidOn },
    charges,
  };
}
