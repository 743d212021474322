// The /cpro endpoints of the simulator: request normalisation (the variants real clients send),
// filters, pagination, and the response shapes of API.md and the fixtures.
import { Decimal } from '../../domain/money.ts';
import { CHORUS_STATUSES, RECIPIENT_TARGET_STATUSES, type ChorusStatus, type FactureRecipiendaire } from '../types.ts';
import type { SimInvoice, SimStructure } from './model.ts';
import { possibleTargets } from './state-machine.ts';
import { parisNow, type SimState } from './store.ts';
import { pdfViewOf, attachmentsOf, pivotFilesOf } from './documents/index.ts';
import { writePivot } from './documents/pivot.ts';
import { zip } from './documents/zip.ts';

/** Functional codes (codeRetour). 0, 20000 and 20002 are the real ones; the others are ours. */
export const CODES = {
  OK: { codeRetour: 0, libelle: 'TRA_MSG_00.000' },
  NO_RESULT: { codeRetour: 20000, libelle: 'TRA_MSG_00.015' },
  FORBIDDEN_TRANSITION: { codeRetour: 20002, libelle: "Incohérence au niveau du statut d'origine ou de destination de la facture." },
  INVALID_PARAMETER: { codeRetour: 20003, libelle: 'Paramètre obligatoire absent ou invalide' },
  UNKNOWN_INVOICE: { codeRetour: 20004, libelle: 'GDP_MSG_11.008 : La demande de paiement est inconnue du système.' },
  UNKNOWN_STRUCTURE: { codeRetour: 20005, libelle: 'La structure ou le service est inconnu.' },
} as const;

export type ErrorStyle = 'mixed' | 'http200' | 'http400';

export type ApiResult = { status: number; body: unknown };

export type ApiSettings = {
  errorStyle: ErrorStyle;
  nullPagination: boolean;
  maxDownloadBytes: number;
  login: string;
  passwordExpiry: string;
};

type Body = Record<string, unknown>;

/** PascalCase keys (old examples, the fixtures) → camelCase; triSense → triSens. */
export function normalizeKeys(body: unknown): Body {
  if (!body || typeof body !== 'object' || Array.isArray(body)) return {};
  const out: Body = {};
  for (const [key, value] of Object.entries(body as Body)) {
    let name = key.charAt(0).toLowerCase() + key.slice(1);
    if (name === 'triSense') name = 'triSens';
    out[name] = value && typeof value === 'object' && !Array.isArray(value) ? normalizeKeys(value) : value;
  }
  return out;
}

function functional(code: { codeRetour: number; libelle: string }, preferred: 200 | 400, settings: ApiSettings, detail?: string): ApiResult {
  const status = settings.errorStyle === 'http200' ? 200 : settings.errorStyle === 'http400' ? 400 : preferred;
  return { status, body: { codeRetour: code.codeRetour, libelle: detail ? `${code.libelle} : ${detail}` : code.libelle } };
}

function int(value: unknown): number | undefined {
  if (value === null || value === undefined || value === '') return undefined;
  const number = typeof value === 'number' ? value : Number(value);
  return Number.isInteger(number) ? number : Number.NaN;
}

function decimal(value: unknown): Decimal | undefined {
  if (value === null || value === undefined || value === '') return undefined;
  return Decimal.tryParse(String(value)) ?? undefined;
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined;
}

function wire(amount: string): number {
  // JSON numbers at the wire only, as Chorus sends them (the fixtures show 9822.5).
  return Number(amount);
}

type Page = { page: number; size: number; max: number; sens: 'Ascendant' | 'Descendant'; colonne: string | null };

function pageOf(params: Body | undefined, pageKey = 'pageResultatDemandee', sizeKey = 'nbResultatsParPage'): Page {
  const p = params ?? {};
  const page = int(p[pageKey]);
  const size = int(p[sizeKey]);
  const max = int(p.nbResultatsMaximum);
  return {
    page: page && page > 0 ? page : 1,
    // The real default page is small (10): clients that forget to paginate miss invoices.
    size: size && size > 0 ? Math.min(size, 10_000) : 10,
    max: max && max > 0 ? max : Number.MAX_SAFE_INTEGER,
    sens: p.triSens === 'Descendant' ? 'Descendant' : 'Ascendant',
    colonne: text(p.triColonne) ?? null,
  };
}

function paginate<T>(items: T[], page: Page, settings: ApiSettings) {
  const capped = items.slice(0, page.max);
  const pages = Math.max(1, Math.ceil(capped.length / page.size));
  const slice = capped.slice((page.page - 1) * page.size, page.page * page.size);
  const retour = settings.nullPagination
    ? { pageCourante: null, pages: null, nbResultatsParPage: null, total: null }
    : { pageCourante: page.page, pages, nbResultatsParPage: page.size, total: capped.length };
  return { slice, retour };
}

