// Typed requests and responses of the Chorus Pro recipient-side API (PISTE), as described in
// ../shared/reference/chorus-pro/API.md and the fixtures. The client and the simulator share them,
// so a field renamed here breaks both at compile time. Amounts are JSON numbers on the wire (that is
// what Chorus sends); convert them with `Decimal.parse(String(n))` before any arithmetic.
import { CHORUS_STATUS_CODES } from '../domain/lifecycle.ts';

/** Statuses of a FACTURE as `recupererEtatParTypeDemandePaiement` lists them (§3.1). */
export const CHORUS_STATUSES = [
  'BROUILLON',
  'A_VALIDER_1',
  'ERREUR_FOURNISSEUR_SUR_VALIDEUR',
  'REFUSEE_1',
  'VALIDEE_1',
  'ABSENCE_VALIDATION_1_HORS_DELAI',
  'A_VALIDER_2',
  'ERREUR_COTRAITANT_SUR_VALIDEUR',
  'REFUSEE_2',
  'VALIDEE_2',
  'ABSENCE_VALIDATION_2_HORS_DELAI',
  'DEPOSEE',
  'ERREUR_FOURNISSEUR_SUR_MOE',
  'EN_COURS_ACHEMINEMENT',
  'MISE_A_DISPOSITION',
  'A_RECYCLER',
  'SUSPENDUE',
  'REJETEE',
  'SERVICE_FAIT',
  'MANDATEE',
  'MISE_A_DISPOSITION_COMPTABLE',
  'COMPTABILISEE',
  'MISE_EN_PAIEMENT',
  'COMPLETEE',
  'PRISE_EN_COMPTE_DESTINATAIRE',
] as const;
export type ChorusStatus = (typeof CHORUS_STATUSES)[number];

/** Statuses a recipient may post with traiterFactureRecue (Pastell's validation list, §3.2). */
export const RECIPIENT_TARGET_STATUSES = [
  'MISE_A_DISPOSITION',
  'A_RECYCLER',
  'REJETEE',
  'SUSPENDUE',
  'SERVICE_FAIT',
  'MANDATEE',
  'MISE_A_DISPOSITION_COMPTABLE',
  'COMPTABILISEE',
  'MISE_EN_PAIEMENT',
] as const satisfies readonly ChorusStatus[];
export type RecipientTargetStatus = (typeof RECIPIENT_TARGET_STATUSES)[number];

/** Numeric status codes of the pivot's CycleDeValidation (CPPStatutPivot, §3.1); the table lives with the lifecycle. */
export const PIVOT_STATUS_CODES: Partial<Record<ChorusStatus, string>> = CHORUS_STATUS_CODES;

export type TypeDemandePaiement = 'FACTURE' | 'FACTURE_TRAVAUX' | 'MEMOIRE_JUSTICE' | 'DEMANDE_REMBOURSEMENT';
export type TypeFacture = 'FACTURE' | 'AVOIR' | 'ACOMPTE';

/** Every response carries these; 0 is success. */
export type ChorusEnvelope = { codeRetour: number; libelle: string };

// ---------------------------------------------------------------------------------------------
// Pagination

export type ParamRecherche = {
  pageResultatDemandee?: number; // 1-based
  nbResultatsParPage?: number;
  nbResultatsMaximum?: number;
  triSens?: 'Ascendant' | 'Descendant' | null;
  triColonne?: string | null;
};

/** Top-level pagination of invoice searches; every field may be null (official examples). */
export type PaginationRetour = {
  pageCourante: number | null;
  pages: number | null;
  nbResultatsParPage: number | null;
  total: number | null;
};

// ---------------------------------------------------------------------------------------------
// Invoices: search

