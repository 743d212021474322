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

/** A budget, tiers, engagement, a mandat on the invoice and a sent bordereau with its PES file. */
export async function insertMandat(
  db: Kysely<Database>,
  blobs: BlobStore,
  tenantId: string,
  invoiceId: string,
  options: { numero?: number; exercice?: number; bordereauNumero?: number; createdAt?: string } = {},
): Promise<{ mandatId: string; bordereauId: string; pesSha256: string }> {
  const now = options.createdAt ?? new Date().toISOString();
  const exercice = options.exercice ?? 2024;
  const budgetId = newId();
  await db.insertInto('budgets').values({ id: budgetId, tenant_id: tenantId, code: `B${budgetId.slice(-6)}`, label: 'Budget principal', siret: '21310054700013', vat_regime: 'TTC', nomenclature: 'M57', codcol: '123', codbud: '00', idpost: '031099', created_at: now, updated_at: now }).execute();
  const tiersId = newId();
  await db.insertInto('tiers').values({ id: tiersId, tenant_id: tenantId, siret: '73282932000074', siren: '732829320', vat_id: null, name: 'Fournisseur SARL', address: null, ibans_json: '[]', created_at: now, updated_at: now }).execute();
  const engagementId = newId();
  await db.insertInto('engagements').values({ id: engagementId, tenant_id: tenantId, numero: 'EJ-1', numero_normalized: 'EJ1', exercice, budget_id: budgetId, tiers_id: tiersId, service_code: null, section: 'F', chapitre: '011', nature: '6068', fonction: null, operation: null, objet: 'Fournitures', marche: null, amount_ttc_cents: 500000, amount_ht_cents: null, liquidated_ttc_cents: 120000, liquidated_ht_cents: 0, status: 'open', created_at: now, updated_at: now }).execute();
  const pes = await blobs.put(Buffer.from(`<?xml version="1.0"?><PES_Aller><Bordereau numero="${options.bordereauNumero ?? 1}"/></PES_Aller>`));
  const bordereauId = newId();
  const numero = options.numero ?? 12;
  await db.insertInto('bordereaux').values({ id: bordereauId, tenant_id: tenantId, budget_id: budgetId, exercice, numero: options.bordereauNumero ?? 1, typ_bord: '01', status: 'accepted', mandat_count: 1, total_ht: '1000.00', total_tva: '200.00', total_ttc: '1200.00', total_ht_cents: 100000, total_tva_cents: 20000, total_ttc_cents: 120000, pes_filename: `PES_Aller_${bordereauId.slice(-8)}.xml`, pes_sha256: pes.sha256, pes_size: pes.size, channel: null, transmission_id: null, transmission_status: null, rejection_reason: null, created_by: 'cli', created_at: now, updated_at: now, sent_at: now, acknowledged_at: now }).execute();
  const mandatId = newId();
  await db.insertInto('mandats').values({ id: mandatId, tenant_id: tenantId, budget_id: budgetId, exercice, numero, kind: 'ordinaire', status: 'accepted', bordereau_id: bordereauId, tiers_id: tiersId, invoice_id: invoiceId, original_mandat_id: null, objet: 'Fournitures de bureau', service_code: null, typ_pce: '01', nat_pce: '01', mode_reglement: '03', iban: null, bic: null, account_holder: null, invoice_numbers: null, vat_regime: 'TTC', amount_ht: '1000.00', amount_tva: '200.00', amount_ttc: '1200.00', amount_ht_cents: 100000, amount_tva_cents: 20000, amount_ttc_cents: 120000, liquidated_cents: 120000, dgp_start: '2024-03-01', dgp_expiry: '2024-03-31', dgp_days: 30, reason: null, correction_reason: null, created_by: 'cli', created_at: now, updated_at: now, sent_at: now, acknowledged_at: now }).execute();
  await db.insertInto('mandat_lines').values({ mandat_id: mandatId, line_no: 1, invoice_id: invoiceId, engagement_id: engagementId, invoice_number: null, section: 'F', chapitre: '011', nature: '6068', fonction: null, operation: null, amount_ht: '1000.00', amount_tva: '200.00', amount_ttc: '1200.00', amount_ht_cents: 100000, amount_tva_cents: 20000, amount_ttc_cents: 120000, liquidated_cents: 120000 }).execute();
  await db.insertInto('bordereau_mandats').values({ bordereau_id: bordereauId, mandat_id: mandatId, position: 1 }).execute();
  return { mandatId, bordereauId, pesSha256: pes.sha256 };
}
