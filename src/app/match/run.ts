// Matching over the store: loads the authority's referential once, runs the pure matching
// (src/domain/matching) over the pending invoices, stores each result (invoice_matches), writes the
// automatic allocations (source 'auto') of clear matches, and lets a person confirm or choose an
// allocation (source 'user'). Every stored change is audited on the invoice and reindexed.
//
// Remaining of an engagement = engaged − liquidated (as imported from the accounting software)
// − what is allocated to other invoices not yet mandated (their liquidation is not in the export
// yet). Rejected invoices reserve nothing.
import type { Kysely, Transaction } from 'kysely';
import { documentTypeOf, type DocumentType, type Invoice } from '../../domain/invoice.ts';
import { newId } from '../../domain/ids.ts';
import {
  EngagementNumberIndex,
  matchInvoice,
  type MatchEngagement,
  type MatchResult,
  type MatchTiers,
  type SiblingInvoice,
  type VatRegime,
} from '../../domain/matching/index.ts';
import { Decimal } from '../../domain/money.ts';
import { appendAudit } from '../../store/audit.ts';
import type { Dialect } from '../../store/db.ts';
import type { Database } from '../../store/schema.ts';
import type { InvoiceTable } from '../../store/tables/foundation.ts';
import { indexInvoice } from '../search/index-invoice.ts';

/** Liasse statuses whose invoices still wait for reconciliation. */
export const PENDING_STATUSES = ['received', 'to_process', 'completed'];
/** Statuses whose allocations are already in the accounting software's liquidated amounts. */
const LIQUIDATED_STATUSES = ['mandated', 'sent_to_accountant', 'paid'];

export type Store = { db: Kysely<Database>; dialect: Dialect };
export type MatchSummary = Pick<MatchResult, 'invoiceId' | 'status' | 'engagement' | 'score' | 'reasons' | 'anomalies'>;

export class MatchError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MatchError';
  }
}

type Referential = {
  index: EngagementNumberIndex<MatchEngagement>;
  byTiers: Map<string, MatchEngagement[]>;
  byId: Map<string, MatchEngagement>;
  tiersBySiret: Map<string, MatchTiers>;
  tiersBySiren: Map<string, MatchTiers>;
};