export type RechercherFactureParRecipiendaireRequest = {
  typeDemandePaiement?: TypeDemandePaiement;
  idDestinataire?: number;
  idServiceExecutant?: number;
  numeroFacture?: string;
  listeFournisseurs?: { idFournisseur: number; listeIdService: number[] }[];
  listeTypeFacture?: TypeFacture[];
  listeTypeFactureTravaux?: string[];
  idStructureValideur?: number;
  cadreFacturation?: string;
  /** The official example sends a string, the Go client an array; the simulator accepts both. */
  statutCourant?: ChorusStatus | ChorusStatus[];
  periodeDateDepotDu?: string;
  periodeDateDepotAu?: string;
  periodeDateFactureDu?: string;
  periodeDateFactureAu?: string;
  /** Date (YYYY-MM-DD) or datetime (YYYY-MM-DDTHH:mm:ss): the key of incremental polling. */
  periodeDateHeureEtatCourantDu?: string;
  periodeDateHeureEtatCourantAu?: string;
  montantHTMin?: number;
  montantHTMax?: number;
  montantTTCMin?: number;
  montantTTCMax?: number;
  montantApayerMin?: number;
  montantApayerMax?: number;
  numeroMarche?: string;
  numeroBonCommande?: string;
  factureTelechargeeParDestinataire?: boolean;
  paramRecherche?: ParamRecherche;
};

/** One item of listeFactures (fixture CPPListeFactures.json). */
export type FactureRecipiendaire = {
  idFacture: number;
  numeroFacture: string;
  statut: ChorusStatus;
  typeDemandePaiement: TypeDemandePaiement;
  typeFacture: TypeFacture;
  typeFactureTravaux: string | null;
  idDestinataire: number;
  codeDestinataire: string;
  designationDestinataire: string;
  idServiceExecutant: number | null;
  codeServiceExecutant: string | null;
  nomServiceExecutant: string | null;
  codeFournisseur: string;
  typeIdentifiantFournisseur: string;
  designationFournisseur: string;
  codeServiceFournisseur: string | null;
  nomServiceFournisseur: string | null;
  dateDepot: string;
  dateFacture: string;
  /** Datetime of the last status change, "YYYY-MM-DDTHH:mm:ss" (Paris time on the real API). */
  dateHeureEtatCourant?: string;
  devise: string;
  montantHT: number;
  montantTTC: number;
  montantAPayer: number;
  numeroBonCommande: string | null;
  numeroMarche: string | null;
  factureTelechargeeParDestinataire: boolean;
};

export type RechercherFactureParRecipiendaireResponse = ChorusEnvelope &
  PaginationRetour & { listeFactures: FactureRecipiendaire[] };

/** The search filter of the paging iterator: the request without its pagination. */
export type SearchReceivedInvoicesFilter = Omit<RechercherFactureParRecipiendaireRequest, 'paramRecherche'> & {
  /** Results asked per page (default 500). */
  pageSize?: number;
};

export type RechercherFactureATraiterRequest = {
  idStructure?: number;
  parametreRechercheFactureATraiterParRecipiendaire?: ParamRecherche;
};

// ---------------------------------------------------------------------------------------------
// Invoices: detail

export type LignePoste = {
  lignePosteNumero: number;
  lignePosteReference: string | null;
  lignePosteDenomination: string;
  lignePosteQuantite: number;
  lignePosteUniteCode: string | null;
  lignePosteUniteLibelle: string | null;
  lignePosteMontantUnitaireHT: number;
  lignePosteMontantRemiseHT: number;
  lignePosteMontantHtApresRemise: number;
  lignePosteTauxTva: string;
  lignePosteTauxTvaManuel: number;
  lignePosteMontantTva: number;
  lignePosteMontantTtcApresRemise: number;
};

export type LigneTva = {
  ligneTvaTauxRefCode: string;
  ligneTvaTauxManuel: number;
  ligneTvaMontantBaseHtParTaux: number;
  ligneTvaMontantTvaParTaux: number;
};

