// Row types of the authority's referential (migration 0002): what the accounting software knows.
// Engagement amounts are integer cents (filtered and summed in SQL); remaining = amount − liquidated,
// in HT or TTC according to the budget's VAT regime.

export type BudgetTable = {
  id: string;
  tenant_id: string;
  code: string;
  label: string;
  /** SIRET of the Chorus structure that receives this budget's invoices. */
  siret: string;
  /** 'HT' when the budget recovers VAT (mandats in HT), else 'TTC'. */
  vat_regime: string;
  nomenclature: string | null;
  codcol: string | null;
  codbud: string | null;
  idpost: string | null;
  created_at: string;
  updated_at: string;
};

export type ExerciceTable = {
  id: string;
  tenant_id: string;
  budget_id: string;
  year: number;
  open: number;
};

export type ServiceTable = {
  id: string;
  tenant_id: string;
  code: string;
  label: string;
  /** The Chorus service code (BT-10) routed to this internal service. */
  chorus_service_code: string | null;
};

export type TiersTable = {
  id: string;
  tenant_id: string;
  siret: string;
  siren: string | null;
  vat_id: string | null;
  name: string;
  address: string | null;
  /** JSON array of the IBANs known for this tiers. */
  ibans_json: string;
  created_at: string;
  updated_at: string;
};

export type MarcheTable = {
  id: string;
  tenant_id: string;
  numero: string;
  tiers_id: string | null;
  objet: string | null;
};

export type EngagementTable = {
  id: string;
  tenant_id: string;
  numero: string;
  /** Upper case, no spaces or separators: what matching compares. */
  numero_normalized: string;
  exercice: number;
  budget_id: string;
  tiers_id: string | null;
  service_code: string | null;
  /** 'F' fonctionnement or 'I' investissement. */
  section: string | null;
  chapitre: string | null;
  nature: string | null;
  fonction: string | null;
  operation: string | null;
  objet: string | null;
  marche: string | null;
  amount_ttc_cents: number;
  amount_ht_cents: number | null;
  liquidated_ttc_cents: number;
  liquidated_ht_cents: number;
  /** open | closed | cancelled */
  status: string;
  created_at: string;
  updated_at: string;
};

/** An invoice tied to an engagement (one invoice may be split over several). */
export type InvoiceAllocationTable = {
  id: string;
  tenant_id: string;
  invoice_id: string;
  engagement_id: string;
  amount_ttc_cents: number;
  amount_ht_cents: number | null;
  /** 'auto' (clear match) or 'user' */
  source: string;
  confirmed_by: string | null;
  created_at: string;
};