const SORT_KEYS: Record<string, (invoice: SimInvoice) => string | number | boolean> = {
  NumeroFacture: (i) => i.numeroFacture,
  DateDepot: (i) => i.dateDepot,
  DateFacture: (i) => i.dateFacture,
  DateHeureEtatCourant: (i) => i.dateHeureEtatCourant,
  MontantTTC: (i) => Number(i.totals.ttc),
  MontantHT: (i) => Number(i.totals.ht),
  Statut: (i) => i.statut,
  FactureTelechargeeParDestinataire: (i) => (i.downloaded ? 1 : 0),
  IdFacture: (i) => i.idFacture,
};

function sortInvoices(items: SimInvoice[], page: Page): SimInvoice[] {
  const key = (page.colonne && SORT_KEYS[page.colonne]) || SORT_KEYS.IdFacture;
  const direction = page.sens === 'Descendant' ? -1 : 1;
  // The common case (default order, candidates already in id order) needs no sort.
  if (key === SORT_KEYS.IdFacture && items.every((item, index) => index === 0 || ((items[index - 1] as SimInvoice).idFacture - item.idFacture) * direction < 0)) return items;
  return items.sort((a, b) => {
    const ka = (key as (i: SimInvoice) => string | number | boolean)(a);
    const kb = (key as (i: SimInvoice) => string | number | boolean)(b);
    if (ka < kb) return -direction;
    if (ka > kb) return direction;
    return (a.idFacture - b.idFacture) * direction;
  });
}

export function listItem(state: SimState, invoice: SimInvoice): FactureRecipiendaire {
  const { supplier, structure, service } = state.contextOf(invoice);
  return {
    codeDestinataire: structure.siret,
    codeFournisseur: supplier.siret,
    codeServiceExecutant: service?.codeService ?? null,
    codeServiceFournisseur: null,
    dateDepot: invoice.dateDepot,
    dateFacture: invoice.dateFacture,
    dateHeureEtatCourant: invoice.dateHeureEtatCourant,
    designationDestinataire: structure.name,
    designationFournisseur: supplier.name,
    devise: invoice.devise,
    factureTelechargeeParDestinataire: invoice.downloaded,
    idDestinataire: structure.idStructureCPP,
    idFacture: invoice.idFacture,
    idServiceExecutant: service?.idService ?? null,
    montantAPayer: wire(invoice.totals.apayer),
    montantHT: wire(invoice.totals.ht),
    montantTTC: wire(invoice.totals.ttc),
    nomServiceExecutant: service?.libelleService ?? null,
    nomServiceFournisseur: null,
    numeroBonCommande: invoice.numeroBonCommande,
    numeroFacture: invoice.numeroFacture,
    numeroMarche: invoice.numeroMarche,
    statut: invoice.statut,
    typeDemandePaiement: 'FACTURE',
    typeFacture: invoice.typeFacture,
    typeFactureTravaux: null,
    typeIdentifiantFournisseur: 'SIRET',
  };
}

function dayBound(value: unknown, end: boolean): string | undefined {
  const raw = text(value);
  if (!raw) return undefined;
  const normalised = raw.replace(' ', 'T');
  if (/^\d{4}-\d{2}-\d{2}$/.test(normalised)) return `${normalised}T${end ? '23:59:59' : '00:00:00'}`;
  return normalised.slice(0, 19);
}

function inRange(value: string, from: unknown, to: unknown): boolean {
  const lower = text(from)?.slice(0, 10);
  const upper = text(to)?.slice(0, 10);
  return (!lower || value >= lower) && (!upper || value <= upper);
}

// Parsed amounts per decimal string: a search over 10 000 invoices must not re-parse them each time.
const parsedAmounts = new Map<string, Decimal>();
function parsedAmount(value: string): Decimal {
  let amount = parsedAmounts.get(value);
  if (!amount) {
    amount = Decimal.parse(value);
    if (parsedAmounts.size > 200_000) parsedAmounts.clear();
    parsedAmounts.set(value, amount);
  }
  return amount;
}

function amountIn(value: string, lower: Decimal | undefined, upper: Decimal | undefined): boolean {
  if (!lower && !upper) return true;
  const amount = parsedAmount(value);
  return (!lower || amount.compare(lower) >= 0) && (!upper || amount.compare(upper) <= 0);
}

