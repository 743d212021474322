// Mandats: create one from reconciled invoices (pre-filled and checked by src/domain/mandat), with
// the liquidation of its engagements, its gap-free number, the MANDATEE status queued for Chorus and
// the audit entries all in one transaction; withdraw the last one of its series if never sent (its
// number is given again); reduce or cancel a sent one by an annulation/réduction mandat. Plain
// functions (context, tenantId, actor, input) for CLI and HTTP.
import type { Transaction } from 'kysely';
import { sql } from 'kysely';
import type { Invoice } from '../../domain/invoice.ts';
import { newId } from '../../domain/ids.ts';
import { canTransition, type InvoiceStatus, type LifecycleEvent, LifecycleError, type TransitionGuards, transition } from '../../domain/lifecycle.ts';
import { cents, centsToString, type VatRegime, vatRegimeOf } from '../../domain/mandat/amounts.ts';
import {
  buildMandatDraft,
  checkReduction,
  type DraftEngagement,
  type DraftInvoice,
  MandatCheckError,
  type DraftProblem,
  type MandatDraft,
  type MandatDraftInput,
} from '../../domain/mandat/draft.ts';
import { mandatReference } from '../../domain/mandat/number.ts';
import { MANDAT_STATUS_LABELS, type MandatStatus, wasSent } from '../../domain/mandat/status.ts';
import { Decimal } from '../../domain/money.ts';
import { type Actor, requirePermission } from '../../domain/roles.ts';
import { appendAudit } from '../../store/audit.ts';
import type { Database } from '../../store/schema.ts';
import { currentInSequence, nextInSequence, releaseLastInSequence } from '../../store/sequences.ts';
import type { EngagementTable } from '../../store/tables/referential.ts';
import { loadInvoiceDgp } from '../deadlines/index.ts';
import type { AppContext } from '../context.ts';
import { auditActor, enqueueChorusStatus } from '../publish/outbox.ts';

type Db = AppContext['store']['db'] | Transaction<Database>;

export class MandatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MandatError';
  }
}

export { MandatCheckError };

export type MandatView = {
  id: string;
  numero: number;
  /** The unambiguous number (exercice-budget-numero) given to Chorus Pro and shown on screens: mandatReference. */
  reference: string;
  kind: string;
  status: string;
  statusLabel: string;
  budget: string;
  budgetId: string;
  exercice: number;
  invoiceId: string | null;
  invoiceIds: string[];
  invoiceNumbers: string[];
  engagement: string | null;
  engagements: string[];
  tiers: { id: string; name: string; siret: string };
  objet: string;
  vatRegime: string;
  montantHT: string;
  montantTVA: string;
  montantTTC: string;
  /** What the engagements were charged (HT or TTC per the regime). */
  montantLiquide: string;
  modeReglement: string;
  iban: string | null;
  dgp: { debut: string; fin: string; duree: number } | null;
  bordereauId: string | null;
  originalMandatId: string | null;
  reason: string | null;
  correctionReason: string | null;
  lines: {
    ligne: number;
    invoiceId: string | null;
    facture: string | null;
    engagement: string;
    nature: string;
    fonction: string | null;
    operation: string | null;
    montantHT: string;
    montantTVA: string;
    montantTTC: string;
  }[];
  pjs: { idUnique: string; filename: string; role: string; size: number }[];
  createdAt: string;
  sentAt: string | null;
};

export function mandatSeries(budgetId: string, exercice: number): string {
  return `mandat:${budgetId}:${exercice}`;
}

/** IdUnique of a PJ: SIRET + exercice + DEP + a counter that never repeats (Alphanum50). */
export async function mintPjIdUnique(trx: Transaction<Database>, siret: string, exercice: number): Promise<string> {
  const counter = await nextInSequence(trx, `pes_pj:${siret}`);
  return `${siret}${exercice}DEP${String(counter).padStart(10, '0')}`;
}

function engagementOf(row: EngagementTable): DraftEngagement {
  return {
    id: row.id,
    numero: row.numero,
    exercice: Number(row.exercice),
    budgetId: row.budget_id,
    tiersId: row.tiers_id,
    serviceCode: row.service_code,
    section: row.section,
    chapitre: row.chapitre,
    nature: row.nature,
    fonction: row.fonction,
    operation: row.operation,
    objet: row.objet,
    amountTtcCents: Number(row.amount_ttc_cents),
    amountHtCents: row.amount_ht_cents === null ? null : Number(row.amount_ht_cents),
    liquidatedTtcCents: Number(row.liquidated_ttc_cents),
    liquidatedHtCents: Number(row.liquidated_ht_cents),
    status: row.status,
  };
}