async function loadReferential(db: Kysely<Database>, tenantId: string, excludeInvoiceIds: Set<string> = new Set()): Promise<Referential> {
  const [budgets, exercices, services, tiersRows, engagements, reserved] = await Promise.all([
    db.selectFrom('budgets').selectAll().where('tenant_id', '=', tenantId).execute(),
    db.selectFrom('exercices').select(['budget_id', 'year', 'open']).where('tenant_id', '=', tenantId).execute(),
    db.selectFrom('services').select(['code', 'chorus_service_code']).where('tenant_id', '=', tenantId).execute(),
    db.selectFrom('tiers').selectAll().where('tenant_id', '=', tenantId).execute(),
    db.selectFrom('engagements').selectAll().where('tenant_id', '=', tenantId).execute(),
    db
      .selectFrom('invoice_allocations')
      .innerJoin('invoices', 'invoices.id', 'invoice_allocations.invoice_id')
      .select(['invoice_allocations.invoice_id', 'invoice_allocations.engagement_id', 'invoice_allocations.amount_ttc_cents', 'invoice_allocations.amount_ht_cents'])
      .where('invoice_allocations.tenant_id', '=', tenantId)
      .where('invoices.status', 'not in', [...LIQUIDATED_STATUSES, 'rejected'])
      .execute(),
  ]);
  const budgetById = new Map(
    budgets.map((b) => [b.id, { id: b.id, code: b.code, vatRegime: (b.vat_regime === 'HT' ? 'HT' : 'TTC') as VatRegime, siret: b.siret }]),
  );
  const closed = new Set(exercices.filter((e) => !e.open).map((e) => `${e.budget_id}:${e.year}`));
  const chorusCodes = new Map<string, string[]>();
  for (const service of services) {
    if (!service.chorus_service_code) continue;
    chorusCodes.set(service.code, [...(chorusCodes.get(service.code) ?? []), service.chorus_service_code]);
  }
  const tiersById = new Map<string, MatchTiers>();
  const tiersBySiret = new Map<string, MatchTiers>();
  const tiersBySiren = new Map<string, MatchTiers>();
  for (const row of tiersRows) {
    const tiers: MatchTiers = { id: row.id, siret: row.siret, siren: row.siren, name: row.name, ibans: JSON.parse(row.ibans_json) as string[] };
    tiersById.set(row.id, tiers);
    tiersBySiret.set(row.siret, tiers);
    if (!tiersBySiren.has(row.siret.slice(0, 9))) tiersBySiren.set(row.siret.slice(0, 9), tiers);
  }
  const reservedTtc = new Map<string, number>();
  const reservedHt = new Map<string, number>();
  for (const allocation of reserved) {
    if (excludeInvoiceIds.has(allocation.invoice_id)) continue;
    reservedTtc.set(allocation.engagement_id, (reservedTtc.get(allocation.engagement_id) ?? 0) + Number(allocation.amount_ttc_cents));
    reservedHt.set(allocation.engagement_id, (reservedHt.get(allocation.engagement_id) ?? 0) + Number(allocation.amount_ht_cents ?? 0));
  }
  const referential: Referential = { index: new EngagementNumberIndex(), byTiers: new Map(), byId: new Map(), tiersBySiret, tiersBySiren };
  for (const row of engagements) {
    const budget = budgetById.get(row.budget_id);
    if (!budget) continue;
    const engagement: MatchEngagement = {
      id: row.id,
      numero: row.numero,
      exercice: row.exercice,
      budget,
      tiers: row.tiers_id ? (tiersById.get(row.tiers_id) ?? null) : null,
      serviceCode: row.service_code,
      chorusServiceCodes: row.service_code ? (chorusCodes.get(row.service_code) ?? []) : [],
      marche: row.marche,
      objet: row.objet,
      status: row.status,
      amountTtcCents: Number(row.amount_ttc_cents),
      amountHtCents: row.amount_ht_cents === null ? null : Number(row.amount_ht_cents),
      remainingTtcCents: Number(row.amount_ttc_cents) - Number(row.liquidated_ttc_cents) - (reservedTtc.get(row.id) ?? 0),
      remainingHtCents:
        row.amount_ht_cents === null ? null : Number(row.amount_ht_cents) - Number(row.liquidated_ht_cents) - (reservedHt.get(row.id) ?? 0),
      exerciceOpen: !closed.has(`${row.budget_id}:${row.exercice}`),
    };
    referential.index.add(engagement);
    referential.byId.set(engagement.id, engagement);
    if (row.tiers_id) referential.byTiers.set(row.tiers_id, [...(referential.byTiers.get(row.tiers_id) ?? []), engagement]);
  }
  return referential;
}

function precedingOf(row: InvoiceTable): string[] {
  if (!row.model_json) return [];
  try {
    const model = JSON.parse(row.model_json) as Partial<Invoice>;
    return Array.isArray(model.precedingInvoices) ? model.precedingInvoices : [];
  } catch {
    return [];
  }
}

function documentType(row: InvoiceTable): DocumentType {
  return row.document_type === 'creditNote' || documentTypeOf(row.type_code) === 'creditNote' ? 'creditNote' : 'invoice';
}