export function rechercherRecipiendaire(state: SimState, raw: unknown, settings: ApiSettings): ApiResult {
  const body = normalizeKeys(raw);
  // Flat pagination fields (old examples) count as paramRecherche.
  const param = (body.paramRecherche as Body | undefined) ?? body;
  const page = pageOf(param);
  const idDestinataire = int(body.idDestinataire);
  const idService = int(body.idServiceExecutant);
  if (Number.isNaN(idDestinataire) || Number.isNaN(idService)) return functional(CODES.INVALID_PARAMETER, 400, settings, 'idDestinataire / idServiceExecutant');
  const statusesRaw = body.statutCourant;
  const statuses = Array.isArray(statusesRaw)
    ? (statusesRaw.filter((s) => typeof s === 'string') as ChorusStatus[])
    : typeof statusesRaw === 'string' && statusesRaw !== ''
      ? [statusesRaw as ChorusStatus]
      : undefined;
  const typeDemande = text(body.typeDemandePaiement) ?? text(body.listeTypeDemandePaiement);
  const fournisseurs = Array.isArray(body.listeFournisseurs)
    ? (body.listeFournisseurs as Body[]).map((f) => int(normalizeKeys(f).idFournisseur)).filter((id): id is number => id !== undefined)
    : int(body.idFournisseur) !== undefined
      ? [int(body.idFournisseur) as number]
      : [];
  const typesFacture = Array.isArray(body.listeTypeFacture) ? (body.listeTypeFacture as string[]) : typeof body.listeTypeFacture === 'string' ? [body.listeTypeFacture] : [];
  const cadre = text(body.cadreFacturation);
  const etatFrom = dayBound(body.periodeDateHeureEtatCourantDu, false);
  const etatTo = dayBound(body.periodeDateHeureEtatCourantAu, true);
  const downloaded = typeof body.factureTelechargeeParDestinataire === 'boolean' ? body.factureTelechargeeParDestinataire : undefined;
  const numeroFacture = text(body.numeroFacture);
  const numeroMarche = text(body.numeroMarche);
  const numeroBonCommande = text(body.numeroBonCommande);
  const [htMin, htMax, ttcMin, ttcMax, payMin, payMax] = [body.montantHTMin, body.montantHTMax, body.montantTTCMin, body.montantTTCMax, body.montantApayerMin, body.montantApayerMax].map(decimal);
  const noWorks = Array.isArray(body.listeTypeFactureTravaux) && body.listeTypeFactureTravaux.length > 0;

  const matches: SimInvoice[] = [];
  if (typeDemande === undefined || typeDemande === 'FACTURE') {
    if (!(noWorks || int(body.idStructureValideur) !== undefined)) {
      for (const invoice of state.candidates({ ...(idDestinataire !== undefined ? { structureId: idDestinataire } : {}), ...(statuses ? { statuses } : {}), ...(etatFrom ? { etatFrom } : {}), ...(etatTo ? { etatTo } : {}) })) {
        if (!state.isVisible(invoice)) continue;
        if (idDestinataire !== undefined && invoice.structureId !== idDestinataire) continue;
        if (idService !== undefined && invoice.serviceId !== idService) continue;
        if (statuses && !statuses.includes(invoice.statut)) continue;
        if (etatFrom && invoice.dateHeureEtatCourant < etatFrom) continue;
        if (etatTo && invoice.dateHeureEtatCourant > etatTo) continue;
        if (numeroFacture && invoice.numeroFacture !== numeroFacture) continue;
        if (fournisseurs.length > 0 && !fournisseurs.includes(invoice.supplierId)) continue;
        if (typesFacture.length > 0 && !typesFacture.includes(invoice.typeFacture)) continue;
        if (cadre && !(invoice.cadre === cadre || invoice.cadre.startsWith(`${cadre}_`))) continue;
        if (!inRange(invoice.dateDepot, body.periodeDateDepotDu, body.periodeDateDepotAu)) continue;
        if (!inRange(invoice.dateFacture, body.periodeDateFactureDu, body.periodeDateFactureAu)) continue;
        if (!amountIn(invoice.totals.ht, htMin, htMax)) continue;
        if (!amountIn(invoice.totals.ttc, ttcMin, ttcMax)) continue;
        if (!amountIn(invoice.totals.apayer, payMin, payMax)) continue;
        if (numeroMarche && invoice.numeroMarche !== numeroMarche) continue;
        if (numeroBonCommande && invoice.numeroBonCommande !== numeroBonCommande) continue;
        if (downloaded !== undefined && invoice.downloaded !== downloaded) continue;
        matches.push(invoice);
      }
    }
  }
  return searchResult(state, matches, page, settings);
}

function searchResult(state: SimState, matches: SimInvoice[], page: Page, settings: ApiSettings): ApiResult {
  if (matches.length === 0) {
    return { status: 200, body: { ...CODES.NO_RESULT, pageCourante: null, pages: null, nbResultatsParPage: null, total: null, listeFactures: [] } };
  }
  const { slice, retour } = paginate(sortInvoices(matches, page), page, settings);
  return { status: 200, body: { ...CODES.OK, ...retour, listeFactures: slice.map((invoice) => listItem(state, invoice)) } };
}

export function rechercherATraiter(state: SimState, raw: unknown, settings: ApiSettings): ApiResult {
  const body = normalizeKeys(raw);
  const idStructure = int(body.idStructure);
  if (Number.isNaN(idStructure)) return functional(CODES.INVALID_PARAMETER, 400, settings, 'idStructure');
  const page = pageOf(body.parametreRechercheFactureATraiterParRecipiendaire as Body | undefined);
  const matches: SimInvoice[] = [];
  for (const invoice of state.candidates({ ...(idStructure !== undefined ? { structureId: idStructure } : {}), statuses: ['MISE_A_DISPOSITION', 'COMPLETEE'] })) {
    if (!state.isVisible(invoice)) continue;
    if (idStructure !== undefined && invoice.structureId !== idStructure) continue;
    if (invoice.statut !== 'MISE_A_DISPOSITION' && invoice.statut !== 'COMPLETEE') continue;
    matches.push(invoice);
  }
  return searchResult(state, matches, page, settings);
}

