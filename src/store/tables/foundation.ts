// Row types of the foundation tables (migration 0001). Dates are ISO strings (YYYY-MM-DD),
// instants ISO 8601 UTC strings, JSON columns text, amounts decimal strings plus integer cents
// where SQL must filter or sort on them.

export type TenantTable = {
  id: string;
  name: string;
  siren: string | null;
  /** commune | departement | region | epci | hopital | syndicat | autre: drives the DGP length. */
  kind: string;
  /** The Chorus connection (PISTE client and technical account), AES-GCM encrypted JSON. */
  chorus_connection_encrypted: string | null;
  created_at: string;
  updated_at: string;
};

export type StructureTable = {
  id: string;
  tenant_id: string;
  chorus_id: number;
  siret: string;
  name: string;
  active: number;
  refreshed_at: string;
};

export type ChorusServiceTable = {
  id: string;
  tenant_id: string;
  structure_id: string;
  chorus_id: number;
  code: string;
  name: string;
  active: number;
  refreshed_at: string;
};

export type InvoiceTable = {
  id: string;
  tenant_id: string;
  structure_id: string | null;
  /** idFacture in Chorus Pro: one identity across suspension and recycling cycles. */
  chorus_id: number;
  chorus_status: string | null;
  chorus_status_at: string | null;
  deposited_at: string | null;
  made_available_at: string | null;
  chorus_service_code: string | null;
  /** Liasse lifecycle status (see src/domain/lifecycle.ts). */
  status: string;
  format: string | null;
  profile: string | null;
  document_type: string;
  type_code: string | null;
  number: string | null;
  issue_date: string | null;
  due_date: string | null;
  currency: string | null;
  buyer_reference: string | null;
  order_reference: string | null;
  contract_reference: string | null;
  seller_name: string | null;
  seller_siret: string | null;
  seller_vat_id: string | null;
  buyer_siret: string | null;
  iban: string | null;
  amount_ht: string | null;
  amount_tva: string | null;
  amount_ttc: string | null;
  amount_payable: string | null;
  /** amount_ttc in integer cents, for range filters and sorting. */
  amount_ttc_cents: number | null;
  without_metadata: number;
  /** The full EN 16931 model (src/domain/invoice.ts) as JSON. */
  model_json: string | null;
  /** sha256 of the pivot XML and of the original file (PJ 01) in the blob store. */
  pivot_sha256: string | null;
  original_sha256: string | null;
  pdf_sha256: string | null;
  quarantined: number;
  quarantine_reason: string | null;
  /** Taken in as history on a first sync: not shown as work to do. */
  history_only: number;
  created_at: string;
  updated_at: string;
};

export type InvoiceLineTable = {
  invoice_id: string;
  position: number;
  line_id: string | null;
  name: string | null;
  quantity: string | null;
  unit_code: string | null;
  net_price: string | null;
  net_amount: string | null;
  vat_category: string | null;
  vat_rate: string | null;
};

export type InvoiceVatTable = {
  invoice_id: string;
  position: number;
  category: string | null;
  rate: string | null;
  taxable_amount: string | null;
  tax_amount: string | null;
  exemption_reason: string | null;
};

export type InvoiceFileTable = {
  invoice_id: string;
  position: number;
  /** original | attachment | pivot | pdf */
  role: string;
  filename: string;
  mime_type: string | null;
  size: number;
  sha256: string;
};

export type ChorusHistoryTable = {
  id: string;
  invoice_id: string;
  status: string;
  at: string;
  comment: string | null;
  /** The cycle number: 1, then +1 after each COMPLETEE or recycled redeposit. */
  cycle: number;
};

export type AuditLogTable = {
  seq: number;
  at: string;
  tenant_id: string | null;
  actor: string;
  action: string;
  entity: string;
  entity_id: string | null;
  data_json: string | null;
  prev_hash: string;
  hash: string;
};

export type SequenceTable = {
  name: string;
  value: number;
};

