// The archive view: processed invoices stay searchable with their mandat, retention end and
// elimination state; one dossier gathers everything about an invoice (also what a share link shows).
import { type Kysely, sql } from 'kysely';
import type { Database } from '../../store/schema.ts';
import { getInvoiceTimeline, type TimelineEntry } from '../timeline/index.ts';
import { PROCESSED_STATUSES } from './eliminations.ts';
import { getRetentionRule, retentionEnd } from './retention.ts';

export type ArchiveSearch = {
  tenantId: string;
  /** Matches the invoice number, the supplier name or SIRET, the Chorus id. */
  text?: string;
  exercice?: number;
  from?: string;
  to?: string;
  limit?: number;
  offset?: number;
};

export type ArchiveRow = {
  invoiceId: string;
  chorusId: number;
  number: string | null;
  sellerName: string | null;
  sellerSiret: string | null;
  issueDate: string | null;
  amountTtc: string | null;
  status: string;
  mandat: { id: string; numero: number; exercice: number } | null;
  exercice: number;
  retentionEnd: string;
  elimination: 'none' | 'proposed' | 'approved' | 'executed';
};

export async function searchArchive(db: Kysely<Database>, search: ArchiveSearch): Promise<{ rows: ArchiveRow[]; total: number }> {
  let query = db
    .selectFrom('invoices')
    .leftJoin('mandats', (join) => join.onRef('mandats.invoice_id', '=', 'invoices.id').on('mandats.kind', '=', 'ordinaire'))
    .where('invoices.tenant_id', '=', search.tenantId)
    .where('invoices.status', 'in', PROCESSED_STATUSES);
  if (search.text?.trim()) {
    const like = `%${search.text.trim().toLowerCase().replace(/[%_\\]/g, (char) => `\\${char}`)}%`;
    query = query.where((eb) =>
      eb.or([
        eb(sql`lower(coalesce(invoices.number, ''))`, 'like', like),
        eb(sql`lower(coalesce(invoices.seller_name, ''))`, 'like', like),
        eb(sql`coalesce(invoices.seller_siret, '')`, 'like', like),
        eb(sql`cast(invoices.chorus_id as text)`, 'like', like),
      ]),
    );
  }
  if (search.exercice) query = query.where('mandats.exercice', '=', search.exercice);
  if (search.from) query = query.where('invoices.issue_date', '>=', search.from);
  if (search.to) query = query.where('invoices.issue_date', '<=', search.to);
  const total = await query.select((eb) => eb.fn.countAll<number | string>().as('n')).executeTakeFirst();
  const rows = await query
    .select([
      'invoices.id',
      'invoices.chorus_id',
      'invoices.number',
      'invoices.seller_name',
      'invoices.seller_siret',
      'invoices.issue_date',
      'invoices.created_at',
      'invoices.amount_ttc',
      'invoices.status',
      'mandats.id as mandat_id',
      'mandats.numero as mandat_numero',
      'mandats.exercice as mandat_exercice',
    ])
    .orderBy('invoices.issue_date', 'desc')
    .orderBy('invoices.id')
    .limit(Math.min(search.limit ?? 50, 500))
    .offset(search.offset ?? 0)
    .execute();
  const rule = await getRetentionRule(db, search.tenantId, 'facture');
  const ids = rows.map((row) => row.id);
  const eliminations = ids.length
    ? await db
        .selectFrom('elimination_items')
        .innerJoin('elimination_proposals', 'elimination_proposals.id', 'elimination_items.proposal_id')
        .select(['elimination_items.entity_id', 'elimination_proposals.status'])
        .where('elimination_items.entity', '=', 'invoice')
        .where('elimination_items.entity_id', 'in', ids)
        .where('elimination_proposals.status', 'in', ['proposed', 'approved', 'executed'])
        .execute()
    : [];
  const stateOf = new Map(eliminations.map((row) => [row.entity_id, row.status as ArchiveRow['elimination']]));
  return {
    total: Number(total?.n ?? 0),
    rows: rows.map((row) => {
      const exercice = row.mandat_exercice ?? Number((row.issue_date ?? row.created_at).slice(0, 4));
      return {
        invoiceId: row.id,
        chorusId: Number(row.chorus_id),
        number: row.number,
        sellerName: row.seller_name,
        sellerSiret: row.seller_siret,
        issueDate: row.issue_date,
        amountTtc: row.amount_ttc,
        status: row.status,
        mandat: row.mandat_id ? { id: row.mandat_id, numero: Number(row.mandat_numero), exercice: Number(row.mandat_exercice) } : null,
        exercice,
        retentionEnd: retentionEnd(exercice, rule.years),
        elimination: stateOf.get(row.id) ?? 'none',
      };
    }),
  };
}

export type InvoiceDossier = {
  invoice: {
    id: string;
    tenantId: string;
    chorusId: number;
    number: string | null;
    issueDate: string | null;
    sellerName: string | null;
    sellerSiret: string | null;
    buyerReference: string | null;
    orderReference: string | null;
    amountHt: string | null;
    amountTva: string | null;
    amountTtc: string | null;
    currency: string | null;
    status: string;
    chorusStatus: string | null;
  };
  files: { position: number; role: string; filename: string; mimeType: string | null; size: number; sha256: string }[];
  timeline: TimelineEntry[];
  mandats: { id: string; numero: number; exercice: number; status: string; amountTtc: string; dgpStart: string | null; dgpExpiry: string | null }[];
};

export async function getInvoiceDossier(db: Kysely<Database>, invoiceId: string): Promise<InvoiceDossier | null> {
  const invoice = await db.selectFrom('invoices').selectAll().where('id', '=', invoiceId).executeTakeFirst();
  if (!invoice) return null;
  const files = await db.selectFrom('invoice_files').selectAll().where('invoice_id', '=', invoiceId).orderBy('position').execute();
  const mandats = await db
    .selectFrom('mandats')
    .select(['id', 'numero', 'exercice', 'status', 'amount_ttc', 'dgp_start', 'dgp_expiry'])
    .where((eb) => eb.or([eb('invoice_id', '=', invoiceId), eb('id', 'in', eb.selectFrom('mandat_lines').select('mandat_id').where('invoice_id', '=', invoiceId))]))
    .orderBy('created_at')
    .execute();
  return {
    invoice: {
      id: invoice.id,
      tenantId: invoice.tenant_id,
      chorusId: Number(invoice.chorus_id),
      number: invoice.number,
      issueDate: invoice.issue_date,
      sellerName: invoice.seller_name,
      sellerSiret: invoice.seller_siret,
      buyerReference: invoice.buyer_reference,
      orderReference: invoice.order_reference,
      amountHt: invoice.amount_ht,
      amountTva: invoice.amount_tva,
      amountTtc: invoice.amount_ttc,
      currency: invoice.currency,
      status: invoice.status,
      chorusStatus: invoice.chorus_status,
    },
    files: files.map((file) => ({ position: file.position, role: file.role, filename: file.filename, mimeType: file.mime_type, size: Number(file.size), sha256: file.sha256 })),
    timeline: await getInvoiceTimeline(db, invoiceId),
    mandats: mandats.map((mandat) => ({ id: mandat.id, numero: Number(mandat.numero), exercice: Number(mandat.exercice), status: mandat.status, amountTtc: mandat.amount_ttc, dgpStart: mandat.dgp_start, dgpExpiry: mandat.dgp_expiry })),
  };
}