function findInvoice(state: SimState, id: number | undefined): SimInvoice | null {
  if (id === undefined || Number.isNaN(id)) return null;
  const invoice = state.invoices.get(id);
  return invoice && state.isVisible(invoice) ? invoice : null;
}

export async function consulterRecipiendaire(state: SimState, raw: unknown, settings: ApiSettings): Promise<ApiResult> {
  const body = normalizeKeys(raw);
  const id = int(body.identifiantFactureCPP ?? body.idFacture);
  if (id === undefined || Number.isNaN(id)) return functional(CODES.INVALID_PARAMETER, 400, settings, 'identifiantFactureCPP');
  const invoice = findInvoice(state, id);
  if (!invoice) return functional(CODES.UNKNOWN_INVOICE, 400, settings);
  const { supplier, structure, service } = state.contextOf(invoice);
  const attachments = await attachmentsOf(state.contextOf(invoice), (key) => state.loadFile(key));
  const pjSize = attachments.reduce((sum, file) => sum + file.content.length, 0);
  const facture = {
    identifiantFactureCPP: invoice.idFacture,
    numeroFacture: invoice.numeroFacture,
    statutFacture: invoice.statut,
    modeDepot: invoice.modeDepot,
    commentaire: invoice.commentaire,
    cadreDeFacturation: { codeCadreFacturation: invoice.cadre, codeServiceValideur: null, codeStructureValideur: null, idServiceValideur: null, idStructureValideur: null },
    destinataire: {
      idDestinataire: structure.idStructureCPP,
      codeDestinataire: structure.siret,
      libelleDestinataire: structure.name,
      idServiceExecutant: service?.idService ?? null,
      codeServiceExecutant: service?.codeService ?? null,
      libelleServiceExecutant: service?.libelleService ?? null,
      destinataireEtat: 'NON',
      adresseDestinataireDetail: structure.address.line1,
      adresseDestinataireCodePostal: structure.address.postCode,
      adresseDestinataireVille: structure.address.city,
      adresseDestinataireCodePays: 'FR',
      adresseDestinataireLibellePays: 'France',
    },
    fournisseur: {
      idFournisseur: supplier.idFournisseur,
      codeFournisseur: supplier.siret,
      typeIdentifiantFournisseur: 'SIRET',
      raisonSocialeFournisseur: supplier.name,
      idServiceFournisseur: null,
      codeServiceFournisseur: null,
      libelleServiceFournisseur: null,
      numeroRcsFournisseur: null,
      adresseFournisseurDetail: supplier.address.line1,
      adresseFournisseurCodePostal: supplier.address.postCode,
      adresseFournisseurVille: supplier.address.city,
      adresseFournisseurCodePays: 'FR',
      coordBancairesFournisseur: {
        coordBancairesFournisseurType: 'IBAN',
        coordBancairesFournisseurCodePays: 'FR',
        coordBancairesFournisseurCompteBancaire: invoice.iban,
        coordBancairesFournisseurCleIban: invoice.iban.slice(2, 4),
      },
      coordBancairesBicSwift: { coordBancairesBicSwiftCodeBic: supplier.bic, coordBancairesBicSwiftNomBanque: supplier.bankName },
      affactureur: null,
    },
    references: {
      typeFacture: invoice.typeFacture,
      typeTva: invoice.vat.every((v) => v.category === 'E') ? 'EXONERATION' : 'TVA_SUR_DEBIT',
      dateFacture: invoice.dateFacture,
      dateDepot: invoice.dateDepot,
      dateCreationFacture: invoice.dateDepot,
      dateEcheancePaiement: invoice.dateEcheance,
      codeDeviseFacture: invoice.devise,
      libelleDeviseFacture: 'Euro',
      modePaiement: 'VIREMENT',
      numeroBonCommande: invoice.numeroBonCommande,
      numeroMarche: invoice.numeroMarche,
      numeroDpMandat: invoice.numeroDpMandat,
      numeroFactureOrigine: invoice.numeroFactureOrigine,
      motifExonerationTva: invoice.vat.find((v) => v.exemptionReason)?.exemptionReason ?? null,
      tailleTotalePiecesJointes: pjSize,
      typeFactureTravaux: null,
    },
    montantTotal: {
      montantHtTotal: wire(invoice.totals.ht),
      montantTVA: wire(invoice.totals.tva),
      montantTtcTotal: wire(invoice.totals.ttc),
      montantTtcAvantRemiseGlobalTTC: wire(invoice.totals.ttc),
      montantRemiseGlobaleTTC: 0,
      motifRemiseGlobaleTTC: null,
      montantAPayer: wire(invoice.totals.apayer),
    },
    lignesDePoste: {
      lignePoste: invoice.lines.map((line) => {
        const net = Decimal.parse(line.netAmount);
        const tax = net.mul(Decimal.parse(line.vatRate)).div(Decimal.fromInteger(100), 2);
        return {
          lignePosteNumero: Number(line.id),
          lignePosteReference: line.reference || null,
          lignePosteDenomination: line.name,
          lignePosteQuantite: Number(line.quantity),
          lignePosteUniteCode: line.unitCode,
          lignePosteUniteLibelle: null,
          lignePosteMontantUnitaireHT: wire(line.unitPrice),
          lignePosteMontantRemiseHT: 0,
          lignePosteMontantHtApresRemise: wire(line.netAmount),
          lignePosteTauxTva: `TVA${line.vatRate.replace('.', '_')}`,
          lignePosteTauxTvaManuel: Number(line.vatRate),
          lignePosteMontantTva: wire(tax.toString(2)),
          lignePosteMontantTtcApresRemise: wire(net.add(tax).toString(2)),
        };
      }),
      nbResultatsParPageLignesPoste: invoice.lines.length,
      pageCouranteLignesPoste: 1,
      pagesLignesPoste: 1,
      totalLignesPoste: invoice.lines.length,
    },
    recapitulatifDeTva: {
      ligneTva: invoice.vat.map((v) => ({
        ligneTvaTauxRefCode: `TVA${v.rate.replace('.', '_')}`,
        ligneTvaTauxManuel: Number(v.rate),
        ligneTvaMontantBaseHtParTaux: wire(v.base),
        ligneTvaMontantTvaParTaux: wire(v.amount),
      })),
      nbResultatsParPageLigneTva: invoice.vat.length,
      pageCouranteLigneTva: 1,
      pagesLigneTva: 1,
      totalLigneTva: invoice.vat.length,
    },
    listeDesPiecesJointes: {
      pieceJointe: invoice.attachments.map((attachment, index) => ({
        pieceJointeId: invoice.idFacture * 10 + index + 2,
        pieceJointeIdLiaison: invoice.idFacture * 10 + index + 2,
        pieceJointeDesignation: attachment.name,
        pieceJointeExtension: attachment.name.split('.').pop()?.toUpperCase() ?? '',
        pieceJointeTypeCode: '02',
        pieceJointeTypeLibelle: 'Pièce jointe complémentaire',
        pieceJointeNumeroLigneFacture: null,
      })),
      nbResultatsParPagePieceJointe: invoice.attachments.length,
      pageCourantePieceJointe: 1,
      pagesPieceJointe: 1,
      totalPieceJointe: invoice.attachments.length,
    },
    pieceJointePrincipale: [{ idPieceJointePrincipale: invoice.idFacture * 10 + 1, idLiaisonPieceJointePrincipale: invoice.idFacture * 10 + 1 }],
    piecePrecedente: invoice.numeroFactureOrigine ? { numeroFacturePrecedente: invoice.numeroFactureOrigine } : null,
    pieceSuivante: null,
  };
  return { status: 200, body: { ...CODES.OK, facture } };
}

