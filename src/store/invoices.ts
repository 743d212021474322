// The invoice repository: one record per Chorus idFacture and tenant, with its lines, VAT breakdown,
// files (content in the blob store, written before the record) and Chorus status history. The sync
// writes through upsertInvoice inside its transaction; screens, the CLI and the API read through
// listInvoices / getInvoiceDetail.
import type { Kysely, Transaction } from 'kysely';
import type { Invoice } from '../domain/invoice.ts';
import { newId } from '../domain/ids.ts';
import { Decimal, toAmountString } from '../domain/money.ts';
import { appendAuditBatch } from './audit.ts';
import type { Dialect } from './db.ts';
import type { Database } from './schema.ts';
import type { InvoiceTable } from './tables/foundation.ts';

export type InvoiceFileRole = 'original' | 'attachment' | 'pivot' | 'pdf';

export type StoredInvoiceFile = {
  role: InvoiceFileRole;
  filename: string;
  mimeType: string | null;
  size: number;
  sha256: string;
};

export type ChorusHistoryEntry = { status: string; at: string; comment: string | null; cycle: number };

/** What Chorus' search result says of an invoice: the fallback when no file could be read. */
export type ChorusSummary = {
  number: string | null;
  issueDate: string | null;
  currency: string | null;
  sellerName: string | null;
  sellerSiret: string | null;
  buyerSiret: string | null;
  amountHt: string | null;
  amountTtc: string | null;
  amountPayable: string | null;
  orderReference: string | null;
  contractReference: string | null;
  documentType: 'invoice' | 'creditNote';
};

export type InvoiceRecordInput = {
  tenantId: string;
  structureId: string | null;
  chorusId: number;
  chorusStatus: string;
  chorusStatusAt: string | null;
  depositedAt: string | null;
  madeAvailableAt: string | null;
  chorusServiceCode: string | null;
  /** The Liasse status of a new record (statusFromChorus). */
  initialStatus: string;
  /** The status an existing record moves to, given its current one (null: keep it). */
  statusOnUpdate: (current: { status: string; chorusStatus: string | null }) => string | null;
  /** The rich model (original file) or the pivot model; null when nothing could be read. */
  model: Invoice | null;
  summary: ChorusSummary;
  files: StoredInvoiceFile[];
  history: ChorusHistoryEntry[];
  pivotSha256: string | null;
  originalSha256: string | null;
  pdfSha256: string | null;
  quarantineReason: string | null;
  historyOnly: boolean;
};

export type UpsertOutcome = { id: string; outcome: 'new' | 'updated' };

function cents(amount: string | null): number | null {
  const parsed = Decimal.tryParse(amount);
  return parsed ? Number(parsed.toCents()) : null;
}

/** The columns an input sets: the model first, Chorus' search data for whatever it lacks. */
function columnsOf(input: InvoiceRecordInput): Omit<InvoiceTable, 'id' | 'tenant_id' | 'chorus_id' | 'status' | 'history_only' | 'created_at' | 'updated_at'> {
  const model = input.model;
  const summary = input.summary;
  const amountTtc = toAmountString(model?.totals.taxInclusive ?? null) ?? toAmountString(summary.amountTtc);
  const amountHt = toAmountString(model?.totals.taxExclusive ?? null) ?? toAmountString(summary.amountHt);
  let amountTva = toAmountString(model?.totals.tax ?? null);
  if (amountTva === null && amountHt !== null && amountTtc !== null) {
    amountTva = Decimal.parse(amountTtc).sub(Decimal.parse(amountHt)).toString(2);
  }
  return {
    structure_id: input.structureId,
    chorus_status: input.chorusStatus,
    chorus_status_at: input.chorusStatusAt,
    deposited_at: input.depositedAt,
    made_available_at: input.madeAvailableAt,
    chorus_service_code: input.chorusServiceCode ?? model?.buyerReference ?? null,
    format: model?.format ?? null,
    profile: model?.profile ?? null,
    document_type: model?.documentType ?? summary.documentType,
    type_code: model?.typeCode ?? null,
    number: model?.number ?? summary.number,
    issue_date: model?.issueDate ?? summary.issueDate,
    due_date: model?.dueDate ?? null,
    currency: model?.currency ?? summary.currency,
    buyer_reference: model?.buyerReference ?? null,
    order_reference: model?.orderReference ?? summary.orderReference,
    contract_reference: model?.contractReference ?? summary.contractReference,
    seller_name: model?.seller.name ?? summary.sellerName,
    seller_siret: model?.seller.siret ?? summary.sellerSiret,
    seller_vat_id: model?.seller.vatId ?? null,
    buyer_siret: model?.buyer.siret ?? summary.buyerSiret,
    iban: model?.payment.iban ?? null,
    amount_ht: amountHt,
    amount_tva: amountTva,
    amount_ttc: amountTtc,
    amount_payable: toAmountString(model?.totals.payable ?? null) ?? toAmountString(summary.amountPayable),
    amount_ttc_cents: cents(amountTtc),
    without_metadata: model?.withoutMetadata ? 1 : 0,
    model_json: model ? JSON.stringify(model) : null,
    pivot_sha256: input.pivotSha256,
    original_sha256: input.originalSha256,
    pdf_sha256: input.pdfSha256,
    quarantined: input.quarantineReason ? 1 : 0,
    quarantine_reason: input.quarantineReason,
  };
}

