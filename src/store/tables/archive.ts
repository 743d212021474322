// Row types of the deadlines, alerts, archive and sharing tables (migration 0007).

/** The ECB main refinancing rate of each half-year (editable); the legal rate adds `margin` points. */
export type LateInterestRateTable = {
  /** 1 January or 1 July. */
  valid_from: string;
  /** Percent, decimal string ("4.50"). */
  ecb_rate: string;
  /** Points added, decimal string ("8"). */
  margin: string;
  updated_by: string;
  updated_at: string;
};

/** Who receives the daily digest of invoices at risk: per internal service code, or all (null). */
export type AlertRecipientTable = {
  id: string;
  tenant_id: string;
  /** services.code; null = every service of the tenant. */
  service_code: string | null;
  email: string;
  created_at: string;
};

/** One digest sent (or attempted) per tenant, service and day: a second run the same day does not resend. */
export type AlertDigestTable = {
  id: string;
  tenant_id: string;
  service_code: string;
  day: string;
  recipients: string;
  invoice_count: number;
  /** sent | failed */
  status: string;
  message_id: string | null;
  error: string | null;
  sent_at: string;
};

export type WebhookEndpointTable = {
  id: string;
  tenant_id: string;
  url: string;
  /** HMAC-SHA256 key of the X-Liasse-Signature header. */
  secret: string;
  /** JSON array of event types ("invoice.*" patterns), or null for all. */
  events_json: string | null;
  active: number;
  created_at: string;
};

/** pending → delivered | failed (after max attempts); retried with back-off. */
export type WebhookDeliveryTable = {
  id: string;
  tenant_id: string;
  endpoint_id: string;
  event_type: string;
  /** Unique per event: endpoints may use it to ignore a redelivery. */
  event_id: string;
  payload_json: string;
  status: string;
  attempts: number;
  next_attempt_at: string;
  last_status: number | null;
  last_error: string | null;
  created_at: string;
  delivered_at: string | null;
};

/** Retention per document class; tenant_id null = the installation default. */
export type RetentionRuleTable = {
  id: string;
  tenant_id: string | null;
  /** facture | mandat | bordereau | pes | acquit | … */
  document_class: string;
  years: number;
  /** 'exercice_end': counted from 31 December of the exercice. */
  start: string;
  /** destroy | keep (conservation définitive) */
  final_action: string;
  /** The SEDA AppraisalRule code agreed with the archives service, e.g. "APP0010Y". */
  appraisal_rule_code: string | null;
  updated_by: string;
  updated_at: string;
};

/** An elimination proposal: a list of documents past retention, waiting for the archivist's visa. */
export type EliminationProposalTable = {
  id: string;
  tenant_id: string;
  /** proposed | approved | rejected | executed */
  status: string;
  item_count: number;
  created_by: string;
  created_at: string;
  decided_by: string | null;
  decided_at: string | null;
  /** The archivist's visa reference or the reason of a refusal. */
  decision_note: string | null;
  executed_by: string | null;
  executed_at: string | null;
};

export type EliminationItemTable = {
  proposal_id: string;
  /** invoice | mandat | bordereau */
  entity: string;
  entity_id: string;
  document_class: string;
  exercice: number;
  label: string;
  retention_end: string;
  /** JSON array of the sha256 of the files this item holds (destroyed on execution). */
  files_json: string;
};

/** A read-only link to an invoice's dossier; only the token's hash is stored. */
export type ShareLinkTable = {
  id: string;
  tenant_id: string;
  invoice_id: string;
  token_hash: string;
  /** Who it is for ("fournisseur", "commissaire aux comptes …"). */
  recipient: string | null;
  created_by: string;
  created_at: string;
  expires_at: string;
  revoked_at: string | null;
  revoked_by: string | null;
  open_count: number;
  last_opened_at: string | null;
};