async function loadSiblings(db: Kysely<Database>, tenantId: string, sirets: string[]): Promise<Map<string, SiblingInvoice[]>> {
  const bySiret = new Map<string, SiblingInvoice[]>();
  for (let start = 0; start < sirets.length; start += 500) {
    const chunk = sirets.slice(start, start + 500);
    const rows = await db
      .selectFrom('invoices')
      .select(['id', 'chorus_id', 'number', 'document_type', 'type_code', 'issue_date', 'amount_ttc', 'made_available_at', 'deposited_at', 'status', 'seller_siret'])
      .where('tenant_id', '=', tenantId)
      .where('seller_siret', 'in', chunk)
      .execute();
    for (const row of rows) {
      const sibling: SiblingInvoice = {
        id: row.id,
        chorusId: Number(row.chorus_id),
        number: row.number,
        documentType: row.document_type === 'creditNote' || documentTypeOf(row.type_code) === 'creditNote' ? 'creditNote' : 'invoice',
        issueDate: row.issue_date,
        amountTtc: row.amount_ttc,
        receivedAt: row.made_available_at ?? row.deposited_at,
        status: row.status,
      };
      bySiret.set(row.seller_siret!, [...(bySiret.get(row.seller_siret!) ?? []), sibling]);
    }
  }
  return bySiret;
}

function matchOne(row: InvoiceTable, referential: Referential, siblings: SiblingInvoice[]): MatchResult {
  const tiers = row.seller_siret
    ? (referential.tiersBySiret.get(row.seller_siret) ?? referential.tiersBySiren.get(row.seller_siret.slice(0, 9)) ?? null)
    : null;
  return matchInvoice({
    invoice: {
      id: row.id,
      documentType: documentType(row),
      number: row.number,
      issueDate: row.issue_date,
      sellerSiret: row.seller_siret,
      sellerName: row.seller_name,
      buyerSiret: row.buyer_siret,
      serviceCode: row.chorus_service_code ?? row.buyer_reference,
      orderReference: row.order_reference,
      contractReference: row.contract_reference,
      iban: row.iban,
      amountHt: row.amount_ht,
      amountTva: row.amount_tva,
      amountTtc: row.amount_ttc,
      precedingInvoices: precedingOf(row),
      withoutMetadata: row.without_metadata === 1,
    },
    receivedAt: row.made_available_at ?? row.deposited_at,
    chorusId: Number(row.chorus_id),
    tiers,
    numberHits: referential.index.find(row.order_reference),
    tiersEngagements: tiers ? (referential.byTiers.get(tiers.id) ?? []) : [],
    siblings,
  });
}

export function summarize(result: MatchResult): MatchSummary {
  return {
    invoiceId: result.invoiceId,
    status: result.status,
    engagement: result.engagement,
    score: result.score,
    reasons: result.reasons,
    anomalies: result.anomalies,
  };
}

function anomalyCodes(result: MatchResult): string {
  const codes = [...new Set(result.anomalies.map((anomaly) => anomaly.code))].sort();
  return codes.length === 0 ? '' : ` ${codes.join(' ')} `;
}

/** Allocations of a result: the split, else the whole invoice on the chosen engagement. */
function allocationsOf(row: InvoiceTable, result: MatchResult, referential: Referential): { engagementId: string; ttc: number; ht: number | null }[] {
  const ttc = Decimal.tryParse(row.amount_ttc);
  const ht = Decimal.tryParse(row.amount_ht);
  if (!ttc) return [];
  if (result.split) {
    return result.split.map((part) => {
      const amount = Decimal.fromCents(part.amountCents);
      if (part.base === 'TTC') {
        return { engagementId: part.engagementId, ttc: part.amountCents, ht: ht && !ttc.isZero() ? Number(amount.mul(ht).div(ttc, 2).toCents()) : null };
      }
      return { engagementId: part.engagementId, ttc: ht && !ht.isZero() ? Number(amount.mul(ttc).div(ht, 2).toCents()) : part.amountCents, ht: part.amountCents };
    });
  }
  const engagement = result.engagement ? referential.byId.get(result.engagement.id) : undefined;
  if (!engagement) return [];
  return [{ engagementId: engagement.id, ttc: Number(ttc.toCents()), ht: ht ? Number(ht.toCents()) : null }];
}

