// Row types of matching and search (migrations 0004, 0009 and 0010). `invoice_search` is the single window's
// denormalised row per invoice (filters, sort keys, normalised full text); `invoice_search_facets`
// holds counts per combination of the facet dimensions, kept by triggers, so facet counts over
// millions of invoices cost a few thousand rows instead of a scan. `invoice_matches` stores the last
// matching result of each invoice.
import type { Generated } from 'kysely';

export type InvoiceSearchTable = {
  /** Integer key: the FTS5 rowid on SQLite, the keyset tiebreaker on both databases. */
  seq: Generated<number>;
  invoice_id: string;
  tenant_id: string;
  /** Liasse status (copied from invoices by a trigger when it changes). */
  status: string;
  /** Chorus status, '' when unknown (copied from invoices by a trigger). */
  chorus_status: string;
  supplier_siret: string;
  /** Supplier name normalised (lower case, no accents): the sort key. */
  supplier_key: string;
  supplier_name: string;
  number: string;
  /** -1 when unknown (never NULL, so sorting is the same on both databases). */
  amount_ttc_cents: number;
  /** '' when unknown. */
  issue_date: string;
  /** Date the invoice reached the authority (made available, else deposited), YYYY-MM-DD. */
  received_date: string;
  without_metadata: number;
  document_type: string;
  /** Budget code of the confirmed or matched engagement, '' when none. */
  budget_code: string;
  /** Exercice of that engagement, 0 when none. */
  exercice: number;
  /** Internal service code (services table) or the Chorus service code, '' when none. */
  service_code: string;
  /** confirmed | matched | suggested | none | pending (never run). */
  match_state: string;
  engagement_numero: string;
  anomaly: number;
  /** Anomaly codes separated and surrounded by spaces (" duplicate iban_unknown "), '' when none. */
  anomaly_codes: string;
  /** Expiry of the délai global de paiement (YYYY-MM-DD) when computable, else null. */
  dgp_expiry: string | null;
  /**
   * State of the délai global de paiement at indexing (migration 0009): running | suspended | paid,
   * '' when it cannot start (no date). A running delay's expiry does not move with the calendar.
   */
  dgp_state: Generated<string>;
  // SQLite only, not typed here: text_key, a virtual generated column (received date × 2^31 + seq,
  // migration 0010), the FTS5 rowid; search.ts and the triggers use it in raw SQL.
  /** The normalised searchable text (ASCII lower case words), also indexed by FTS5 / tsvector. */
  document: string;
  indexed_at: string;
};

export type InvoiceSearchFacetTable = {
  tenant_id: string;
  status: string;
  chorus_status: string;
  budget_code: string;
  exercice: number;
  service_code: string;
  match_state: string;
  anomaly: number;
  without_metadata: number;
  /** Anomaly code combination as in invoice_search (migration 0009). */
  anomaly_codes: string;
  n: number;
};

export type InvoiceMatchTable = {
  invoice_id: string;
  tenant_id: string;
  /** matched | suggested | none | confirmed */
  status: string;
  engagement_id: string | null;
  score: number;
  /** The full MatchResult (candidates, reasons, anomalies, split) as JSON. */
  result_json: string;
  anomaly_codes: string;
  computed_at: string;
};