export type PieceJointe = {
  pieceJointeId: number;
  pieceJointeIdLiaison: number;
  pieceJointeDesignation: string;
  pieceJointeExtension: string;
  pieceJointeTypeCode: string;
  pieceJointeTypeLibelle: string;
  pieceJointeNumeroLigneFacture: number | null;
};

export type FactureDetail = {
  identifiantFactureCPP: number;
  numeroFacture: string;
  statutFacture: ChorusStatus;
  modeDepot: string;
  commentaire: string | null;
  cadreDeFacturation: { codeCadreFacturation: string; [key: string]: unknown };
  destinataire: {
    idDestinataire: number;
    codeDestinataire: string;
    libelleDestinataire: string;
    idServiceExecutant: number | null;
    codeServiceExecutant: string | null;
    libelleServiceExecutant: string | null;
    destinataireEtat: string;
    [key: string]: unknown;
  };
  fournisseur: {
    idFournisseur: number;
    codeFournisseur: string;
    typeIdentifiantFournisseur: string;
    raisonSocialeFournisseur: string;
    coordBancairesFournisseur?: { coordBancairesFournisseurCompteBancaire?: string; [key: string]: unknown } | null;
    [key: string]: unknown;
  };
  references: {
    typeFacture: TypeFacture;
    typeTva: string | null;
    dateFacture: string;
    dateDepot: string;
    dateEcheancePaiement: string | null;
    codeDeviseFacture: string;
    modePaiement: string | null;
    numeroBonCommande: string | null;
    numeroMarche: string | null;
    numeroDpMandat: string | null;
    numeroFactureOrigine: string | null;
    motifExonerationTva: string | null;
    tailleTotalePiecesJointes: number;
    [key: string]: unknown;
  };
  montantTotal: {
    montantHtTotal: number;
    montantTVA: number;
    montantTtcTotal: number;
    montantTtcAvantRemiseGlobalTTC: number;
    montantRemiseGlobaleTTC: number;
    motifRemiseGlobaleTTC: string | null;
    montantAPayer: number;
  };
  lignesDePoste: {
    lignePoste: LignePoste[];
    nbResultatsParPageLignesPoste: number | null;
    pageCouranteLignesPoste: number | null;
    pagesLignesPoste: number | null;
    totalLignesPoste: number | null;
  };
  recapitulatifDeTva: {
    ligneTva: LigneTva[];
    [key: string]: unknown;
  };
  listeDesPiecesJointes: {
    pieceJointe: PieceJointe[];
    [key: string]: unknown;
  };
  pieceJointePrincipale: { idPieceJointePrincipale: number; idLiaisonPieceJointePrincipale: number }[];
  [key: string]: unknown;
};

export type ConsulterFactureResponse = ChorusEnvelope & { facture: FactureDetail };

// ---------------------------------------------------------------------------------------------
// Invoices: history, download, processing

export type HistoStatut = {
  histoStatutId: number;
  histoStatutCode: ChorusStatus;
  /** "YYYY-MM-DD HH:mm" in the fixture. */
  histoStatutDatePassage: string;
  histoStatutCommentaire: string;
  histoStatutUtilisateurNom: string;
  histoStatutUtilisateurPrenom: string;
  histoStatutUtilisateurEmail?: string | null;
  histoStatutUtilisateurTelephone?: string | null;
};

export type ConsulterHistoriqueResponse = ChorusEnvelope & {
  idFacture: number;
  numeroFacture: string;
  modeDepot: string;
  statutCourantCode: ChorusStatus;
  derniereAction?: { derniereActionCode: string; derniereActionId: number } | null;
  historiquesDesStatuts: {
    /** Newest first, as Chorus sorts by default. */
    histoStatut: HistoStatut[];
    nbResultatsParPageHistoStatut: number | null;
    pageCouranteHistoStatut: number | null;
    pagesHistoStatut: number | null;
    totalHistoStatut: number | null;
  };
  historiquesDesActionsUtilisateurs?: unknown;
  historiquesDesEvenementsComplementaires?: unknown;
};

