// The inputs and outputs of matching. Pure data: the application loads them from the store
// (src/app/match/), the domain ranks and explains (./match.ts). Amounts are decimal strings on the
// invoice side and integer cents on the engagement side, compared through Decimal only.
import type { DecimalString, DocumentType, IsoDate } from '../invoice.ts';
import type { NumberMatchKind } from './engagement-number.ts';

export type VatRegime = 'HT' | 'TTC';

export type MatchInvoice = {
  id: string;
  documentType: DocumentType;
  number: string | null;
  issueDate: IsoDate | null;
  sellerSiret: string | null;
  sellerName: string | null;
  buyerSiret: string | null;
  /** Chorus service code (BT-10). */
  serviceCode: string | null;
  /** BT-13: the engagement number(s) the supplier quoted. */
  orderReference: string | null;
  /** BT-12: the marché. */
  contractReference: string | null;
  iban: string | null;
  amountHt: DecimalString | null;
  amountTva: DecimalString | null;
  amountTtc: DecimalString | null;
  /** BT-25: the invoices a credit note corrects. */
  precedingInvoices: string[];
  withoutMetadata: boolean;
};

export type MatchTiers = {
  id: string;
  siret: string;
  siren: string | null;
  name: string;
  ibans: string[];
};

export type MatchBudget = { id: string; code: string; vatRegime: VatRegime; siret: string };

export type MatchEngagement = {
  id: string;
  numero: string;
  exercice: number;
  budget: MatchBudget;
  tiers: MatchTiers | null;
  /** Internal service code of the engagement. */
  serviceCode: string | null;
  /** Chorus service codes routed to that internal service (services table). */
  chorusServiceCodes: string[];
  marche: string | null;
  objet: string | null;
  /** open | closed | cancelled */
  status: string;
  amountTtcCents: number;
  amountHtCents: number | null;
  /** Engaged − liquidated − allocated to other invoices not yet mandated. */
  remainingTtcCents: number;
  remainingHtCents: number | null;
  exerciceOpen: boolean;
};

/** Another invoice of the same supplier (for duplicates and credit notes). */
export type SiblingInvoice = {
  id: string;
  chorusId: number;
  number: string | null;
  documentType: DocumentType;
  issueDate: IsoDate | null;
  amountTtc: DecimalString | null;
  /** When it reached the authority: the later of two duplicates is the one flagged. */
  receivedAt: string | null;
  status: string;
};

export type MatchInput = {
  invoice: MatchInvoice;
  /** The invoice's own received instant and Chorus id, to tell the original from its duplicate. */
  receivedAt: string | null;
  chorusId: number;
  /** The tiers whose SIRET is the seller's, else one of the same SIREN, else null. */
  tiers: MatchTiers | null;
  /** Engagements designated by the order reference (with how), and the open ones of the tiers. */
  numberHits: { engagement: MatchEngagement; kind: NumberMatchKind; reference: string }[];
  tiersEngagements: MatchEngagement[];
  siblings: SiblingInvoice[];
};

export type AnomalyCode =
  | 'duplicate'
  | 'iban_unknown'
  | 'credit_note_without_original'
  | 'ht_ttc_inconsistent'
  | 'unknown_supplier'
  | 'engagement_exhausted';

export type Anomaly = { code: AnomalyCode; message: string };

export type Candidate = {
  engagement: { id: string; numero: string; exercice: number; budget: string };
  score: number;
  reasons: string[];
  numberMatch: NumberMatchKind | null;
  supplierAgrees: boolean;
  amountFits: boolean;
};

export type SplitPart = { engagementId: string; numero: string; amountCents: number; base: VatRegime };

export type MatchStatus = 'matched' | 'suggested' | 'none';

export type MatchResult = {
  invoiceId: string;
  status: MatchStatus;
  engagement: { id: string; numero: string } | null;
  score: number;
  reasons: string[];
  anomalies: Anomaly[];
  candidates: Candidate[];
  /** Set when the invoice is spread over several engagements. */
  split: SplitPart[] | null;
};
