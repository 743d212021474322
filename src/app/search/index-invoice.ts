// Keeps the single window's search row of an invoice up to date. The sync calls indexInvoice in the
// same transaction that stores or updates the invoice; matching calls it after storing a result.
// Everything the window filters, sorts or counts on is copied here once, so a query never joins.
import { sql, type Transaction } from 'kysely';
import { parisDate } from '../../domain/dgp.ts';
import type { Invoice } from '../../domain/invoice.ts';
import type { Dialect } from '../../store/db.ts';
import type { Database } from '../../store/schema.ts';
import type { InvoiceTable } from '../../store/tables/foundation.ts';
import type { AppContext } from '../context.ts';
import { dgpOf } from './dgp-hook.ts';
import { buildDocument, sortKey } from './normalize.ts';

type ModelPart = Partial<Pick<Invoice, 'notes' | 'lines' | 'attachments' | 'text' | 'projectReference' | 'seller' | 'precedingInvoices'>>;

function parseModel(json: string | null): ModelPart {
  if (!json) return {};
  try {
    return JSON.parse(json) as ModelPart;
  } catch {
    return {};
  }
}

type Assignment = { budget_code: string | null; exercice: number | null } | undefined;

/**
 * The budget and exercice the window files an invoice under — the one place this is decided.
 * The allocated (else best matched) engagement decides both. Without one — most invoices, e.g.
 * every paid one that `liasse match` never saw — the budget is the one whose SIRET is the
 * invoice's recipient structure (invoices.structure_id → structures.siret, else the buyer SIRET),
 * within the tenant, and the exercice the year the invoice was made available (else deposited,
 * else issued), in French time: the exercice a collectivité charges a received invoice to.
 */
export async function budgetAndExercice(
  trx: Transaction<Database>,
  invoice: Pick<InvoiceTable, 'tenant_id' | 'structure_id' | 'buyer_siret' | 'made_available_at' | 'deposited_at' | 'issue_date'>,
  engagement: Assignment,
): Promise<{ budgetCode: string | null; exercice: number | null }> {
  let budgetCode = engagement?.budget_code ?? null;
  if (budgetCode === null) {
    const budgetBySiret = async (siret: string) =>
      (
        await trx
          .selectFrom('budgets')
          .select('code')
          .where('tenant_id', '=', invoice.tenant_id)
          .where('siret', '=', siret)
          .orderBy('code')
          .executeTakeFirst()
      )?.code ?? null;
    if (invoice.structure_id) {
      const structure = await trx
        .selectFrom('structures')
        .select('siret')
        .where('id', '=', invoice.structure_id)
        .where('tenant_id', '=', invoice.tenant_id)
        .executeTakeFirst();
      if (structure) budgetCode = await budgetBySiret(structure.siret);
    }
    if (budgetCode === null && invoice.buyer_siret) budgetCode = await budgetBySiret(invoice.buyer_siret);
  }
  let exercice = engagement?.exercice ?? null;
  if (exercice === null) {
    const instant = invoice.made_available_at ?? invoice.deposited_at;
    let day = invoice.issue_date;
    try {
      if (instant) day = parisDate(instant);
    } catch {
      // An unreadable Chorus instant: the issue date still gives a year.
    }
    const year = day ? Number(day.slice(0, 4)) : NaN;
    exercice = Number.isInteger(year) && year > 0 ? year : null;
  }
  return { budgetCode, exercice };
}