async function storeResult(trx: Transaction<Database>, dialect: Dialect, tenantId: string, row: InvoiceTable, result: MatchResult, referential: Referential, actor: string): Promise<void> {
  const previous = await trx.selectFrom('invoice_matches').select(['status', 'engagement_id', 'anomaly_codes', 'score']).where('invoice_id', '=', row.id).executeTakeFirst();
  const codes = anomalyCodes(result);
  const now = new Date().toISOString();
  const values = {
    tenant_id: tenantId,
    status: result.status,
    engagement_id: result.engagement?.id ?? null,
    score: result.score,
    result_json: JSON.stringify(result),
    anomaly_codes: codes,
    computed_at: now,
  };
  await trx
    .insertInto('invoice_matches')
    .values({ invoice_id: row.id, ...values })
    .onConflict((oc) => oc.column('invoice_id').doUpdateSet(values))
    .execute();
  // Automatic allocations follow the latest result; a person's allocations are never touched here.
  await trx.deleteFrom('invoice_allocations').where('invoice_id', '=', row.id).where('source', '=', 'auto').execute();
  if (result.status === 'matched') {
    for (const allocation of allocationsOf(row, result, referential)) {
      await trx
        .insertInto('invoice_allocations')
        .values({
          id: newId(),
          tenant_id: tenantId,
          invoice_id: row.id,
          engagement_id: allocation.engagementId,
          amount_ttc_cents: allocation.ttc,
          amount_ht_cents: allocation.ht,
          source: 'auto',
          confirmed_by: null,
          created_at: now,
        })
        .execute();
      const engagement = referential.byId.get(allocation.engagementId);
      if (engagement) {
        engagement.remainingTtcCents -= allocation.ttc;
        if (engagement.remainingHtCents !== null && allocation.ht !== null) engagement.remainingHtCents -= allocation.ht;
      }
    }
  }
  const unchanged =
    previous &&
    previous.status === result.status &&
    previous.engagement_id === (result.engagement?.id ?? null) &&
    previous.anomaly_codes === codes &&
    previous.score === result.score;
  if (!unchanged) {
    await appendAudit(trx, {
      tenantId,
      actor,
      action: 'invoice.match',
      entity: 'invoice',
      entityId: row.id,
      data: {
        status: result.status,
        engagement: result.engagement,
        score: result.score,
        reasons: result.reasons,
        anomalies: result.anomalies.map((anomaly) => anomaly.code),
        split: result.split,
      },
    });
  }
  await indexInvoice(trx, dialect, row.id);
}

export type RunMatchingOptions = { invoiceIds?: string[]; actor?: string; batchSize?: number };

/**
 * Matches the pending invoices of a tenant (or the given ones) and stores the results. Invoices a
 * person already allocated are left alone. Returns one summary per invoice, in deposit order.
 */
export async function runMatching(store: Store, tenantId: string, options: RunMatchingOptions = {}): Promise<MatchSummary[]> {
  const { db, dialect } = store;
  let query = db
    .selectFrom('invoices')
    .selectAll()
    .where('tenant_id', '=', tenantId)
    .where('history_only', '=', 0)
    .where('quarantined', '=', 0)
    .where((eb) =>
      eb.not(eb.exists(eb.selectFrom('invoice_allocations').select('id').whereRef('invoice_allocations.invoice_id', '=', 'invoices.id').where('source', '=', 'user'))),
    );
  query = options.invoiceIds ? query.where('id', 'in', options.invoiceIds.length > 0 ? options.invoiceIds : ['']) : query.where('status', 'in', PENDING_STATUSES);
  const rows = await query.orderBy('made_available_at').orderBy('deposited_at').orderBy('chorus_id').execute();
  if (rows.length === 0) return [];
  // The invoices rematched here give back what they had reserved automatically.
  const referential = await loadReferential(db, tenantId, new Set(rows.map((row) => row.id)));
  const sirets = [...new Set(rows.map((row) => row.seller_siret).filter((siret): siret is string => !!siret))];
  const siblings = await loadSiblings(db, tenantId, sirets);
  const summaries: MatchSummary[] = [];
  const batchSize = options.batchSize ?? 200;
  for (let start = 0; start < rows.length; start += batchSize) {
    const batch = rows.slice(start, start + batchSize);
    await db.transaction().execute(async (trx) => {
      for (const row of batch) {
        const result = matchOne(row, referential, row.seller_siret ? (siblings.get(row.seller_siret) ?? []) : []);
        await storeResult(trx, dialect, tenantId, row, result, referential, options.actor ?? 'system:match');
        summaries.push(summarize(result));
      }
    });
  }
  return summaries;
}

