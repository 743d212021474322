// Row types of the publishing tables (migration 0006): the outbox of Chorus statuses to post, the
// log of every attempt, and the per-authority publishing settings.

/** pending → in_progress (leased) → posted | skipped; failed rows wait for a person (retry). */
export type PublishState = 'pending' | 'in_progress' | 'posted' | 'skipped' | 'failed';

export type PublishOutboxTable = {
  id: string;
  tenant_id: string;
  invoice_id: string;
  /** Order of the row among the invoice's rows: 1, 2, …; posted strictly in this order. */
  seq: number;
  /** idFacture at the time of the decision. */
  chorus_id: number;
  /** The Chorus status to post (nouveauStatut). */
  status: string;
  motif: string | null;
  numero_dp_mandat: string | null;
  state: PublishState;
  /** How the row ended: posted | already_reached | helios | resynchronised; null while open. */
  resolution: string | null;
  attempts: number;
  next_attempt_at: string;
  lease_owner: string | null;
  lease_until: string | null;
  /**
   * JSON array of the histoStatutId Chorus listed before our first post: an entry with our status
   * and an id outside this list proves a previous attempt reached Chorus.
   */
  history_baseline: string | null;
  last_error: string | null;
  /** "user:<id>", "cli", "system" … who took the decision. */
  actor: string;
  created_at: string;
  updated_at: string;
  done_at: string | null;
};

export type PublishAttemptTable = {
  id: string;
  outbox_id: string;
  tenant_id: string;
  invoice_id: string;
  attempt: number;
  worker: string;
  started_at: string;
  finished_at: string;
  /** posted | already_reached | retry | failed | skipped */
  outcome: string;
  http_status: number | null;
  code_retour: number | null;
  message: string | null;
};

export type PublishSettingsTable = {
  tenant_id: string;
  /** 1 when Hélios keeps the authority's accounts (it posts MISE_A_DISPOSITION_COMPTABLE, MISE_EN_PAIEMENT). */
  helios_keeps_accounts: number;
  updated_at: string;
};