/**
 * Creates or updates the record of (tenant, idFacture) with its lines, VAT, files and history, and
 * appends one audit entry. Must run inside the caller's transaction; the unique (tenant_id,
 * chorus_id) constraint plus INSERT … ON CONFLICT DO NOTHING make a racing writer update instead of
 * duplicating.
 */
export async function upsertInvoice(
  trx: Transaction<Database>,
  dialect: Dialect,
  input: InvoiceRecordInput,
  options: { actor?: string; now?: string } = {},
): Promise<UpsertOutcome> {
  const [outcome] = await upsertInvoices(trx, dialect, [input], options);
  return outcome!;
}

// Rows per multi-row statement: SQLite caps bound parameters per statement (32 766 in the
// better-sqlite3 12 build; the invoices table has about 45 columns).
const INVOICE_ROWS_PER_STATEMENT = 200;
const CHILD_ROWS_PER_STATEMENT = 500;

/**
 * upsertInvoice for several invoices at once, in a few statements whatever their number: one read
 * of the existing records (locked on PostgreSQL), one multi-row insert of the new ones, one update
 * per existing one, multi-row deletes and inserts of the children, and one batched audit append
 * (entries in the order of `inputs`). Outcomes are returned in the order of `inputs`; an idFacture
 * given twice is written once per occurrence, in order.
 */