function histoDate(at: string): string {
  return `${at.slice(0, 10)} ${at.slice(11, 16)}`;
}

export function consulterHistorique(state: SimState, raw: unknown, settings: ApiSettings): ApiResult {
  const body = normalizeKeys(raw);
  const id = int(body.idFacture);
  if (id === undefined || Number.isNaN(id)) return functional(CODES.INVALID_PARAMETER, 400, settings, 'idFacture');
  const invoice = findInvoice(state, id);
  if (!invoice) return functional(CODES.UNKNOWN_INVOICE, 400, settings);
  const param = (body.paramRechercheHistoStatuts as Body | undefined) ?? {};
  const page = pageOf(
    { ...param, triSens: param.triSensListeHistoStatut ?? 'Descendant', nbResultatsMaximum: body.nbResultatsMaximum },
    'pageResultatDemandeeListeHistoStatut',
    'nbResultatsParPageListeHistoStatut',
  );
  const ordered = [...invoice.history].sort((a, b) => (a.at === b.at ? a.id - b.id : a.at < b.at ? -1 : 1));
  if (page.sens === 'Descendant') ordered.reverse();
  const { slice, retour } = paginate(ordered, { ...page, size: int(param.nbResultatsParPageListeHistoStatut) ?? 50 }, settings);
  const last = invoice.history[invoice.history.length - 1];
  return {
    status: 200,
    body: {
      ...CODES.OK,
      idFacture: invoice.idFacture,
      numeroFacture: invoice.numeroFacture,
      modeDepot: invoice.modeDepot,
      statutCourantCode: invoice.statut,
      derniereAction: last ? { derniereActionCode: last.code, derniereActionId: last.id } : null,
      historiquesDesStatuts: {
        histoStatut: slice.map((h) => ({
          histoStatutId: h.id,
          histoStatutCode: h.code,
          histoStatutDatePassage: histoDate(h.at),
          histoStatutCommentaire: h.commentaire,
          histoStatutUtilisateurNom: h.nom,
          histoStatutUtilisateurPrenom: h.prenom,
          histoStatutUtilisateurEmail: h.email,
          histoStatutUtilisateurTelephone: null,
        })),
        nbResultatsParPageHistoStatut: retour.nbResultatsParPage,
        pageCouranteHistoStatut: retour.pageCourante,
        pagesHistoStatut: retour.pages,
        totalHistoStatut: retour.total,
      },
      historiquesDesActionsUtilisateurs: { histoAction: [], nbResultatsParPageHistoAction: 0, pageCouranteHistoAction: 1, pagesHistoAction: 1, totalHistoAction: 0 },
      historiquesDesEvenementsComplementaires: { evenement: [], nbResultatsParPageEvenement: 0, pageCouranteEvenement: 1, pagesEvenement: 1, totalEvenement: 0 },
    },
  };
}

