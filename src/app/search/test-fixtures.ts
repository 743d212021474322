// Fixtures shared by the matching, referential and search tests: a tenant and invoices inserted
// directly, so these tests do not depend on the sync.
import type { Kysely } from 'kysely';
import { newId } from '../../domain/ids.ts';
import { Decimal } from '../../domain/money.ts';
import type { Database } from '../../store/schema.ts';
import type { InvoiceTable } from '../../store/tables/foundation.ts';

export async function insertTenant(db: Kysely<Database>, name = 'Commune de Test'): Promise<string> {
  const id = newId();
  const now = new Date().toISOString();
  await db.insertInto('tenants').values({ id, name, siren: '213500001', kind: 'commune', chorus_connection_encrypted: null, created_at: now, updated_at: now }).execute();
  return id;
}

let chorusIds = 1000;

export function invoiceRow(tenantId: string, fields: Partial<InvoiceTable> = {}): InvoiceTable {
  const now = '2025-03-01T10:00:00.000Z';
  const ttc = fields.amount_ttc ?? '1200.00';
  return {
    id: newId(),
    tenant_id: tenantId,
    structure_id: null,
    chorus_id: (chorusIds += 1),
    chorus_status: 'MISE_A_DISPOSITION',
    chorus_status_at: now,
    deposited_at: '2025-03-01T09:00:00.000Z',
    made_available_at: '2025-03-01T10:00:00.000Z',
    chorus_service_code: null,
    status: 'received',
    format: 'UBL',
    profile: null,
    document_type: 'invoice',
    type_code: '380',
    number: 'F-001',
    issue_date: '2025-02-28',
    due_date: null,
    currency: 'EUR',
    buyer_reference: null,
    order_reference: null,
    contract_reference: null,
    seller_name: 'Fournisseur',
    seller_siret: null,
    seller_vat_id: null,
    buyer_siret: null,
    iban: null,
    amount_ht: '1000.00',
    amount_tva: '200.00',
    amount_ttc: ttc,
    amount_payable: ttc,
    amount_ttc_cents: ttc === null ? null : Number(Decimal.parse(ttc).toCents()),
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
    ...fields,
  };
}

export async function insertInvoice(db: Kysely<Database>, tenantId: string, fields: Partial<InvoiceTable> = {}): Promise<InvoiceTable> {
  const row = invoiceRow(tenantId, fields);
  await db.insertInto('invoices').values(row).execute();
  return row;
}