export async function upsertInvoices(
  trx: Transaction<Database>,
  dialect: Dialect,
  inputs: InvoiceRecordInput[],
  options: { actor?: string; now?: string } = {},
): Promise<UpsertOutcome[]> {
  if (inputs.length === 0) return [];
  // A repeated idFacture in one call: each occurrence in turn, so the later one wins as it would one by one.
  const keys = inputs.map((input) => `${input.tenantId}\u0000${input.chorusId}`);
  if (new Set(keys).size !== keys.length) {
    const outcomes: UpsertOutcome[] = [];
    for (const input of inputs) outcomes.push(...(await upsertInvoices(trx, dialect, [input], options)));
    return outcomes;
  }
  const now = options.now ?? new Date().toISOString();
  const columns = inputs.map(columnsOf);
  type Existing = { id: string; status: string; chorus_status: string | null; history_only: number; chorus_id: number };
  const selectExisting = async (wanted: InvoiceRecordInput[]): Promise<Map<string, Existing>> => {
    const found = new Map<string, Existing>();
    const byTenant = new Map<string, number[]>();
    for (const input of wanted) byTenant.set(input.tenantId, [...(byTenant.get(input.tenantId) ?? []), input.chorusId]);
    for (const [tenantId, chorusIds] of byTenant) {
      for (let start = 0; start < chorusIds.length; start += CHILD_ROWS_PER_STATEMENT) {
        const query = trx
          .selectFrom('invoices')
          .select(['id', 'status', 'chorus_status', 'history_only', 'chorus_id'])
          .where('tenant_id', '=', tenantId)
          .where('chorus_id', 'in', chorusIds.slice(start, start + CHILD_ROWS_PER_STATEMENT));
        for (const row of await (dialect === 'postgres' ? query.forUpdate() : query).execute()) {
          found.set(`${tenantId}\u0000${Number(row.chorus_id)}`, { ...row, chorus_id: Number(row.chorus_id) });
        }
      }
    }
    return found;
  };
  const existing = await selectExisting(inputs);
  const ids = new Array<string>(inputs.length);
  const outcomes = new Array<UpsertOutcome['outcome']>(inputs.length);
  const toInsert = inputs.map((_, index) => index).filter((index) => !existing.has(keys[index]!));
  for (let start = 0; start < toInsert.length; start += INVOICE_ROWS_PER_STATEMENT) {
    const chunk = toInsert.slice(start, start + INVOICE_ROWS_PER_STATEMENT);
    const inserted = await trx
      .insertInto('invoices')
      .values(
        chunk.map((index) => ({
          id: newId(),
          tenant_id: inputs[index]!.tenantId,
          chorus_id: inputs[index]!.chorusId,
          status: inputs[index]!.initialStatus,
          history_only: inputs[index]!.historyOnly ? 1 : 0,
          created_at: now,
          updated_at: now,
          ...columns[index]!,
        })),
      )
      .onConflict((conflict) => conflict.columns(['tenant_id', 'chorus_id']).doNothing())
      .returning(['id', 'tenant_id', 'chorus_id'])
      .execute();
    const byKey = new Map(inserted.map((row) => [`${row.tenant_id}\u0000${Number(row.chorus_id)}`, row.id]));
    for (const index of chunk) {
      const id = byKey.get(keys[index]!);
      if (id) {
        ids[index] = id;
        outcomes[index] = 'new';
      }
    }
  }
  // Lost an insert race to another writer: those are updates of the record it created.
  const raced = inputs.map((_, index) => index).filter((index) => !existing.has(keys[index]!) && outcomes[index] === undefined);
  if (raced.length > 0) {
    const found = await selectExisting(raced.map((index) => inputs[index]!));
    for (const index of raced) {
      const row = found.get(keys[index]!);
      if (!row) throw new Error(`invoice ${inputs[index]!.chorusId} vanished during its upsert`);
      existing.set(keys[index]!, row);
    }
  }
  const updatedIds: string[] = [];
  for (const [index, input] of inputs.entries()) {
    const row = outcomes[index] === 'new' ? undefined : existing.get(keys[index]!);
    if (!row) continue;
    ids[index] = row.id;
    outcomes[index] = 'updated';
    updatedIds.push(row.id);
    const nextStatus = input.statusOnUpdate({ status: row.status, chorusStatus: row.chorus_status }) ?? row.status;
    await trx
      .updateTable('invoices')
      .set({ ...columns[index]!, status: nextStatus, updated_at: now })
      .where('id', '=', row.id)
      .execute();
  }
  for (let start = 0; start < updatedIds.length; start += CHILD_ROWS_PER_STATEMENT) {
    const chunk = updatedIds.slice(start, start + CHILD_ROWS_PER_STATEMENT);
    for (const table of ['invoice_lines', 'invoice_vat', 'invoice_files', 'chorus_history'] as const) {
      await trx.deleteFrom(table).where('invoice_id', 'in', chunk).execute();
    }
  }

  await writeChildren(trx, inputs.map((input, index) => ({ invoiceId: ids[index]!, input })));
  await appendAuditBatch(
    trx,
    inputs.map((input, index) => ({
      tenantId: input.tenantId,
      actor: options.actor ?? 'system:sync',
      action: outcomes[index] === 'new' ? 'invoice.sync.create' : 'invoice.sync.update',
      entity: 'invoice',
      entityId: ids[index]!,
      data: {
        chorusId: input.chorusId,
        chorusStatus: input.chorusStatus,
        number: columns[index]!.number,
        ...(input.quarantineReason ? { quarantined: input.quarantineReason } : {}),
        ...(input.historyOnly && outcomes[index] === 'new' ? { historyOnly: true } : {}),
      },
      at: now,
    })),
  );
  return inputs.map((_, index) => ({ id: ids[index]!, outcome: outcomes[index]! }));
}

async function writeChildren(trx: Transaction<Database>, records: { invoiceId: string; input: InvoiceRecordInput }[]): Promise<void> {
  const lines: Database['invoice_lines'][] = [];
  const vat: Database['invoice_vat'][] = [];
  const files: Database['invoice_files'][] = [];
  const history: Database['chorus_history'][] = [];
  for (const { invoiceId, input } of records) {
    const model = input.model;
    for (const [position, line] of (model?.lines ?? []).entries()) {
      lines.push({
        invoice_id: invoiceId,
        position,
        line_id: line.id,
        name: line.name,
        quantity: line.quantity,
        unit_code: line.unitCode,
        net_price: line.netPrice,
        net_amount: line.netAmount,
        vat_category: line.vatCategory,
        vat_rate: line.vatRate,
      });
    }
    for (const [position, entry] of (model?.vatBreakdown ?? []).entries()) {
      vat.push({
        invoice_id: invoiceId,
        position,
        category: entry.category,
        rate: entry.rate,
        taxable_amount: entry.taxableAmount,
        tax_amount: entry.taxAmount,
        exemption_reason: entry.exemptionReason,
      });
    }
    for (const [position, file] of input.files.entries()) {
      files.push({ invoice_id: invoiceId, position, role: file.role, filename: file.filename, mime_type: file.mimeType, size: file.size, sha256: file.sha256 });
    }
    const seen = new Set<string>();
    for (const entry of input.history) {
      const key = `${entry.status}\u0000${entry.at}`;
      if (seen.has(key)) continue;
      seen.add(key);
      history.push({ id: newId(), invoice_id: invoiceId, status: entry.status, at: entry.at, comment: entry.comment, cycle: entry.cycle });
    }
  }
  for (const [table, rows] of [
    ['invoice_lines', lines],
    ['invoice_vat', vat],
    ['invoice_files', files],
    ['chorus_history', history],
  ] as const) {
    for (let start = 0; start < rows.length; start += CHILD_ROWS_PER_STATEMENT) {
      await trx
        .insertInto(table)
        .values(rows.slice(start, start + CHILD_ROWS_PER_STATEMENT) as never)
        .execute();
    }
  }
}