export type TelechargerGroupeRequest = {
  format: 'PIVOT' | 'PDF';
  idFactures: number[];
  /** Only used with PDF; PIVOT always carries the attachments. */
  avecPiecesJointesComplementaires?: boolean;
};

export type TraiterFactureRecueRequest = {
  idFacture: number;
  nouveauStatut: RecipientTargetStatus;
  /** Required for REJETEE and SUSPENDUE (at most 255 characters). */
  motif?: string;
  /** The mandat number, sent with MANDATEE. */
  numeroDPMandat?: string;
};

export type TraiterFactureRecueResponse = ChorusEnvelope & {
  dateTraitement: string;
  idFacture: number;
  nouveauStatut: ChorusStatus;
  numeroFacture: string;
};

// ---------------------------------------------------------------------------------------------
// Structures and services

export type StructureActive = { idStructureCPP: number; identifiant: string; designationStructure: string };

export type ServiceStructure = {
  idService: number;
  codeService: string;
  libelleService: string;
  estActif: boolean;
  statutService?: string;
  dateDbtService: string | null;
  dateFinService: string | null;
};

export type ParametresRetour = {
  nbResultatsParPage: number | null;
  pageCourante: number | null;
  pages: number | null;
  total: number | null;
};

export type ConsulterStructureResponse = ChorusEnvelope & {
  informationGenerales: {
    idStructureCPP: number;
    identifiantStructure: string;
    typeIdentifiantStructure: string;
    raisonSocialeStructure: string;
    libelleStructure?: string;
    dateExpirationMotPasseCompteTech?: string | null;
    [key: string]: unknown;
  };
  adressePostaleDuSiege?: Record<string, unknown>;
  parametres: {
    codeServiceDoitEtreRenseigne: boolean;
    numeroEJDoitEtreRenseigne: boolean;
    gestionNumeroEJOuCodeService: boolean;
    statutMiseEnPaiementNestPasRemonte: boolean;
    [key: string]: unknown;
  };
  [key: string]: unknown;
};

export type ConsulterServiceResponse = ChorusEnvelope & {
  informationsGenerales: { codeService: string; nomService: string; descriptionService: string | null };
  parametres: { numeroEngagement: boolean; miseEnPaiement: boolean; dateDebutValidite: string | null; dateFinValidite: string | null };
  adressePostale?: Record<string, unknown> | null;
};

export type RechercherStructureRequest = {
  structure?: {
    identifiantStructure?: string;
    typeIdentifiantStructure?: string;
    raisonSocialeStructure?: string;
    statutStructure?: string;
    typeStructure?: 'PUBLIQUE' | 'PRIVEE';
  };
  restreindreStructuresPrivees?: boolean;
  parametres?: ParamRecherche;
};

export type StructureTrouvee = {
  idStructureCPP: number;
  identifiantStructure: string;
  designationStructure: string;
  typeIdentifiantStructure: string;
  statut: string;
};

export type Rattachement = {
  idStructure: number;
  identifiantStructure: string;
  designationStructure: string;
  roleUtilisateur: string;
  statutRattachementStructure: string;
  listeServicesRattache: { idService: number; codeService: string; libelleService: string; estActif: boolean }[];
};

// ---------------------------------------------------------------------------------------------
// Diagnosis of `liasse chorus check`

export type ChorusCheckPart = 'network' | 'piste-application' | 'technical-account' | 'structure-access';

export type ChorusCheckStep = {
  part: ChorusCheckPart;
  ok: boolean;
  /** A French sentence a person can act on. */
  message: string;
  durationMs: number;
};

export type ChorusDiagnosis = {
  ok: boolean;
  /** The first part found wrong, null when everything works. */
  failedPart: ChorusCheckPart | null;
  steps: ChorusCheckStep[];
  structures: StructureActive[];
  /** Non-blocking observations (e.g. the technical password expires soon). */
  warnings: string[];
};
