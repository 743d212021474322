// The simulator's own data model. Amounts are exact decimal strings computed with Decimal; they
// become JSON numbers only at the wire, as the real API sends them.
import type { ChorusStatus, TypeFacture } from '../types.ts';

export type Address = { line1: string; line2: string | null; postCode: string; city: string; countryCode: string };

export type SimService = {
  idService: number;
  codeService: string;
  libelleService: string;
  estActif: boolean;
  /** Service parameter "numéro d'engagement obligatoire". */
  engagementRequired: boolean;
  miseEnPaiement: boolean;
  dateDebut: string;
  dateFin: string | null;
};

export type BudgetKind = 'principal' | 'annexe';

export type SimStructure = {
  idStructureCPP: number;
  siret: string;
  name: string;
  budget: BudgetKind;
  /** Short budget label: "Budget principal", "Budget annexe de l'eau", … */
  budgetLabel: string;
  address: Address;
  codeServiceDoitEtreRenseigne: boolean;
  numeroEJDoitEtreRenseigne: boolean;
  /** Whether the technical account is attached to it (only attached structures are visible). */
  attached: boolean;
  services: SimService[];
};

export type SimSupplier = {
  idFournisseur: number;
  siret: string;
  name: string;
  vatId: string;
  iban: string;
  bic: string;
  bankName: string;
  address: Address;
  category: string;
  invoicePrefix: string;
  /** False for the suppliers deliberately left out of the referential (unknown supplier anomaly). */
  inReferential: boolean;
};

export type SimEngagement = {
  numero: string;
  structureId: number;
  structureSiret: string;
  supplierSiret: string;
  serviceCode: string | null;
  amountHT: string;
  amountTTC: string;
  vatRate: string;
  numeroMarche: string | null;
  dateEngagement: string;
  /** Sum of the TTC of the invoices issued against it (seeded). */
  consumedTTC: string;
  /** Already consumed by mandats outside Chorus before the first invoice (exhausted-engagement anomaly). */
  consumedBeforeTTC: string;
};

export type SimLine = {
  id: string;
  reference: string;
  name: string;
  quantity: string;
  unitCode: string;
  unitPrice: string;
  netAmount: string;
  vatRate: string;
  vatCategory: string;
};

export type SimVat = {
  rate: string;
  category: string;
  base: string;
  amount: string;
  exemptionReason: string | null;
  exemptionReasonCode: string | null;
};

export type SimTotals = { ht: string; tva: string; ttc: string; apayer: string };

export type SimHisto = {
  id: number;
  code: ChorusStatus;
  /** Paris local time, "YYYY-MM-DDTHH:mm:ss". */
  at: string;
  commentaire: string;
  nom: string;
  prenom: string;
  email: string | null;
};

export type InvoiceForm = 'UBL' | 'CII' | 'FACTURX' | 'PDF';

export type PlantedAnomaly =
  | 'duplicate'
  | 'changed-iban'
  | 'ht-ttc-confusion'
  | 'unknown-supplier'
  | 'exhausted-engagement'
  | 'credit-note-without-original'
  | 'engagement-typo'
  | 'engagement-missing'
  | 'service-missing'
  | 'malformed-original';

export type SimAttachment = {
  name: string;
  mimeType: string;
  description: string;
  /** Generated content kind, or "stored" for a file given to /_sim/deposit. */
  kind: 'bon-livraison' | 'proces-verbal' | 'releve' | 'stored';
  /** For stored files: key in the simulator's file store. */
  fileKey?: string;
};

export type SimInvoice = {
  idFacture: number;
  numeroFacture: string;
  typeFacture: TypeFacture;
  cadre: 'A1_FACTURE_FOURNISSEUR';
  form: InvoiceForm;
  modeDepot: 'DEPOT_PDF_API' | 'SAISIE_API' | 'FLUX' | 'PORTAIL_PDF';
  structureId: number;
  serviceId: number | null;
  supplierId: number;
  /** IBAN printed on the invoice (differs from the supplier's for the changed-IBAN anomaly). */
  iban: string;
  dateFacture: string;
  dateDepot: string;
  dateEcheance: string;
  devise: string;
  lines: SimLine[];
  vat: SimVat[];
  totals: SimTotals;
  numeroBonCommande: string | null;
  numeroMarche: string | null;
  numeroFactureOrigine: string | null;
  numeroDpMandat: string | null;
  statut: ChorusStatus;
  dateHeureEtatCourant: string;
  history: SimHisto[];
  downloaded: boolean;
  attachments: SimAttachment[];
  malformed: null | 'truncated-xml' | 'broken-pdf';
  anomalies: PlantedAnomaly[];
  /** For a planted duplicate: the id of the invoice it duplicates. */
  duplicateOf: number | null;
  commentaire: string | null;
  /** 0 for the first processing cycle; +1 on every recycle / completion. */
  cycle: number;
  /** A file deposited through /_sim/deposit: the original is stored, not generated. */
  storedOriginal: { fileKey: string; name: string; mimeType: string } | null;
};

export type SimAuthority = { name: string; siren: string; city: string; department: string };

export type SimDataset = {
  seed: string;
  referenceDate: string;
  authority: SimAuthority;
  structures: SimStructure[];
  suppliers: SimSupplier[];
  engagements: SimEngagement[];
  invoices: SimInvoice[];
};
