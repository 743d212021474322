// Rows inserted directly for the deadlines, archive, sharing and verify tests (the sync and
// mandats modules own the real writers; these keep our tests independent of their progress).
import type { Kysely } from 'kysely';
import { newId } from '../../domain/ids.ts';
import type { BlobStore } from '../../store/blob-store.ts';
import type { Database } from '../../store/schema.ts';
import type { InvoiceTable } from '../../store/tables/foundation.ts';

export async function insertTenant(db: Kysely<Database>, kind = 'commune', name = 'Commune de Test'): Promise<string> {
  const id = newId();
  const now = new Date().toISOString();
  await db.insertInto('tenants').values({ id, name, siren: '213100547', kind, chorus_connection_encrypted: null, created_at: now, updated_at: now }).execute();
  return id;
}

let chorusCounter = 1000;

export async function insertInvoice(
  db: Kysely<Database>,
  tenantId: string,
  values: Partial<InvoiceTable> = {},
  history: { status: string; at: string }[] = [],
): Promise<string> {
  const id = values.id ?? newId();
  const now = new Date().toISOString();
  chorusCounter += 1;
  const row: InvoiceTable = {
    id,
    tenant_id: tenantId,
    structure_id: null,
    chorus_id: chorusCounter,
    chorus_status: 'MISE_A_DISPOSITION',
    chorus_status_at: null,
    deposited_at: null,
    made_available_at: null,
    chorus_service_code: 'SERV1',
    status: 'received',
    format: 'UBL',
    profile: null,
    document_type: 'invoice',
    type_code: '380',
    number: `F-${chorusCounter}`,
    issue_date: '2024-03-01',
    due_date: null,
    currency: 'EUR',
    buyer_reference: 'SERV1',
    order_reference: null,
    contract_reference: null,
    seller_name: 'Fournisseur SARL',
    seller_siret: '73282932000074',
    seller_vat_id: null,
    buyer_siret: null,
    iban: 'FR7630006000011234567890189',
    amount_ht: '1000.00',
    amount_tva: '200.00',
    amount_ttc: '1200.00',
    amount_payable: '1200.00',
    amount_ttc_cents: 120000,
    without_metadata: 0,
    model_json: null,
    pivot_sha256: null,
    original_sha256: null,
    pdf_sha256: null,
    quarantined: 0,
    quarantine_reason: null,
    history_only: 0,
    created_at: now,
    updated_at: now,
    ...values,
  };
  await db.insertInto('invoices').values(row).execute();
  for (const [index, event] of history.entries()) {
    await db.insertInto('chorus_history').values({ id: newId(), invoice_id: id, status: event.status, at: event.at, comment: null, cycle: index + 1 }).execute();
  }
  return id;
}

/** Stores files and attaches them to the invoice (invoice_files + the sha columns). */
export async function attachFiles(
  db: Kysely<Database>,
  blobs: BlobStore,
  invoiceId: string,
  files: { role: 'original' | 'attachment' | 'pivot' | 'pdf'; filename: string; mimeType: string; content: string | Uint8Array }[],
): Promise<Record<string, string>> {
  const digests: Record<string, string> = {};
  for (const [position, file] of files.entries()) {
    const stored = await blobs.put(typeof file.content === 'string' ? Buffer.from(file.content) : file.content);
    digests[file.filename] = stored.sha256;
    await db
      .insertInto('invoice_files')
      .values({ invoice_id: invoiceId, position: position + 1, role: file.role, filename: file.filename, mime_type: file.mimeType, size: stored.size, sha256: stored.sha256 })
      .execute();
    if (file.role === 'original') await db.updateTable('invoices').set({ original_sha256: stored.sha256 }).where('id', '=', invoiceId).execute();
    if (file.role === 'pivot') await db.updateTable('invoices').set({ pivot_sha256: stored.sha256 }).where('id', '=', invoiceId).execute();
    if (file.role === 'pdf') await db.updateTable('invoices').set({ pdf_sha256: stored.sha256 }).where('id', '=', invoiceId).execute();
  }
  return digests;
}