export async function telechargerGroupe(state: SimState, raw: unknown, settings: ApiSettings): Promise<ApiResult> {
  const body = normalizeKeys(raw);
  const format = text(body.format);
  if (format !== 'PDF' && format !== 'PIVOT') return functional(CODES.INVALID_PARAMETER, 400, settings, 'format (PDF ou PIVOT)');
  const list = Array.isArray(body.listeFacture) ? (body.listeFacture as unknown[]) : [];
  const ids = list.map((item) => int(normalizeKeys(item).idFacture));
  if (ids.length === 0 || ids.some((id) => id === undefined || Number.isNaN(id))) return functional(CODES.INVALID_PARAMETER, 400, settings, 'listeFacture');
  const invoices: SimInvoice[] = [];
  for (const id of ids) {
    const invoice = findInvoice(state, id);
    if (!invoice) return functional(CODES.UNKNOWN_INVOICE, 400, settings, `idFacture ${id}`);
    if (!invoices.includes(invoice)) invoices.push(invoice);
  }
  const load = (key: string) => state.loadFile(key);
  let result: Buffer;
  let size = 0;
  if (format === 'PIVOT') {
    const units = [];
    for (const invoice of invoices) {
      const files = await pivotFilesOf(state.contextOf(invoice), load);
      size += files.reduce((sum, file) => sum + file.content.length, 0);
      units.push({ context: state.contextOf(invoice), files, minimal: invoice.form === 'PDF' });
    }
    if (size > settings.maxDownloadBytes) return { status: 413, body: null };
    const now = parisNow();
    result = Buffer.from(writePivot(units, now.slice(0, 10), `CPP${now.replace(/\D/g, '')}${invoices[0]?.idFacture ?? ''}`.slice(0, 25)), 'utf8');
  } else {
    const withAttachments = body.avecPiecesJointesComplementaires === 'Oui' || body.avecPiecesJointesComplementaires === true;
    const perInvoice: { invoice: SimInvoice; files: { name: string; content: Buffer }[] }[] = [];
    for (const invoice of invoices) {
      const context = state.contextOf(invoice);
      const files = [await pdfViewOf(context, load), ...(withAttachments ? await attachmentsOf(context, load) : [])];
      size += files.reduce((sum, file) => sum + file.content.length, 0);
      perInvoice.push({ invoice, files });
    }
    if (size > settings.maxDownloadBytes) return { status: 413, body: null };
    const single = perInvoice.length === 1 && perInvoice[0]?.files.length === 1 ? perInvoice[0].files[0] : null;
    if (single) result = single.content;
    else if (perInvoice.length === 1) result = await zip((perInvoice[0]?.files ?? []).map((file) => ({ name: file.name, content: file.content })));
    else result = await zip(perInvoice.flatMap(({ invoice, files }) => files.map((file) => ({ name: `${invoice.idFacture}/${file.name}`, content: file.content }))));
  }
  for (const invoice of invoices) state.markDownloaded(invoice);
  return { status: 200, body: { ...CODES.OK, fichierResultat: result.toString('base64') } };
}

export function traiterRecue(state: SimState, raw: unknown, settings: ApiSettings): ApiResult {
  const body = normalizeKeys(raw);
  const id = int(body.idFacture);
  const target = text(body.nouveauStatut) as ChorusStatus | undefined;
  const motif = typeof body.motif === 'string' ? body.motif : null;
  const mandat = text(body.numeroDPMandat) ?? text(body.numeroDpMandat) ?? null;
  const log = (result: ApiResult, invoice: SimInvoice | null, previous: ChorusStatus | null, noop: boolean): ApiResult => {
    const envelope = (result.body ?? {}) as { codeRetour?: number; libelle?: string };
    state.logPost({
      at: new Date().toISOString(),
      idFacture: id === undefined || Number.isNaN(id) ? null : id,
      nouveauStatut: target ?? null,
      motif,
      numeroDPMandat: mandat,
      previousStatus: previous,
      resultingStatus: invoice?.statut ?? null,
      noop,
      httpStatus: result.status,
      codeRetour: envelope.codeRetour ?? -1,
      libelle: envelope.libelle ?? '',
    });
    return result;
  };
  if (id === undefined || Number.isNaN(id) || !target) return log(functional(CODES.INVALID_PARAMETER, 400, settings, 'idFacture et nouveauStatut'), null, null, false);
  const invoice = findInvoice(state, id);
  if (!invoice) return log(functional(CODES.UNKNOWN_INVOICE, 400, settings), null, null, false);
  const previous = invoice.statut;
  if (motif !== null && motif.length > 255) return log(functional(CODES.INVALID_PARAMETER, 400, settings, 'motif (255 caractères au plus)'), invoice, previous, false);
  const decision = state.transition(invoice, target, 'recipient', {
    motif,
    numeroDPMandat: mandat,
    agent: { nom: settings.login.split('@')[0] ?? settings.login, prenom: 'Compte technique', email: settings.login },
  });
  if (!decision.ok) {
    if (decision.reason === 'motif-required') return log(functional(CODES.INVALID_PARAMETER, 400, settings, `motif obligatoire pour le statut ${target}`), invoice, previous, false);
    return log(functional(CODES.FORBIDDEN_TRANSITION, 200, settings), invoice, previous, false);
  }
  return log(
    {
      status: 200,
      body: { ...CODES.OK, dateTraitement: parisNow().slice(0, 10), idFacture: invoice.idFacture, nouveauStatut: invoice.statut, numeroFacture: invoice.numeroFacture },
    },
    invoice,
    previous,
    decision.noop,
  );
}