/** The identity and change marker of the invoices already stored, by idFacture (for the sync's diff). */
export async function loadChorusStates(
  db: Kysely<Database>,
  tenantId: string,
  chorusIds: number[],
): Promise<Map<number, { id: string; chorusStatus: string | null; chorusStatusAt: string | null; quarantined: boolean }>> {
  const states = new Map<number, { id: string; chorusStatus: string | null; chorusStatusAt: string | null; quarantined: boolean }>();
  for (let start = 0; start < chorusIds.length; start += 500) {
    const chunk = chorusIds.slice(start, start + 500);
    if (chunk.length === 0) continue;
    const rows = await db
      .selectFrom('invoices')
      .select(['id', 'chorus_id', 'chorus_status', 'chorus_status_at', 'quarantined'])
      .where('tenant_id', '=', tenantId)
      .where('chorus_id', 'in', chunk)
      .execute();
    for (const row of rows) {
      states.set(Number(row.chorus_id), {
        id: row.id,
        chorusStatus: row.chorus_status,
        chorusStatusAt: row.chorus_status_at,
        quarantined: row.quarantined === 1,
      });
    }
  }
  return states;
}

// ---------------------------------------------------------------------------------------------
// Reading

export type InvoiceListItem = {
  id: string;
  chorusId: number;
  number: string | null;
  issueDate: string | null;
  documentType: string;
  format: string | null;
  supplier: { name: string | null; siret: string | null };
  serviceCode: string | null;
  status: string;
  chorusStatus: string | null;
  chorusStatusAt: string | null;
  totals: { currency: string | null; ht: string | null; tva: string | null; ttc: string | null; payable: string | null };
  quarantined: boolean;
  quarantineReason: string | null;
  historyOnly: boolean;
  createdAt: string;
  updatedAt: string;
};

export type InvoiceDetail = InvoiceListItem & {
  structureId: string | null;
  orderReference: string | null;
  contractReference: string | null;
  buyerReference: string | null;
  dueDate: string | null;
  iban: string | null;
  lines: {
    position: number;
    lineId: string | null;
    name: string | null;
    quantity: string | null;
    unitCode: string | null;
    netPrice: string | null;
    netAmount: string | null;
    vatCategory: string | null;
    vatRate: string | null;
  }[];
  vat: { category: string | null; rate: string | null; taxableAmount: string | null; taxAmount: string | null; exemptionReason: string | null }[];
  attachments: { position: number; role: string; filename: string; mimeType: string | null; size: number; sha256: string }[];
  history: { status: string; at: string; comment: string | null; cycle: number }[];
  /** The number of Chorus processing cycles (suspension then completion, recycling then redeposit). */
  cycles: number;
  model: Invoice | null;
};