export async function indexInvoice(trx: Transaction<Database>, dialect: Dialect, invoiceId: string): Promise<void> {
  const invoice = await trx.selectFrom('invoices').selectAll().where('id', '=', invoiceId).executeTakeFirst();
  if (!invoice) {
    await trx.deleteFrom('invoice_search').where('invoice_id', '=', invoiceId).execute();
    return;
  }
  const model = parseModel(invoice.model_json);
  const [lines, files, match, allocations, service, dgp] = await Promise.all([
    trx.selectFrom('invoice_lines').select(['name', 'line_id']).where('invoice_id', '=', invoiceId).orderBy('position').execute(),
    trx.selectFrom('invoice_files').select('filename').where('invoice_id', '=', invoiceId).orderBy('position').execute(),
    trx
      .selectFrom('invoice_matches')
      .leftJoin('engagements', 'engagements.id', 'invoice_matches.engagement_id')
      .leftJoin('budgets', 'budgets.id', 'engagements.budget_id')
      .select([
        'invoice_matches.status',
        'invoice_matches.anomaly_codes',
        'engagements.numero',
        'engagements.exercice',
        'engagements.objet',
        'budgets.code as budget_code',
      ])
      .where('invoice_matches.invoice_id', '=', invoiceId)
      .executeTakeFirst(),
    trx
      .selectFrom('invoice_allocations')
      .innerJoin('engagements', 'engagements.id', 'invoice_allocations.engagement_id')
      .innerJoin('budgets', 'budgets.id', 'engagements.budget_id')
      .select(['engagements.numero', 'engagements.exercice', 'engagements.objet', 'budgets.code as budget_code'])
      .where('invoice_allocations.invoice_id', '=', invoiceId)
      .orderBy('invoice_allocations.amount_ttc_cents', 'desc')
      .orderBy('engagements.numero')
      .execute(),
    invoice.chorus_service_code
      ? trx
          .selectFrom('services')
          .select('code')
          .where('tenant_id', '=', invoice.tenant_id)
          .where('chorus_service_code', '=', invoice.chorus_service_code)
          .executeTakeFirst()
      : Promise.resolve(undefined),
    dgpOf(trx, invoice),
  ]);

  // A confirmed allocation decides budget and exercice; else the matching's best engagement.
  const main = allocations[0] ?? (match?.numero ? match : undefined);
  const { budgetCode, exercice } = await budgetAndExercice(trx, invoice, main);
  const matchState = match?.status ?? (allocations.length > 0 ? 'confirmed' : 'pending');
  const anomalyCodes = match?.anomaly_codes ?? '';
  const lineTexts = model.lines
    ? model.lines.flatMap((line) => [line.name, line.description, line.id])
    : lines.flatMap((line) => [line.name, line.line_id]);
  const attachmentNames = [...files.map((file) => file.filename), ...(model.attachments ?? []).map((a) => a.filename)];
  const document = buildDocument([
    invoice.seller_name,
    invoice.seller_siret,
    invoice.seller_vat_id,
    invoice.number,
    String(invoice.chorus_id),
    invoice.order_reference,
    invoice.contract_reference,
    invoice.buyer_reference,
    model.projectReference,
    ...allocations.map((allocation) => allocation.numero),
    main?.numero,
    main?.objet,
    ...(model.notes ?? []),
    ...lineTexts,
    ...[...new Set(attachmentNames)],
    model.text,
  ]);
  const receivedDate = (invoice.made_available_at ?? invoice.deposited_at)?.slice(0, 10) ?? null;
  const row = {
    invoice_id: invoice.id,
    tenant_id: invoice.tenant_id,
    status: invoice.status,
    chorus_status: invoice.chorus_status ?? '',
    supplier_siret: invoice.seller_siret ?? '',
    supplier_key: sortKey(invoice.seller_name),
    supplier_name: invoice.seller_name ?? '',
    number: invoice.number ?? '',
    amount_ttc_cents: invoice.amount_ttc_cents ?? -1,
    issue_date: invoice.issue_date ?? '',
    // '' / -1 rather than NULL: both databases then sort and compare unknown values the same way.
    received_date: receivedDate ?? '',
    without_metadata: invoice.without_metadata ? 1 : 0,
    document_type: invoice.document_type,
    budget_code: budgetCode ?? '',
    exercice: exercice ?? 0,
    service_code: service?.code ?? invoice.chorus_service_code ?? '',
    match_state: matchState,
    engagement_numero: main?.numero ?? '',
    anomaly: anomalyCodes.trim() === '' ? 0 : 1,
    anomaly_codes: anomalyCodes,
    // The deadlines module's DGP (tenant policy, suspensions), see dgp-hook.ts.
    dgp_expiry: dgp.dgp_expiry,
    dgp_state: dgp.dgp_state,
    document,
    indexed_at: new Date().toISOString(),
  };
  const { invoice_id: _key, ...updates } = row;
  if (dialect === 'postgres') {
    await trx
      .insertInto('invoice_search')
      .values({ ...row, tsv: sql`to_tsvector('simple', ${document})` } as never)
      .onConflict((oc) => oc.column('invoice_id').doUpdateSet({ ...updates, tsv: sql`to_tsvector('simple', ${document})` } as never))
      .execute();
    return;
  }
  // The FTS5 row follows by the triggers of migration 0010 (its key depends on the received date).
  await trx
    .insertInto('invoice_search')
    .values(row)
    .onConflict((oc) => oc.column('invoice_id').doUpdateSet(updates))
    .execute();
}

/**
 * Rebuilds the search rows of every invoice (of one tenant when given), in batches of one
 * transaction each. This is how rows indexed before a change of what is copied (e.g. the budget
 * and exercice derived from the recipient structure, the empty DGP state of credit notes) are
 * brought up to date, without a migration: `liasse search --reindex [--tenant T]`.
 */
export async function reindexAll(context: AppContext, tenantId?: string, batchSize = 500): Promise<number> {
  const { db, dialect } = context.store;
  let after = '';
  let count = 0;
  for (;;) {
    let query = db.selectFrom('invoices').select('id').where('id', '>', after).orderBy('id').limit(batchSize);
    if (tenantId) query = query.where('tenant_id', '=', tenantId);
    const ids = (await query.execute()).map((row) => row.id);
    if (ids.length === 0) return count;
    await db.transaction().execute(async (trx) => {
      for (const id of ids) await indexInvoice(trx, dialect, id);
    });
    count += ids.length;
    after = ids[ids.length - 1]!;
  }
}