// ---------------------------------------------------------------------------------------------
// Structures, services, user

function attachedStructures(state: SimState): SimStructure[] {
  return [...state.structures.values()].filter((s) => s.attached);
}

export function structuresActives(state: SimState): ApiResult {
  return {
    status: 200,
    body: { ...CODES.OK, listeStructures: attachedStructures(state).map((s) => ({ idStructureCPP: s.idStructureCPP, identifiant: s.siret, designationStructure: s.name })) },
  };
}

export function rechercherStructure(state: SimState, raw: unknown, settings: ApiSettings): ApiResult {
  const body = normalizeKeys(raw);
  const criteria = (body.structure as Body | undefined) ?? {};
  const page = pageOf(body.parametres as Body | undefined);
  const restrict = body.restreindreStructuresPrivees !== false;
  type Entry = { idStructureCPP: number; identifiantStructure: string; designationStructure: string; typeIdentifiantStructure: string; statut: string; type: 'PUBLIQUE' | 'PRIVEE' };
  const entries: Entry[] = [
    ...[...state.structures.values()].map((s) => ({ idStructureCPP: s.idStructureCPP, identifiantStructure: s.siret, designationStructure: s.name, typeIdentifiantStructure: 'SIRET', statut: 'ACTIVE', type: 'PUBLIQUE' as const })),
    ...(restrict ? [] : [...state.suppliers.values()].map((s) => ({ idStructureCPP: s.idFournisseur, identifiantStructure: s.siret, designationStructure: s.name, typeIdentifiantStructure: 'SIRET', statut: 'ACTIVE', type: 'PRIVEE' as const }))),
  ];
  const identifiant = text(criteria.identifiantStructure);
  const name = text(criteria.raisonSocialeStructure)?.toLowerCase();
  const type = text(criteria.typeStructure);
  const statut = text(criteria.statutStructure);
  const matches = entries.filter(
    (e) =>
      (!identifiant || e.identifiantStructure === identifiant) &&
      (!name || e.designationStructure.toLowerCase().includes(name)) &&
      (!type || e.type === type) &&
      (!statut || e.statut === statut),
  );
  if (matches.length === 0) return { status: 200, body: { ...CODES.NO_RESULT, listeStructures: [], parametresRetour: { pageCourante: null, pages: null, nbResultatsParPage: null, total: null } } };
  const { slice, retour } = paginate(matches, page, settings);
  return { status: 200, body: { ...CODES.OK, listeStructures: slice.map(({ type: _type, ...rest }) => rest), parametresRetour: retour } };
}

export function rechercherServices(state: SimState, raw: unknown, settings: ApiSettings): ApiResult {
  const body = normalizeKeys(raw);
  const id = int(body.idStructure ?? body.idStructureCPP);
  if (id === undefined || Number.isNaN(id)) return functional(CODES.INVALID_PARAMETER, 400, settings, 'idStructure');
  const structure = state.structures.get(id);
  if (!structure) return functional(CODES.UNKNOWN_STRUCTURE, 400, settings);
  const page = pageOf(body.parametresRechercherServicesStructure as Body | undefined);
  const { slice, retour } = paginate(structure.services, page, settings);
  return {
    status: 200,
    body: {
      ...CODES.OK,
      listeServices: slice.map((s) => ({
        idService: s.idService,
        codeService: s.codeService,
        libelleService: s.libelleService,
        estActif: s.estActif,
        statutService: s.estActif ? 'ACTIF' : 'INACTIF',
        dateDbtService: s.dateDebut,
        dateFinService: s.dateFin,
      })),
      parametresRetour: retour,
    },
  };
}

export function consulterStructure(state: SimState, raw: unknown, settings: ApiSettings): ApiResult {
  const body = normalizeKeys(raw);
  const id = int(body.idStructureCPP ?? body.idStructure);
  if (id === undefined || Number.isNaN(id)) return functional(CODES.INVALID_PARAMETER, 400, settings, 'idStructureCPP');
  const structure = state.structures.get(id);
  if (!structure) return functional(CODES.UNKNOWN_STRUCTURE, 400, settings);
  return {
    status: 200,
    body: {
      ...CODES.OK,
      informationGenerales: {
        idStructureCPP: structure.idStructureCPP,
        identifiantStructure: structure.siret,
        typeIdentifiantStructure: 'SIRET',
        raisonSocialeStructure: structure.name,
        libelleStructure: structure.budgetLabel,
        emailStructure: null,
        numeroRcsStructure: null,
        dateExpirationMotPasseCompteTech: structure.attached ? settings.passwordExpiry : null,
      },
      adressePostaleDuSiege: {
        adresse: structure.address.line1,
        complementAdresse1: null,
        codePostal: structure.address.postCode,
        ville: structure.address.city,
        codePays: 'FR',
        libellePays: 'France',
      },
      parametres: {
        codeServiceDoitEtreRenseigne: structure.codeServiceDoitEtreRenseigne,
        numeroEJDoitEtreRenseigne: structure.numeroEJDoitEtreRenseigne,
        gestionNumeroEJOuCodeService: false,
        statutMiseEnPaiementNestPasRemonte: false,
        estMoaUniquement: false,
        connexionEDI: false,
        recevoirDonneesViaEDI: false,
      },
    },
  };
}