/** The stored result of an invoice, null when matching never ran on it. */
export async function getMatch(db: Kysely<Database>, tenantId: string, invoiceId: string): Promise<(MatchResult & { confirmed: boolean }) | null> {
  const row = await db.selectFrom('invoice_matches').selectAll().where('tenant_id', '=', tenantId).where('invoice_id', '=', invoiceId).executeTakeFirst();
  if (!row) return null;
  return { ...(JSON.parse(row.result_json) as MatchResult), confirmed: row.status === 'confirmed' };
}

/** The stored results of a tenant, newest first (for the API). */
export async function listMatches(
  db: Kysely<Database>,
  tenantId: string,
  filter: { status?: string; limit?: number } = {},
): Promise<MatchSummary[]> {
  let query = db.selectFrom('invoice_matches').select('result_json').where('tenant_id', '=', tenantId);
  if (filter.status) query = query.where('status', '=', filter.status);
  const rows = await query.orderBy('computed_at', 'desc').orderBy('invoice_id').limit(filter.limit ?? 1000).execute();
  return rows.map((row) => summarize(JSON.parse(row.result_json) as MatchResult));
}

export type AllocationChoice = { engagementId: string; amountTtc?: string; amountHt?: string };

/**
 * A person confirms the proposed allocation or chooses another: replaces the invoice's allocations
 * with `choices` (one engagement: the whole invoice by default; several: amounts required).
 */