function listItemOf(row: InvoiceTable): InvoiceListItem {
  return {
    id: row.id,
    chorusId: Number(row.chorus_id),
    number: row.number,
    issueDate: row.issue_date,
    documentType: row.document_type,
    format: row.format,
    supplier: { name: row.seller_name, siret: row.seller_siret },
    serviceCode: row.chorus_service_code,
    status: row.status,
    chorusStatus: row.chorus_status,
    chorusStatusAt: row.chorus_status_at,
    totals: { currency: row.currency, ht: row.amount_ht, tva: row.amount_tva, ttc: row.amount_ttc, payable: row.amount_payable },
    quarantined: row.quarantined === 1,
    quarantineReason: row.quarantine_reason,
    historyOnly: row.history_only === 1,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

export type InvoiceListFilter = {
  status?: string;
  quarantined?: boolean;
  /** Include invoices taken in as history only (default true). */
  includeHistoryOnly?: boolean;
  limit?: number;
  offset?: number;
};

export async function listInvoices(db: Kysely<Database>, tenantId: string, filter: InvoiceListFilter = {}): Promise<InvoiceListItem[]> {
  let query = db.selectFrom('invoices').selectAll().where('tenant_id', '=', tenantId);
  if (filter.status !== undefined) query = query.where('status', '=', filter.status);
  if (filter.quarantined !== undefined) query = query.where('quarantined', '=', filter.quarantined ? 1 : 0);
  if (filter.includeHistoryOnly === false) query = query.where('history_only', '=', 0);
  const rows = await query
    .orderBy('deposited_at', 'desc')
    .orderBy('chorus_id', 'desc')
    .limit(filter.limit ?? 100)
    .offset(filter.offset ?? 0)
    .execute();
  return rows.map(listItemOf);
}

export async function countInvoices(db: Kysely<Database>, tenantId: string): Promise<{ total: number; quarantined: number }> {
  const row = await db
    .selectFrom('invoices')
    .select((eb) => [eb.fn.countAll<number>().as('total'), eb.fn.sum<number>('quarantined').as('quarantined')])
    .where('tenant_id', '=', tenantId)
    .executeTakeFirstOrThrow();
  return { total: Number(row.total), quarantined: Number(row.quarantined ?? 0) };
}

/** One invoice by its Liasse id, or by its Chorus idFacture when `reference` is all digits. */
export async function getInvoiceDetail(db: Kysely<Database>, tenantId: string, reference: string): Promise<InvoiceDetail | null> {
  let query = db.selectFrom('invoices').selectAll().where('tenant_id', '=', tenantId);
  query = /^\d+$/.test(reference) ? query.where('chorus_id', '=', Number(reference)) : query.where('id', '=', reference);
  const row = await query.executeTakeFirst();
  if (!row) return null;
  const [lines, vat, files, history] = await Promise.all([
    db.selectFrom('invoice_lines').selectAll().where('invoice_id', '=', row.id).orderBy('position').execute(),
    db.selectFrom('invoice_vat').selectAll().where('invoice_id', '=', row.id).orderBy('position').execute(),
    db.selectFrom('invoice_files').selectAll().where('invoice_id', '=', row.id).orderBy('position').execute(),
    db.selectFrom('chorus_history').selectAll().where('invoice_id', '=', row.id).orderBy('at').orderBy('cycle').execute(),
  ]);
  let model: Invoice | null = null;
  try {
    model = row.model_json ? (JSON.parse(row.model_json) as Invoice) : null;
  } catch {
    model = null;
  }
  return {
    ...listItemOf(row),
    structureId: row.structure_id,
    orderReference: row.order_reference,
    contractReference: row.contract_reference,
    buyerReference: row.buyer_reference,
    dueDate: row.due_date,
    iban: row.iban,
    lines: lines.map((line) => ({
      position: line.position,
      lineId: line.line_id,
      name: line.name,
      quantity: line.quantity,
      unitCode: line.unit_code,
      netPrice: line.net_price,
      netAmount: line.net_amount,
      vatCategory: line.vat_category,
      vatRate: line.vat_rate,
    })),
    vat: vat.map((entry) => ({
      category: entry.category,
      rate: entry.rate,
      taxableAmount: entry.taxable_amount,
      taxAmount: entry.tax_amount,
      exemptionReason: entry.exemption_reason,
    })),
    attachments: files.map((file) => ({
      position: file.position,
      role: file.role,
      filename: file.filename,
      mimeType: file.mime_type,
      size: Number(file.size),
      sha256: file.sha256,
    })),
    history: history.map((entry) => ({ status: entry.status, at: entry.at, comment: entry.comment, cycle: entry.cycle })),
    cycles: history.reduce((max, entry) => Math.max(max, entry.cycle), history.length > 0 ? 1 : 0),
    model,
  };
}

/** Every blob digest the invoices of a tenant reference (for integrity checks and tests). */
export async function referencedBlobs(db: Kysely<Database>, tenantId?: string): Promise<string[]> {
  let query = db.selectFrom('invoice_files').innerJoin('invoices', 'invoices.id', 'invoice_files.invoice_id').select('invoice_files.sha256');
  if (tenantId) query = query.where('invoices.tenant_id', '=', tenantId);
  const rows = await query.distinct().execute();
  return rows.map((row) => row.sha256);
}