export function consulterService(state: SimState, raw: unknown, settings: ApiSettings): ApiResult {
  const body = normalizeKeys(raw);
  const idService = int(body.idService);
  if (idService === undefined || Number.isNaN(idService)) return functional(CODES.INVALID_PARAMETER, 400, settings, 'idService');
  const found = state.services.get(idService);
  const idStructure = int(body.idStructure ?? body.idStructureCPP);
  if (!found || (idStructure !== undefined && found.structure.idStructureCPP !== idStructure)) return functional(CODES.UNKNOWN_STRUCTURE, 400, settings);
  const { service, structure } = found;
  return {
    status: 200,
    body: {
      ...CODES.OK,
      informationsGenerales: { codeService: service.codeService, nomService: service.libelleService, descriptionService: null },
      parametres: { numeroEngagement: service.engagementRequired, miseEnPaiement: service.miseEnPaiement, dateDebutValidite: service.dateDebut.slice(0, 10), dateFinValidite: service.dateFin?.slice(0, 10) ?? null },
      adressePostale: { adresse: structure.address.line1, codePostal: structure.address.postCode, ville: structure.address.city, codePays: 'FR' },
    },
  };
}

export function rattachements(state: SimState, raw: unknown, settings: ApiSettings): ApiResult {
  const body = normalizeKeys(raw);
  const page = pageOf(body.parametresRecherche as Body | undefined);
  const { slice, retour } = paginate(attachedStructures(state), page, settings);
  return {
    status: 200,
    body: {
      ...CODES.OK,
      listeStructureRattachement: slice.map((s) => ({
        idStructure: s.idStructureCPP,
        identifiantStructure: s.siret,
        designationStructure: s.name,
        roleUtilisateur: 'GESTIONNAIRE',
        statutRattachementStructure: 'ACTIF',
        listeServicesRattache: s.services.map((service) => ({ idService: service.idService, codeService: service.codeService, libelleService: service.libelleService, estActif: service.estActif })),
      })),
      parametresRetour: retour,
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Transverses

export function transverse(operation: string, raw: unknown, settings: ApiSettings): ApiResult | null {
  const body = normalizeKeys(raw);
  switch (operation) {
    case 'tauxtva':
      return {
        status: 200,
        body: { ...CODES.OK, listeTauxTva: [['TVA20', 20], ['TVA10', 10], ['TVA5_5', 5.5], ['TVA2_1', 2.1], ['TVA0', 0]].map(([tauxTva, valeurTva]) => ({ tauxTva, valeurTva })) },
      };
    case 'etats/traitement': {
      const current = text(body.statutCourant) as ChorusStatus | undefined;
      if (!current || !(CHORUS_STATUSES as readonly string[]).includes(current)) return functional(CODES.INVALID_PARAMETER, 400, settings, 'statutCourant');
      const targets = possibleTargets(current, 'recipient');
      const list = (RECIPIENT_TARGET_STATUSES as readonly ChorusStatus[]).includes(current) ? [current, ...targets] : targets;
      return { status: 200, body: { ...CODES.OK, listeStatutsPossiblesPourTraitement: list.map((statutPossiblePourTraitement) => ({ statutPossiblePourTraitement })) } };
    }
    case 'etat/typedp':
      return { status: 200, body: { ...CODES.OK, listeEtatDemandePaiement: CHORUS_STATUSES.map((etatDemandePaiement) => ({ etatDemandePaiement })) } };
    case 'cadrefacturation': {
      const type = text(body.typeDemandePaiement) ?? 'FACTURE';
      const codes = type === 'FACTURE' ? ['A1_FACTURE_FOURNISSEUR', 'A2_FACTURE_FOURNISSEUR_DEJA_PAYEE', 'A9_FACTURE_SOUSTRAITANT', 'A12_FACTURE_COTRAITANT'] : [];
      return { status: 200, body: { ...CODES.OK, listeCadreFacturation: codes.map((codeCadreFacturation) => ({ codeCadreFacturation })) } };
    }
    case 'typedp':
      return {
        status: 200,
        body: { ...CODES.OK, listeTypeDemandePaiement: ['FACTURE', 'FACTURE_TRAVAUX', 'MEMOIRE_JUSTICE', 'DEMANDE_REMBOURSEMENT'].map((typeDemandePaiement) => ({ typeDemandePaiement })) },
      };
    default:
      return null;
  }
}