export async function confirmAllocation(
  store: Store,
  tenantId: string,
  invoiceId: string,
  input: { choices?: AllocationChoice[]; actor: string },
): Promise<{ allocations: { engagementId: string; numero: string; amountTtc: string; amountHt: string | null }[] }> {
  const { db, dialect } = store;
  return db.transaction().execute(async (trx) => {
    const invoice = await trx.selectFrom('invoices').selectAll().where('tenant_id', '=', tenantId).where('id', '=', invoiceId).executeTakeFirst();
    if (!invoice) throw new MatchError(`facture ${invoiceId} introuvable`);
    let choices = input.choices;
    if (!choices || choices.length === 0) {
      const stored = await trx.selectFrom('invoice_matches').select('result_json').where('invoice_id', '=', invoiceId).executeTakeFirst();
      const result = stored ? (JSON.parse(stored.result_json) as MatchResult) : null;
      if (!result?.engagement) throw new MatchError("aucun engagement proposé pour cette facture : choisissez-en un");
      choices = result.split
        ? result.split.map((part) => (part.base === 'HT' ? { engagementId: part.engagementId, amountHt: Decimal.fromCents(part.amountCents).toString(2) } : { engagementId: part.engagementId, amountTtc: Decimal.fromCents(part.amountCents).toString(2) }))
        : [{ engagementId: result.engagement.id }];
    }
    if (choices.length > 1 && choices.some((choice) => choice.amountTtc === undefined && choice.amountHt === undefined)) {
      throw new MatchError('répartition sur plusieurs engagements : le montant de chaque part est obligatoire');
    }
    const engagements = await trx
      .selectFrom('engagements')
      .select(['id', 'numero'])
      .where('tenant_id', '=', tenantId)
      .where('id', 'in', choices.map((choice) => choice.engagementId))
      .execute();
    const numeros = new Map(engagements.map((e) => [e.id, e.numero]));
    const ttc = Decimal.tryParse(invoice.amount_ttc) ?? Decimal.ZERO;
    const ht = Decimal.tryParse(invoice.amount_ht);
    const rows = choices.map((choice) => {
      if (!numeros.has(choice.engagementId)) throw new MatchError(`engagement ${choice.engagementId} introuvable`);
      let partTtc = choice.amountTtc !== undefined ? Decimal.parse(choice.amountTtc) : null;
      let partHt = choice.amountHt !== undefined ? Decimal.parse(choice.amountHt) : null;
      if (partTtc === null && partHt === null) {
        partTtc = ttc;
        partHt = ht;
      } else if (partTtc === null && partHt !== null) {
        partTtc = ht && !ht.isZero() ? partHt.mul(ttc).div(ht, 2) : partHt;
      } else if (partHt === null && partTtc !== null && ht && !ttc.isZero()) {
        partHt = partTtc.mul(ht).div(ttc, 2);
      }
      return { engagementId: choice.engagementId, ttc: partTtc!, ht: partHt };
    });
    const total = rows.reduce((sum, row) => sum.add(row.ttc), Decimal.ZERO);
    if (total.round(2).compare(ttc.round(2)) > 0) {
      throw new MatchError(`la répartition (${total.toFrench()} €) dépasse le TTC de la facture (${ttc.toFrench()} €)`);
    }
    const now = new Date().toISOString();
    await trx.deleteFrom('invoice_allocations').where('invoice_id', '=', invoiceId).execute();
    for (const row of rows) {
      await trx
        .insertInto('invoice_allocations')
        .values({
          id: newId(),
          tenant_id: tenantId,
          invoice_id: invoiceId,
          engagement_id: row.engagementId,
          amount_ttc_cents: Number(row.ttc.toCents()),
          amount_ht_cents: row.ht ? Number(row.ht.toCents()) : null,
          source: 'user',
          confirmed_by: input.actor,
          created_at: now,
        })
        .execute();
    }
    const first = rows[0]!;
    const existing = await trx.selectFrom('invoice_matches').select('result_json').where('invoice_id', '=', invoiceId).executeTakeFirst();
    const values = { tenant_id: tenantId, status: 'confirmed', engagement_id: first.engagementId, computed_at: now };
    if (existing) await trx.updateTable('invoice_matches').set(values).where('invoice_id', '=', invoiceId).execute();
    else {
      const result: MatchResult = { invoiceId, status: 'matched', engagement: { id: first.engagementId, numero: numeros.get(first.engagementId)! }, score: 100, reasons: ['choisi par un gestionnaire'], anomalies: [], candidates: [], split: null };
      await trx.insertInto('invoice_matches').values({ invoice_id: invoiceId, ...values, score: 100, result_json: JSON.stringify(result), anomaly_codes: '' }).execute();
    }
    const allocations = rows.map((row) => ({
      engagementId: row.engagementId,
      numero: numeros.get(row.engagementId)!,
      amountTtc: row.ttc.toString(2),
      amountHt: row.ht ? row.ht.toString(2) : null,
    }));
    await appendAudit(trx, { tenantId, actor: input.actor, action: 'invoice.allocate', entity: 'invoice', entityId: invoiceId, data: { allocations } });
    await indexInvoice(trx, dialect, invoiceId);
    return { allocations };
  });
}

/** Engagement id from an id or a numero (exercice optional when the numero is unique). */
export async function resolveEngagementId(db: Kysely<Database>, tenantId: string, reference: string): Promise<string> {
  const byId = await db.selectFrom('engagements').select('id').where('tenant_id', '=', tenantId).where('id', '=', reference).executeTakeFirst();
  if (byId) return byId.id;
  const rows = await db.selectFrom('engagements').select(['id', 'exercice']).where('tenant_id', '=', tenantId).where('numero', '=', reference).orderBy('exercice', 'desc').execute();
  if (rows.length === 0) throw new MatchError(`engagement « ${reference} » introuvable`);
  return rows[0]!.id;
}
