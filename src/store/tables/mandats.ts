// Row types of the mandatement tables (migration 0005): mandats and their lines, the PJ sent with
// them, bordereaux and the acknowledgements (PES_Acquit) received for them. Amounts are decimal
// strings plus integer cents where SQL sums or compares them.

/** A mandat (ordre de payer) or an annulation/réduction mandat, numbered per (budget, exercice). */
export type MandatTable = {
  id: string;
  tenant_id: string;
  budget_id: string;
  exercice: number;
  /** Gap-free from 1 per (budget, exercice); never changed once given. */
  numero: number;
  /** 'ordinaire' | 'annulation' */
  kind: string;
  /** pending | in_bordereau | sent | accepted | to_correct | cancelled (src/domain/mandat/status.ts) */
  status: string;
  /** The bordereau that carries it now (null while pending). */
  bordereau_id: string | null;
  tiers_id: string;
  /** The first invoice of the mandat (a mandat may gather several invoices of one tiers). */
  invoice_id: string | null;
  /** For an annulation/réduction: the mandat it reduces. */
  original_mandat_id: string | null;
  objet: string;
  service_code: string | null;
  /** PES TypPce / NatPce. */
  typ_pce: string;
  nat_pce: string;
  /** PES ModRegl (03 virement, …). */
  mode_reglement: string;
  iban: string | null;
  bic: string | null;
  account_holder: string | null;
  invoice_numbers: string | null;
  /** 'HT' or 'TTC': the budget's VAT regime when the mandat was made. */
  vat_regime: string;
  amount_ht: string;
  amount_tva: string;
  amount_ttc: string;
  amount_ht_cents: number;
  amount_tva_cents: number;
  amount_ttc_cents: number;
  /** What the engagements were charged: HT or TTC according to vat_regime. */
  liquidated_cents: number;
  dgp_start: string | null;
  dgp_expiry: string | null;
  dgp_days: number | null;
  /** Annulation/réduction motive, or the accountant's reason when the bordereau was rejected. */
  reason: string | null;
  correction_reason: string | null;
  created_by: string;
  created_at: string;
  updated_at: string;
  sent_at: string | null;
  acknowledged_at: string | null;
};

/** One imputation of a mandat: an (invoice, engagement) allocation. */
export type MandatLineTable = {
  mandat_id: string;
  line_no: number;
  invoice_id: string | null;
  engagement_id: string;
  invoice_number: string | null;
  section: string | null;
  chapitre: string | null;
  nature: string;
  fonction: string | null;
  operation: string | null;
  amount_ht: string;
  amount_tva: string;
  amount_ttc: string;
  amount_ht_cents: number;
  amount_tva_cents: number;
  amount_ttc_cents: number;
  liquidated_cents: number;
};

/** A pièce justificative sent with a mandat; id_unique is never given twice. */
export type MandatPjTable = {
  id: string;
  tenant_id: string;
  mandat_id: string;
  position: number;
  invoice_id: string | null;
  /** original | attachment */
  role: string;
  filename: string;
  mime_type: string;
  size: number;
  sha256: string;
  id_unique: string;
  description: string;
  /** Set when a re-emission minted a new IdUnique for the same file. */
  superseded_at: string | null;
  created_at: string;
};

export type BordereauTable = {
  id: string;
  tenant_id: string;
  budget_id: string;
  exercice: number;
  numero: number;
  /** PES TypBord: '01' ordinaire, '02' annulation/réduction. */
  typ_bord: string;
  /** ready | sent | accepted | rejected | partially_rejected */
  status: string;
  mandat_count: number;
  total_ht: string;
  total_tva: string;
  total_ttc: string;
  total_ht_cents: number;
  total_tva_cents: number;
  total_ttc_cents: number;
  /** NomFic of the PES_Aller (echoed in the acquittement); fixed at the first generation. */
  pes_filename: string | null;
  pes_sha256: string | null;
  pes_size: number | null;
  channel: string | null;
  transmission_id: string | null;
  transmission_status: string | null;
  rejection_reason: string | null;
  created_by: string;
  created_at: string;
  updated_at: string;
  sent_at: string | null;
  acknowledged_at: string | null;
};

/** Which mandats a bordereau carried (a mandat to correct goes into a later bordereau too). */
export type BordereauMandatTable = {
  bordereau_id: string;
  mandat_id: string;
  position: number;
};

export type AcquitTable = {
  id: string;
  tenant_id: string | null;
  bordereau_id: string | null;
  nom_fic: string;
  accepted: number;
  /** The PES_Acquit file in the blob store. */
  sha256: string;
  summary_json: string;
  imported_by: string;
  imported_at: string;
};