/** Adds `delta` (negative to give back) to the engagement's liquidated amounts; false when it would exceed the remaining. */
async function liquidate(
  trx: Transaction<Database>,
  engagementId: string,
  delta: { htCents: number; ttcCents: number },
  basis: VatRegime,
  hasHt: boolean,
): Promise<boolean> {
  const now = new Date().toISOString();
  let query = trx
    .updateTable('engagements')
    .set((eb) => ({
      liquidated_ht_cents: eb('liquidated_ht_cents', '+', delta.htCents),
      liquidated_ttc_cents: eb('liquidated_ttc_cents', '+', delta.ttcCents),
      updated_at: now,
    }))
    .where('id', '=', engagementId);
  if (delta.htCents > 0 || delta.ttcCents > 0) {
    // Checked in the UPDATE itself: two mandats on one engagement cannot both pass a stale check.
    query =
      basis === 'HT' && hasHt
        ? query.where(sql<boolean>`amount_ht_cents - liquidated_ht_cents >= ${delta.htCents}`)
        : query.where(sql<boolean>`amount_ttc_cents - liquidated_ttc_cents >= ${delta.ttcCents}`);
  }
  const result = await query.executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

export type InvoiceMove = { from: string; to: InvoiceStatus };

/**
 * Moves the invoice by a lifecycle event, as transition() (src/domain/lifecycle.ts) allows; refuses
 * with a MandatError otherwise, so that the caller's transaction — and whatever it queued — is
 * rolled back.
 */
export async function moveInvoice(trx: Transaction<Database>, invoiceId: string, event: LifecycleEvent, guards: TransitionGuards = {}): Promise<InvoiceMove> {
  const row = await trx.selectFrom('invoices').select(['status', 'number']).where('id', '=', invoiceId).executeTakeFirstOrThrow();
  let next: InvoiceStatus;
  try {
    next = transition(row.status, event, guards);
  } catch (error) {
    if (error instanceof LifecycleError) throw new MandatError(`Facture ${row.number ?? invoiceId} : ${error.message}`);
    throw error;
  }
  await trx.updateTable('invoices').set({ status: next, updated_at: new Date().toISOString() }).where('id', '=', invoiceId).execute();
  return { from: row.status, to: next };
}

/**
 * Moves the invoice when the lifecycle allows it, null otherwise (nothing changed). For facts that
 * happened anyway (a bordereau already sent, an acquittement received): they are recorded even
 * when the invoice is no longer where the mandat chain left it (a sync moved it on).
 */
export async function setInvoiceStatus(trx: Transaction<Database>, invoiceId: string, event: LifecycleEvent): Promise<InvoiceMove | null> {
  const row = await trx.selectFrom('invoices').select('status').where('id', '=', invoiceId).executeTakeFirstOrThrow();
  if (!canTransition(row.status, event)) return null;
  return moveInvoice(trx, invoiceId, event);
}

async function loadDraftInputs(trx: Db, tenantId: string, invoiceIds: string[]) {
  const invoices = await trx.selectFrom('invoices').selectAll().where('tenant_id', '=', tenantId).where('id', 'in', invoiceIds).execute();
  const missing = invoiceIds.filter((id) => !invoices.some((invoice) => invoice.id === id));
  if (missing.length > 0) throw new MandatError(`Facture introuvable pour cette collectivité : ${missing.join(', ')}.`);
  const ordered = invoiceIds.map((id) => invoices.find((invoice) => invoice.id === id)!);
  const allocations = await trx
    .selectFrom('invoice_allocations')
    .selectAll()
    .where('tenant_id', '=', tenantId)
    .where('invoice_id', 'in', invoiceIds)
    .orderBy('created_at')
    .orderBy('id')
    .execute();
  const engagementIds = [...new Set(allocations.map((allocation) => allocation.engagement_id))];
  const engagements = engagementIds.length
    ? await trx.selectFrom('engagements').selectAll().where('id', 'in', engagementIds).execute()
    : [];
  const files = await trx.selectFrom('invoice_files').selectAll().where('invoice_id', 'in', invoiceIds).orderBy('position').execute();
  const live = await trx
    .selectFrom('mandat_lines')
    .innerJoin('mandats', 'mandats.id', 'mandat_lines.mandat_id')
    .select(['mandat_lines.invoice_id', 'mandats.numero'])
    .where('mandat_lines.invoice_id', 'in', invoiceIds)
    .where('mandats.kind', '=', 'ordinaire')
    .where('mandats.status', '!=', 'cancelled')
    .execute();
  return { invoices: ordered, allocations, engagements, files, live };
}

/**
 * Everything buildMandatDraft needs, loaded for the invoices: their allocations and engagements, the
 * budget and its exercice, the tiers, the DGP. Refuses invoices on several budgets (MandatError) or
 * reconciled to nothing (MandatCheckError). Shared by createMandat and previewMandat: one set of rules.
 */
async function loadMandatDraftInput(trx: Db, tenantId: string, invoiceIds: string[]): Promise<{ input: MandatDraftInput; budgetSiret: string }> {
  const loaded = await loadDraftInputs(trx, tenantId, invoiceIds);
  const budgetIds = [...new Set(loaded.engagements.map((engagement) => engagement.budget_id))];
  if (budgetIds.length > 1) throw new MandatError('Les engagements relèvent de plusieurs budgets : une facture, un budget (un mandat par budget).');
  const budgetId = budgetIds[0];
  if (!budgetId) {
    throw new MandatCheckError(
      loaded.invoices.map((invoice) => ({ code: 'not_reconciled', message: `La facture ${invoice.number ?? invoice.id} n'est rapprochée d'aucun engagement : la rapprocher avant de mandater.` })),
    );
  }
  const budget = await trx.selectFrom('budgets').selectAll().where('id', '=', budgetId).executeTakeFirstOrThrow();
  const regime = vatRegimeOf(budget.vat_regime);
  const engagementYear = Number(loaded.engagements[0]!.exercice);
  const exercice = await trx.selectFrom('exercices').selectAll().where('budget_id', '=', budgetId).where('year', '=', engagementYear).executeTakeFirst();
  const first = loaded.invoices[0]!;
  const tiersId = loaded.engagements.find((engagement) => engagement.tiers_id)?.tiers_id ?? null;
  const tiers = tiersId
    ? await trx.selectFrom('tiers').selectAll().where('id', '=', tiersId).executeTakeFirst()
    : first.seller_siret
      ? await trx.selectFrom('tiers').selectAll().where('tenant_id', '=', tenantId).where('siret', '=', first.seller_siret).executeTakeFirst()
      : undefined;
  let dgp: { startDate: string | null; expiryDate: string | null; totalDays: number } | null = null;
  try {
    dgp = await loadInvoiceDgp(trx, first.id);
  } catch {
    dgp = null;
  }
  const draftInvoices: DraftInvoice[] = loaded.invoices.map((invoice) => {
    const model = invoice.model_json ? (JSON.parse(invoice.model_json) as Partial<Invoice>) : null;
    const live = loaded.live.find((row) => row.invoice_id === invoice.id);
    return {
      id: invoice.id,
      number: invoice.number,
      documentType: invoice.document_type,
      status: invoice.status,
      sellerSiret: invoice.seller_siret,
      sellerName: invoice.seller_name,
      amountHt: invoice.amount_ht,
      amountTva: invoice.amount_tva,
      amountTtc: invoice.amount_ttc,
      iban: invoice.iban ?? model?.payment?.iban ?? null,
      bic: model?.payment?.bic ?? null,
      paymentMeansCode: model?.payment?.meansCode ?? null,
      designation: model?.lines?.[0]?.name ?? null,
      files: loaded.files
        .filter((file) => file.invoice_id === invoice.id)
        .map((file) => ({ role: file.role, filename: file.filename, mimeType: file.mime_type, size: Number(file.size), sha256: file.sha256 })),
      mandatedBy: live ? Number(live.numero) : null,
      quarantined: Number(invoice.quarantined),
      quarantineReason: invoice.quarantine_reason,
      historyOnly: Number(invoice.history_only),
      allocations: loaded.allocations
        .filter((allocation) => allocation.invoice_id === invoice.id)
        .map((allocation) => ({
          engagementId: allocation.engagement_id,
          amountTtcCents: Number(allocation.amount_ttc_cents),
          amountHtCents: allocation.amount_ht_cents === null ? null : Number(allocation.amount_ht_cents),
          engagement: engagementOf(loaded.engagements.find((engagement) => engagement.id === allocation.engagement_id)!),
        })),
    };
  });
  const input: MandatDraftInput = {
    budget: { id: budget.id, code: budget.code, vatRegime: regime },
    exercice: exercice ? { year: Number(exercice.year), open: Number(exercice.open) === 1 } : null,
    tiers: tiers ? { id: tiers.id, siret: tiers.siret, name: tiers.name, ibans: JSON.parse(tiers.ibans_json) as string[] } : null,
    invoices: draftInvoices,
    dgp,
  };
  return { input, budgetSiret: budget.siret };
}

/**
 * Creates the mandat of one or more reconciled invoices of one tiers. Everything is taken from the
 * invoice, its allocations and the referential; nothing about the amounts can be chosen.
 */
export async function createMandat(
  context: AppContext,
  tenantId: string,
  actor: Actor,
  input: { invoiceIds: string[] },
): Promise<MandatView> {
  requirePermission(actor, 'mandat.create');
  const invoiceIds = [...new Set(input.invoiceIds)];
  if (invoiceIds.length === 0) throw new MandatError('Indiquer au moins une facture à mandater.');
  const id = await context.store.db.transaction().execute(async (trx) => {
    // Lock the invoices first: two users mandating the same invoice are serialised here.
    const now = new Date().toISOString();
    await trx.updateTable('invoices').set((eb) => ({ updated_at: eb.ref('updated_at') })).where('id', 'in', invoiceIds).execute();
    const { input: draftInput, budgetSiret } = await loadMandatDraftInput(trx, tenantId, invoiceIds);
    const { draft, problems } = buildMandatDraft(draftInput);
    if (!draft) throw new MandatCheckError(problems);
    return insertMandat(trx, tenantId, actor, draft, { siret: budgetSiret, code: draftInput.budget.code }, now);
  });
  return getMandat(context.store.db, tenantId, id);
}

export type MandatPreview = {
  /** True when every check passes: "Créer le mandat" will succeed unless something changes meanwhile. */
  ready: boolean;
  /** The failing checks, in French, all at once (empty when ready). */
  problems: DraftProblem[];
  invoiceIds: string[];
  budget: { id: string; code: string; vatRegime: string } | null;
  exercice: number | null;
  exerciceOpen: boolean | null;
  tiers: { id: string; name: string; siret: string } | null;
  iban: string | null;
  bic: string | null;
  accountHolder: string | null;
  modeReglement: string | null;
  objet: string | null;
  serviceCode: string | null;
  /** Amounts of the mandat (null while the draft cannot be built: no tiers, nothing reconciled). */
  montantHT: string | null;
  montantTVA: string | null;
  montantTTC: string | null;
  /** What the engagements would be charged: HT or TTC per the budget's regime. */
  montantLiquide: string | null;
  engagements: string[];
  lines: {
    ligne: number;
    invoiceId: string;
    facture: string | null;
    engagement: string;
    section: string | null;
    chapitre: string | null;
    nature: string | null;
    fonction: string | null;
    operation: string | null;
    montantHT: string;
    montantTVA: string;
    montantTTC: string;
  }[];
  dgp: { debut: string; fin: string; duree: number } | null;
  pjs: { invoiceId: string; filename: string; role: string; size: number; description: string }[];
};

/**
 * What createMandat would save for these invoices, without saving anything: the same loading and the
 * same pure rules (buildMandatDraft), the draft pre-filled as far as it can be built and every failing
 * check in French. Read-only: no lock, no number taken, nothing liquidated or queued.
 */
export async function previewMandat(context: AppContext, tenantId: string, actor: Actor, input: { invoiceIds: string[] }): Promise<MandatPreview> {
  requirePermission(actor, 'invoice.read');
  const invoiceIds = [...new Set(input.invoiceIds)];
  if (invoiceIds.length === 0) throw new MandatError('Indiquer au moins une facture à mandater.');
  const empty: MandatPreview = {
    ready: false,
    problems: [],
    invoiceIds,
    budget: null,
    exercice: null,
    exerciceOpen: null,
    tiers: null,
    iban: null,
    bic: null,
    accountHolder: null,
    modeReglement: null,
    objet: null,
    serviceCode: null,
    montantHT: null,
    montantTVA: null,
    montantTTC: null,
    montantLiquide: null,
    engagements: [],
    lines: [],
    dgp: null,
    pjs: [],
  };
  let loaded: Awaited<ReturnType<typeof loadMandatDraftInput>>;
  try {
    loaded = await loadMandatDraftInput(context.store.db, tenantId, invoiceIds);
  } catch (error) {
    // The refusals createMandat would throw before the rules run are checks like the others here.
    if (error instanceof MandatCheckError) return { ...empty, problems: error.problems };
    if (error instanceof MandatError && !/introuvable/.test(error.message)) return { ...empty, problems: [{ code: 'budget_several', message: error.message }] };
    throw error;
  }
  const { draft, problems } = buildMandatDraft(loaded.input, { partial: true });
  const { budget, exercice, tiers } = loaded.input;
  const base: MandatPreview = {
    ...empty,
    ready: problems.length === 0 && draft !== null,
    problems,
    budget: { id: budget.id, code: budget.code, vatRegime: budget.vatRegime },
    exercice: draft?.exercice ?? exercice?.year ?? null,
    exerciceOpen: exercice ? exercice.open : null,
    tiers: tiers ? { id: tiers.id, name: tiers.name, siret: tiers.siret } : null,
    dgp: loaded.input.dgp?.startDate && loaded.input.dgp.expiryDate ? { debut: loaded.input.dgp.startDate, fin: loaded.input.dgp.expiryDate, duree: loaded.input.dgp.totalDays } : null,
  };
  if (!draft) return base;
  return {
    ...base,
    iban: draft.iban,
    bic: draft.bic,
    accountHolder: draft.accountHolder,
    modeReglement: draft.modeReglement,
    objet: draft.objet,
    serviceCode: draft.serviceCode,
    montantHT: draft.totals.ht,
    montantTVA: draft.totals.tva,
    montantTTC: draft.totals.ttc,
    montantLiquide: centsToString(draft.totals.chargedCents),
    engagements: [...new Set(draft.lines.map((line) => line.engagement.numero))],
    lines: draft.lines.map((line) => ({
      ligne: line.lineNo,
      invoiceId: line.invoiceId,
      facture: line.invoiceNumber,
      engagement: line.engagement.numero,
      section: line.engagement.section,
      chapitre: line.engagement.chapitre,
      nature: line.engagement.nature,
      fonction: line.engagement.fonction,
      operation: line.engagement.operation,
      montantHT: centsToString(line.htCents),
      montantTVA: centsToString(line.tvaCents),
      montantTTC: centsToString(line.ttcCents),
    })),
    dgp: draft.dgp ? { debut: draft.dgp.start, fin: draft.dgp.expiry, duree: draft.dgp.days } : base.dgp,
    pjs: draft.pjs.map((pj) => ({ invoiceId: pj.invoiceId, filename: pj.filename, role: pj.role, size: pj.size, description: pj.description })),
  };
}

async function insertMandat(trx: Transaction<Database>, tenantId: string, actor: Actor, draft: MandatDraft, budget: { siret: string; code: string }, now: string): Promise<string> {
  const { siret } = budget;
  // Liquidation, checked again in the UPDATE (engagements in id order: no deadlock between two mandats).
  const byEngagement = new Map<string, { htCents: number; ttcCents: number; hasHt: boolean; numero: string }>();
  for (const line of draft.lines) {
    const entry = byEngagement.get(line.engagement.id) ?? { htCents: 0, ttcCents: 0, hasHt: line.engagement.amountHtCents !== null, numero: line.engagement.numero };
    entry.htCents += line.htCents;
    entry.ttcCents += line.ttcCents;
    byEngagement.set(line.engagement.id, entry);
  }
  for (const [engagementId, entry] of [...byEngagement.entries()].sort(([a], [b]) => a.localeCompare(b))) {
    if (!(await liquidate(trx, engagementId, entry, draft.vatRegime, entry.hasHt))) {
      throw new MandatCheckError([{ code: 'engagement_insufficient', message: `L'engagement ${entry.numero} n'a plus un disponible suffisant.` }]);
    }
  }
  const numero = await nextInSequence(trx, mandatSeries(draft.budgetId, draft.exercice));
  const id = newId();
  const who = auditActor(actor);
  const invoiceIds = [...new Set(draft.lines.map((line) => line.invoiceId))];
  await trx
    .insertInto('mandats')
    .values({
      id,
      tenant_id: tenantId,
      budget_id: draft.budgetId,
      exercice: draft.exercice,
      numero,
      kind: 'ordinaire',
      status: 'pending',
      bordereau_id: null,
      tiers_id: draft.tiersId,
      invoice_id: invoiceIds[0] ?? null,
      original_mandat_id: null,
      objet: draft.objet,
      service_code: draft.serviceCode,
      typ_pce: draft.typPce,
      nat_pce: draft.natPce,
      mode_reglement: draft.modeReglement,
      iban: draft.iban,
      bic: draft.bic,
      account_holder: draft.accountHolder,
      invoice_numbers: draft.invoiceNumbers.join(', ') || null,
      vat_regime: draft.vatRegime,
      amount_ht: draft.totals.ht,
      amount_tva: draft.totals.tva,
      amount_ttc: draft.totals.ttc,
      amount_ht_cents: draft.totals.htCents,
      amount_tva_cents: draft.totals.tvaCents,
      amount_ttc_cents: draft.totals.ttcCents,
      liquidated_cents: draft.totals.chargedCents,
      dgp_start: draft.dgp?.start ?? null,
      dgp_expiry: draft.dgp?.expiry ?? null,
      dgp_days: draft.dgp?.days ?? null,
      reason: null,
      correction_reason: null,
      created_by: who,
      created_at: now,
      updated_at: now,
      sent_at: null,
      acknowledged_at: null,
    })
    .execute();
  await trx
    .insertInto('mandat_lines')
    .values(
      draft.lines.map((line) => ({
        mandat_id: id,
        line_no: line.lineNo,
        invoice_id: line.invoiceId,
        engagement_id: line.engagement.id,
        invoice_number: line.invoiceNumber,
        section: line.engagement.section,
        chapitre: line.engagement.chapitre,
        nature: line.engagement.nature ?? '',
        fonction: line.engagement.fonction,
        operation: line.engagement.operation,
        amount_ht: centsToString(line.htCents),
        amount_tva: centsToString(line.tvaCents),
        amount_ttc: centsToString(line.ttcCents),
        amount_ht_cents: line.htCents,
        amount_tva_cents: line.tvaCents,
        amount_ttc_cents: line.ttcCents,
        liquidated_cents: line.chargedCents,
      })),
    )
    .execute();
  let position = 0;
  for (const pj of draft.pjs) {
    position += 1;
    await trx
      .insertInto('mandat_pjs')
      .values({
        id: newId(),
        tenant_id: tenantId,
        mandat_id: id,
        position,
        invoice_id: pj.invoiceId,
        role: pj.role,
        filename: pj.filename,
        mime_type: pj.mimeType ?? 'application/octet-stream',
        size: pj.size,
        sha256: pj.sha256,
        id_unique: await mintPjIdUnique(trx, siret, draft.exercice),
        description: pj.description,
        superseded_at: null,
        created_at: now,
      })
      .execute();
  }
  const reference = mandatReference({ exercice: draft.exercice, budgetCode: budget.code, numero });
  for (const invoiceId of invoiceIds) {
    // The lifecycle decides (and refuses: no mandat, no MANDATEE, nothing written) before anything is queued.
    const move = await moveInvoice(trx, invoiceId, 'mandated');
    await enqueueChorusStatus(trx, { tenantId, invoiceId, status: 'MANDATEE', numeroDPMandat: reference, actor });
    await appendAudit(trx, {
      tenantId,
      actor: who,
      action: 'mandat.create',
      entity: 'invoice',
      entityId: invoiceId,
      // `from` is where a withdrawal before publication brings the invoice back (withdrawMandat).
      data: { mandatId: id, numeroDPMandat: reference, exercice: draft.exercice, montantTTC: draft.totals.ttc, status: move.to, from: move.from, to: move.to },
      at: now,
    });
  }
  await appendAudit(trx, {
    tenantId,
    actor: who,
    action: 'mandat.create',
    entity: 'mandat',
    entityId: id,
    data: {
      numero,
      budgetId: draft.budgetId,
      exercice: draft.exercice,
      invoiceIds,
      engagements: [...byEngagement.values()].map((entry) => entry.numero),
      montantHT: draft.totals.ht,
      montantTVA: draft.totals.tva,
      montantTTC: draft.totals.ttc,
      liquide: centsToString(draft.totals.chargedCents),
      dgp: draft.dgp,
    },
    at: now,
  });
  return id;
}

export async function getMandat(db: Db, tenantId: string, mandatId: string): Promise<MandatView> {
  const row = await db
    .selectFrom('mandats')
    .innerJoin('budgets', 'budgets.id', 'mandats.budget_id')
    .innerJoin('tiers', 'tiers.id', 'mandats.tiers_id')
    .selectAll('mandats')
    .select(['budgets.code as budget_code', 'tiers.name as tiers_name', 'tiers.siret as tiers_siret'])
    .where('mandats.id', '=', mandatId)
    .where('mandats.tenant_id', '=', tenantId)
    .executeTakeFirst();
  if (!row) throw new MandatError(`Mandat introuvable : ${mandatId}.`);
  const lines = await db
    .selectFrom('mandat_lines')
    .innerJoin('engagements', 'engagements.id', 'mandat_lines.engagement_id')
    .selectAll('mandat_lines')
    .select('engagements.numero as engagement_numero')
    .where('mandat_id', '=', mandatId)
    .orderBy('line_no')
    .execute();
  const pjs = await db.selectFrom('mandat_pjs').selectAll().where('mandat_id', '=', mandatId).where('superseded_at', 'is', null).orderBy('position').execute();
  const engagements = [...new Set(lines.map((line) => line.engagement_numero))];
  const invoiceIds = [...new Set(lines.map((line) => line.invoice_id).filter((value): value is string => value !== null))];
  return {
    id: row.id,
    numero: Number(row.numero),
    reference: mandatReference({ exercice: row.exercice, budgetCode: row.budget_code, numero: row.numero }),
    kind: row.kind,
    status: row.status,
    statusLabel: MANDAT_STATUS_LABELS[row.status as MandatStatus] ?? row.status,
    budget: row.budget_code,
    budgetId: row.budget_id,
    exercice: Number(row.exercice),
    invoiceId: row.invoice_id,
    invoiceIds,
    invoiceNumbers: row.invoice_numbers ? row.invoice_numbers.split(', ') : [],
    engagement: engagements[0] ?? null,
    engagements,
    tiers: { id: row.tiers_id, name: row.tiers_name, siret: row.tiers_siret },
    objet: row.objet,
    vatRegime: row.vat_regime,
    montantHT: row.amount_ht,
    montantTVA: row.amount_tva,
    montantTTC: row.amount_ttc,
    montantLiquide: centsToString(Number(row.liquidated_cents)),
    modeReglement: row.mode_reglement,
    iban: row.iban,
    dgp: row.dgp_start && row.dgp_expiry ? { debut: row.dgp_start, fin: row.dgp_expiry, duree: Number(row.dgp_days) } : null,
    bordereauId: row.bordereau_id,
    originalMandatId: row.original_mandat_id,
    reason: row.reason,
    correctionReason: row.correction_reason,
    lines: lines.map((line) => ({
      ligne: Number(line.line_no),
      invoiceId: line.invoice_id,
      facture: line.invoice_number,
      engagement: line.engagement_numero,
      nature: line.nature,
      fonction: line.fonction,
      operation: line.operation,
      montantHT: line.amount_ht,
      montantTVA: line.amount_tva,
      montantTTC: line.amount_ttc,
    })),
    pjs: pjs.map((pj) => ({ idUnique: pj.id_unique, filename: pj.filename, role: pj.role, size: Number(pj.size) })),
    createdAt: row.created_at,
    sentAt: row.sent_at,
  };
}

export type MandatListFilter = { status?: string; budgetCode?: string; exercice?: number; invoiceId?: string };

export async function listMandats(db: Db, tenantId: string, filter: MandatListFilter = {}): Promise<MandatView[]> {
  let query = db
    .selectFrom('mandats')
    .innerJoin('budgets', 'budgets.id', 'mandats.budget_id')
    .select('mandats.id')
    .where('mandats.tenant_id', '=', tenantId);
  if (filter.status) query = query.where('mandats.status', '=', filter.status);
  if (filter.budgetCode) query = query.where('budgets.code', '=', filter.budgetCode);
  if (filter.exercice) query = query.where('mandats.exercice', '=', filter.exercice);
  if (filter.invoiceId) {
    const invoiceId = filter.invoiceId;
    query = query.where((eb) =>
      eb.exists(eb.selectFrom('mandat_lines').select('mandat_lines.mandat_id').whereRef('mandat_lines.mandat_id', '=', 'mandats.id').where('mandat_lines.invoice_id', '=', invoiceId)),
    );
  }
  const rows = await query.orderBy('budgets.code').orderBy('mandats.exercice').orderBy('mandats.numero').execute();
  const views: MandatView[] = [];
  for (const row of rows) views.push(await getMandat(db, tenantId, row.id));
  return views;
}

/**
 * Withdraws a mandat that never left Liasse (pending). The comptable must receive a series without
 * gaps, so only the LAST number of its (budget, exercice) series can be withdrawn, and the series
 * goes back by one in the same transaction: that number is given again to the next mandat. Any
 * other is refused — transmit it and cancel it by an annulation mandat, or withdraw the later ones
 * first. The engagements get the liquidation back and each invoice goes back by the lifecycle event
 * mandat_cancelled: to where it was before the mandat when its MANDATEE was still unpublished (then
 * taken out of the queue), to service fait otherwise. The row is deleted (it never left Liasse);
 * the audit log keeps its trace. Returns the mandat as it was, marked withdrawn.
 */
export async function cancelPendingMandat(context: AppContext, tenantId: string, actor: Actor, input: { mandatId: string; reason: string }): Promise<MandatView> {
  requirePermission(actor, 'mandat.create');
  const reason = input.reason.trim();
  if (!reason) throw new MandatError('Le motif du retrait est obligatoire.');
  return context.store.db.transaction().execute(async (trx) => {
    // Lock the mandat while it is pending: a bordereau gathering it, or a second withdrawal, waits.
    const locked = await trx
      .updateTable('mandats')
      .set((eb) => ({ updated_at: eb.ref('updated_at') }))
      .where('id', '=', input.mandatId)
      .where('tenant_id', '=', tenantId)
      .where('status', '=', 'pending')
      .executeTakeFirst();
    const mandat = await trx.selectFrom('mandats').selectAll().where('id', '=', input.mandatId).where('tenant_id', '=', tenantId).executeTakeFirst();
    if (!mandat) throw new MandatError(`Mandat introuvable : ${input.mandatId}.`);
    if (Number(locked.numUpdatedRows) !== 1 || mandat.status !== 'pending') {
      throw new MandatError(
        wasSent(mandat.status)
          ? `Le mandat n° ${mandat.numero} a été transmis au comptable : il ne se retire pas, il s'annule par un mandat d'annulation.`
          : `Le mandat n° ${mandat.numero} est « ${MANDAT_STATUS_LABELS[mandat.status as MandatStatus] ?? mandat.status} » : seul un mandat en attente de bordereau se retire.`,
      );
    }
    const inBordereau = await trx.selectFrom('bordereau_mandats').select('bordereau_id').where('mandat_id', '=', mandat.id).executeTakeFirst();
    if (inBordereau) throw new MandatError(`Le mandat n° ${mandat.numero} a déjà figuré dans un bordereau : il ne se retire pas, il s'annule par un mandat d'annulation.`);
    const view = await getMandat(trx, tenantId, mandat.id);
    const numero = Number(mandat.numero);
    const lines = await trx.selectFrom('mandat_lines').selectAll().where('mandat_id', '=', mandat.id).orderBy('engagement_id').execute();
    if (mandat.kind !== 'ordinaire') await checkAnnulationWithdrawable(trx, mandat);
    // Same lock order as insertMandat — engagements in id order, then the series — so a withdrawal
    // racing the creation of the next mandat waits instead of deadlocking.
    for (const engagementId of [...new Set(lines.map((line) => line.engagement_id))].sort()) {
      await trx.updateTable('engagements').set((eb) => ({ updated_at: eb.ref('updated_at') })).where('id', '=', engagementId).execute();
    }

    const series = mandatSeries(mandat.budget_id, Number(mandat.exercice));
    if (!(await releaseLastInSequence(trx, series, numero))) {
      const last = await currentInSequence(trx, series);
      throw new MandatError(
        `Le mandat n° ${numero} ne peut pas être retiré : ce n'est pas le dernier numéro du budget ${view.budget} pour l'exercice ${view.exercice} ` +
          `(le dernier est le n° ${last}) et les mandats reçus par le comptable doivent se suivre sans trou. ` +
          `Transmettez-le au comptable dans un bordereau puis émettez un mandat d'annulation (liasse mandat annul), ` +
          `ou retirez d'abord les mandats suivants (n° ${numero + 1}${last > numero + 1 ? ` à ${last}` : ''}) s'ils n'ont pas été transmis.`,
      );
    }

    const now = new Date().toISOString();
    const who = auditActor(actor);
    const invoiceIds = [...new Set(lines.map((line) => line.invoice_id).filter((value): value is string => value !== null))];
    if (mandat.kind === 'ordinaire') {
      await giveBack(trx, mandat.id, null);
      for (const invoiceId of invoiceIds) {
        const unpublished = await withdrawMandatee(trx, invoiceId, [view.reference, String(numero)], now);
        const statusBeforeMandat = unpublished ? await statusBeforeMandatOf(trx, invoiceId, mandat.id) : null;
        const move = await moveInvoice(trx, invoiceId, 'mandat_cancelled', { statusBeforeMandat });
        await appendAudit(trx, {
          tenantId,
          actor: who,
          action: 'mandat.withdraw',
          entity: 'invoice',
          entityId: invoiceId,
          data: { mandatId: mandat.id, numeroDPMandat: view.reference, reason, from: move.from, to: move.to, mandateeWithdrawn: unpublished },
          at: now,
        });
      }
    } else {
      // An annulation/réduction withdrawn: the engagements are charged again with what it gave back.
      const regime = vatRegimeOf(mandat.vat_regime);
      for (const line of lines) {
        const engagement = await trx.selectFrom('engagements').select(['numero', 'amount_ht_cents']).where('id', '=', line.engagement_id).executeTakeFirstOrThrow();
        const delta = { htCents: Number(line.amount_ht_cents), ttcCents: Number(line.amount_ttc_cents) };
        if (!(await liquidate(trx, line.engagement_id, delta, regime, engagement.amount_ht_cents !== null))) {
          throw new MandatError(`Le mandat d'annulation n° ${numero} ne peut pas être retiré : le disponible qu'il a rendu à l'engagement ${engagement.numero} a déjà été consommé.`);
        }
      }
      for (const invoiceId of invoiceIds) {
        await appendAudit(trx, { tenantId, actor: who, action: 'mandat.withdraw', entity: 'invoice', entityId: invoiceId, data: { mandatId: mandat.id, numero, reason, kind: mandat.kind }, at: now });
      }
    }
    await trx.deleteFrom('mandat_pjs').where('mandat_id', '=', mandat.id).execute();
    await trx.deleteFrom('mandat_lines').where('mandat_id', '=', mandat.id).execute();
    await trx.deleteFrom('mandats').where('id', '=', mandat.id).execute();
    await appendAudit(trx, {
      tenantId,
      actor: who,
      action: 'mandat.withdraw',
      entity: 'mandat',
      entityId: mandat.id,
      data: { numero, kind: mandat.kind, budget: view.budget, exercice: view.exercice, invoiceIds, montantTTC: view.montantTTC, reason, numberReleased: true },
      at: now,
    });
    return { ...view, status: 'withdrawn', statusLabel: 'Retiré (numéro rendu à la série)', reason };
  });
}

/** An annulation that closed its original (total) moved the invoices back: it must go to the comptable. */
async function checkAnnulationWithdrawable(trx: Transaction<Database>, mandat: { numero: number; original_mandat_id: string | null }): Promise<void> {
  if (!mandat.original_mandat_id) return;
  const original = await trx.selectFrom('mandats').select(['numero', 'liquidated_cents']).where('id', '=', mandat.original_mandat_id).executeTakeFirstOrThrow();
  const reduced = await trx
    .selectFrom('mandats')
    .select((eb) => eb.fn.coalesce(eb.fn.sum<number>('liquidated_cents'), sql<number>`0`).as('total'))
    .where('original_mandat_id', '=', mandat.original_mandat_id)
    .where('status', '!=', 'cancelled')
    .executeTakeFirstOrThrow();
  if (Number(reduced.total) >= Number(original.liquidated_cents)) {
    throw new MandatError(
      `Le mandat d'annulation n° ${mandat.numero} annule entièrement le mandat n° ${original.numero} et a remis la facture en service fait : il ne se retire pas, transmettez-le au comptable.`,
    );
  }
}

/**
 * Takes the MANDATEE of a withdrawn mandat out of the publishing queue when it is still waiting
 * (or failed); true when Chorus cannot have received it (never attempted, nothing posted or being
 * posted), i.e. when the invoice may go back to its status before the mandat.
 */
// `numbers`: the mandat's reference, and its bare number for MANDATEE queued before references existed.
async function withdrawMandatee(trx: Transaction<Database>, invoiceId: string, numbers: string[], now: string): Promise<boolean> {
  const rows = await trx
    .selectFrom('publish_outbox')
    .select(['id', 'state', 'attempts'])
    .where('invoice_id', '=', invoiceId)
    .where('status', '=', 'MANDATEE')
    .where('numero_dp_mandat', 'in', numbers)
    .where('state', '!=', 'skipped')
    .execute();
  let unpublished = true;
  for (const row of rows) {
    // Compare-and-set on state and attempts: a worker claiming the row at the same time wins or loses cleanly.
    const withdrawn =
      row.state === 'pending' || row.state === 'failed'
        ? await trx
            .updateTable('publish_outbox')
            .set({ state: 'skipped', resolution: 'withdrawn', done_at: now, updated_at: now, lease_owner: null, lease_until: null })
            .where('id', '=', row.id)
            .where('state', '=', row.state)
            .where('attempts', '=', row.attempts)
            .executeTakeFirst()
        : null;
    if (!withdrawn || Number(withdrawn.numUpdatedRows) !== 1 || Number(row.attempts) > 0) unpublished = false;
  }
  return unpublished;
}

/** The invoice's status before this mandat, as its mandat.create audit entry on the invoice recorded it. */
async function statusBeforeMandatOf(trx: Transaction<Database>, invoiceId: string, mandatId: string): Promise<string | null> {
  const rows = await trx
    .selectFrom('audit_log')
    .select('data_json')
    .where('entity', '=', 'invoice')
    .where('entity_id', '=', invoiceId)
    .where('action', '=', 'mandat.create')
    .orderBy('seq', 'desc')
    .limit(20)
    .execute();
  for (const row of rows) {
    const data = row.data_json ? (JSON.parse(row.data_json) as { mandatId?: string; from?: string }) : {};
    if (data.mandatId === mandatId) return typeof data.from === 'string' ? data.from : null;
  }
  return null;
}

/** Gives a mandat's liquidation back to its engagements (a fraction `ratio` of each line, or all). */
async function giveBack(trx: Transaction<Database>, mandatId: string, amounts: Map<number, { htCents: number; ttcCents: number }> | null): Promise<void> {
  const lines = await trx.selectFrom('mandat_lines').selectAll().where('mandat_id', '=', mandatId).orderBy('engagement_id').execute();
  for (const line of lines) {
    const part = amounts ? amounts.get(Number(line.line_no)) : { htCents: Number(line.amount_ht_cents), ttcCents: Number(line.amount_ttc_cents) };
    if (!part || (part.htCents === 0 && part.ttcCents === 0)) continue;
    await liquidate(trx, line.engagement_id, { htCents: -part.htCents, ttcCents: -part.ttcCents }, 'TTC', false);
  }
}

async function closeMandatOnInvoices(trx: Transaction<Database>, tenantId: string, actor: Actor, mandatId: string, action: string, data: Record<string, unknown>): Promise<void> {
  const lines = await trx.selectFrom('mandat_lines').select('invoice_id').where('mandat_id', '=', mandatId).execute();
  for (const invoiceId of new Set(lines.map((line) => line.invoice_id).filter((value): value is string => value !== null))) {
    const move = await setInvoiceStatus(trx, invoiceId, 'mandat_cancelled');
    await appendAudit(trx, { tenantId, actor: auditActor(actor), action, entity: 'invoice', entityId: invoiceId, data: { mandatId, status: move?.to ?? null, ...(move ? { from: move.from, to: move.to } : {}), ...data } });
  }
}

/**
 * An annulation/réduction mandat against a mandat already sent: it takes the next number of the
 * series, carries the reduction (HT or TTC per the regime; the rest in proportion) with a
 * RattachPiece to the original, and gives the amount back to the engagements. `amount` omitted:
 * everything the mandat still carries (annulation totale).
 */
export async function createAnnulationMandat(
  context: AppContext,
  tenantId: string,
  actor: Actor,
  input: { mandatId: string; amount?: string | null; reason: string },
): Promise<MandatView> {
  requirePermission(actor, 'mandat.create');
  const id = await context.store.db.transaction().execute(async (trx) => {
    const original = await trx.selectFrom('mandats').selectAll().where('id', '=', input.mandatId).where('tenant_id', '=', tenantId).executeTakeFirst();
    if (!original) throw new MandatError(`Mandat introuvable : ${input.mandatId}.`);
    if (original.kind !== 'ordinaire') throw new MandatError("Un mandat d'annulation ne s'annule pas.");
    // Lock the original: two reductions of one mandat are serialised.
    await trx.updateTable('mandats').set((eb) => ({ updated_at: eb.ref('updated_at') })).where('id', '=', original.id).execute();
    const previous = await trx
      .selectFrom('mandats')
      .select((eb) => eb.fn.coalesce(eb.fn.sum<number>('liquidated_cents'), sql<number>`0`).as('total'))
      .where('original_mandat_id', '=', original.id)
      .where('status', '!=', 'cancelled')
      .executeTakeFirstOrThrow();
    const charged = Number(original.liquidated_cents);
    const already = Number(previous.total);
    const amountCents = input.amount ? cents(input.amount) : charged - already;
    const problems = checkReduction({ originalStatus: original.status, originalChargedCents: charged, alreadyReducedCents: already, amountCents, reason: input.reason });
    if (problems.length > 0) throw new MandatCheckError(problems);
    const regime = vatRegimeOf(original.vat_regime);
    const lines = await trx.selectFrom('mandat_lines').selectAll().where('mandat_id', '=', original.id).orderBy('line_no').execute();
    // Spread the reduction over the lines in proportion of what each was charged; the last takes the rest.
    const parts = new Map<number, { htCents: number; ttcCents: number; chargedCents: number }>();
    let left = amountCents;
    lines.forEach((line, index) => {
      const lineCharged = Number(line.liquidated_cents);
      const share = index === lines.length - 1 ? left : Number(Decimal.fromCents(amountCents).mul(Decimal.fromCents(lineCharged)).div(Decimal.fromCents(charged), 2).toCents());
      left -= share;
      const ht = Number(line.amount_ht_cents);
      const ttc = Number(line.amount_ttc_cents);
      const ratio = (value: number) => (lineCharged === 0 ? 0 : Number(Decimal.fromCents(value).mul(Decimal.fromCents(share)).div(Decimal.fromCents(lineCharged), 2).toCents()));
      const htCents = regime === 'HT' ? share : ratio(ht);
      const ttcCents = regime === 'TTC' ? share : ratio(ttc);
      parts.set(Number(line.line_no), { htCents, ttcCents, chargedCents: share });
    });
    await giveBack(trx, original.id, parts);
    const budget = await trx.selectFrom('budgets').selectAll().where('id', '=', original.budget_id).executeTakeFirstOrThrow();
    const numero = await nextInSequence(trx, mandatSeries(original.budget_id, Number(original.exercice)));
    const now = new Date().toISOString();
    const newMandatId = newId();
    const totals = [...parts.values()].reduce((sum, part) => ({ ht: sum.ht + part.htCents, ttc: sum.ttc + part.ttcCents, charged: sum.charged + part.chargedCents }), { ht: 0, ttc: 0, charged: 0 });
    await trx
      .insertInto('mandats')
      .values({
        ...original,
        id: newMandatId,
        numero,
        kind: 'annulation',
        status: 'pending',
        bordereau_id: null,
        original_mandat_id: original.id,
        objet: `Annulation/réduction du mandat n° ${original.numero} - ${input.reason.trim()}`,
        typ_pce: '01',
        nat_pce: '06',
        amount_ht: centsToString(totals.ht),
        amount_tva: centsToString(totals.ttc - totals.ht),
        amount_ttc: centsToString(totals.ttc),
        amount_ht_cents: totals.ht,
        amount_tva_cents: totals.ttc - totals.ht,
        amount_ttc_cents: totals.ttc,
        liquidated_cents: totals.charged,
        reason: input.reason.trim(),
        correction_reason: null,
        created_by: auditActor(actor),
        created_at: now,
        updated_at: now,
        sent_at: null,
        acknowledged_at: null,
      })
      .execute();
    for (const line of lines) {
      const part = parts.get(Number(line.line_no))!;
      await trx
        .insertInto('mandat_lines')
        .values({
          ...line,
          mandat_id: newMandatId,
          amount_ht: centsToString(part.htCents),
          amount_tva: centsToString(part.ttcCents - part.htCents),
          amount_ttc: centsToString(part.ttcCents),
          amount_ht_cents: part.htCents,
          amount_tva_cents: part.ttcCents - part.htCents,
          amount_ttc_cents: part.ttcCents,
          liquidated_cents: part.chargedCents,
        })
        .execute();
    }
    const total = already + amountCents === charged;
    if (total) await closeMandatOnInvoices(trx, tenantId, actor, original.id, 'mandat.annulation', { numero: original.numero, annulation: numero, reason: input.reason.trim() });
    await appendAudit(trx, {
      tenantId,
      actor: auditActor(actor),
      action: total ? 'mandat.annulation' : 'mandat.reduction',
      entity: 'mandat',
      entityId: newMandatId,
      data: { numero, originalMandatId: original.id, originalNumero: original.numero, montant: centsToString(amountCents), reason: input.reason.trim(), budget: budget.code },
      at: now,
    });
    return newMandatId;
  });
  return getMandat(context.store.db, tenantId, id);
}
