// A ChorusClient answering from the simulator's state in this process, without HTTP: the
// "store-only" path of bench/sync.ts (read + store, no network) and fast engine tests. It mirrors
// what the simulator's HTTP routes return for the calls the sync makes.
import type { ChorusClient } from '../../chorus/client.ts';
import { pdfViewOf, pivotFilesOf } from '../../chorus/simulator/documents/index.ts';
import { writePivot } from '../../chorus/simulator/documents/pivot.ts';
import { zip } from '../../chorus/simulator/documents/zip.ts';
import type { SimInvoice } from '../../chorus/simulator/model.ts';
import type { SimState } from '../../chorus/simulator/store.ts';
import type { ConsulterHistoriqueResponse, FactureRecipiendaire, SearchReceivedInvoicesFilter } from '../../chorus/types.ts';

function itemOf(state: SimState, invoice: SimInvoice): FactureRecipiendaire {
  const { supplier, structure, service } = state.contextOf(invoice);
  return {
    idFacture: invoice.idFacture,
    numeroFacture: invoice.numeroFacture,
    statut: invoice.statut,
    typeDemandePaiement: 'FACTURE',
    typeFacture: invoice.typeFacture,
    typeFactureTravaux: null,
    idDestinataire: structure.idStructureCPP,
    codeDestinataire: structure.siret,
    designationDestinataire: structure.name,
    idServiceExecutant: service?.idService ?? null,
    codeServiceExecutant: service?.codeService ?? null,
    nomServiceExecutant: service?.libelleService ?? null,
    codeFournisseur: supplier.siret,
    typeIdentifiantFournisseur: 'SIRET',
    designationFournisseur: supplier.name,
    codeServiceFournisseur: null,
    nomServiceFournisseur: null,
    dateDepot: invoice.dateDepot,
    dateFacture: invoice.dateFacture,
    dateHeureEtatCourant: invoice.dateHeureEtatCourant,
    devise: invoice.devise,
    montantHT: Number(invoice.totals.ht),
    montantTTC: Number(invoice.totals.ttc),
    montantAPayer: Number(invoice.totals.apayer),
    numeroBonCommande: invoice.numeroBonCommande,
    numeroMarche: invoice.numeroMarche,
    factureTelechargeeParDestinataire: invoice.downloaded,
  };
}

export type InProcessClient = ChorusClient & {
  /** Generates (and keeps) every invoice's documents now, so that timing excludes the simulator's work. */
  warm(): Promise<void>;
};

export function inProcessChorusClient(state: SimState, options: { cacheDocuments?: boolean } = {}): InProcessClient {
  const load = (key: string) => state.loadFile(key);
  const pivotCache = new Map<number, Awaited<ReturnType<typeof pivotFilesOf>>>();
  const pdfCache = new Map<number, Awaited<ReturnType<typeof pdfViewOf>>>();
  const pivotFiles = async (invoice: SimInvoice) => {
    const cached = pivotCache.get(invoice.idFacture);
    if (cached) return cached;
    const files = await pivotFilesOf(state.contextOf(invoice), load);
    if (options.cacheDocuments) pivotCache.set(invoice.idFacture, files);
    return files;
  };
  const pdfView = async (invoice: SimInvoice) => {
    const cached = pdfCache.get(invoice.idFacture);
    if (cached) return cached;
    const view = await pdfViewOf(state.contextOf(invoice), load);
    if (options.cacheDocuments) pdfCache.set(invoice.idFacture, view);
    return view;
  };
  const invoiceOf = (id: number): SimInvoice => {
    const invoice = state.invoices.get(id);
    if (!invoice) throw new Error(`unknown idFacture ${id}`);
    return invoice;
  };
  const client: Partial<InProcessClient> = {
    apiUrl: 'in-process',
    async warm() {
      for (const invoice of state.invoices.values()) {
        await pivotFiles(invoice);
        if (invoice.form === 'UBL' || invoice.form === 'CII') await pdfView(invoice);
      }
    },
    async recupererStructuresActivesDestinataire() {
      return [...state.structures.values()]
        .filter((structure) => structure.attached)
        .map((structure) => ({ idStructureCPP: structure.idStructureCPP, identifiant: structure.siret, designationStructure: structure.name }));
    },
    async rechercherServicesStructure(idStructure: number) {
      return (state.structures.get(idStructure)?.services ?? []).map((service) => ({
        idService: service.idService,
        codeService: service.codeService,
        libelleService: service.libelleService,
        estActif: service.estActif,
        dateDbtService: service.dateDebut,
        dateFinService: service.dateFin,
      }));
    },
    async *searchReceivedInvoices(filter: SearchReceivedInvoicesFilter) {
      const from = filter.periodeDateHeureEtatCourantDu;
      const to = filter.periodeDateHeureEtatCourantAu;
      for (const invoice of state.candidates({
        ...(filter.idDestinataire !== undefined ? { structureId: filter.idDestinataire } : {}),
        ...(from ? { etatFrom: from } : {}),
        ...(to ? { etatTo: to } : {}),
      })) {
        if (!state.isVisible(invoice)) continue;
        if (filter.idDestinataire !== undefined && invoice.structureId !== filter.idDestinataire) continue;
        if ((from && invoice.dateHeureEtatCourant < from) || (to && invoice.dateHeureEtatCourant > to)) continue;
        yield itemOf(state, invoice);
      }
    },
    async telechargerGroupeFacture(request) {
      const invoices = request.idFactures.map(invoiceOf);
      if (request.format === 'PIVOT') {
        const units = [];
        for (const invoice of invoices) units.push({ context: state.contextOf(invoice), files: await pivotFiles(invoice), minimal: invoice.form === 'PDF' });
        return Buffer.from(writePivot(units, new Date().toISOString().slice(0, 10), `FLX${Date.now()}`), 'utf8');
      }
      const views = [];
      for (const invoice of invoices) views.push({ invoice, view: await pdfView(invoice) });
      if (views.length === 1) return views[0]!.view.content;
      return zip(views.map(({ invoice, view }) => ({ name: `${invoice.idFacture}/${view.name}`, content: view.content })));
    },
    async consulterHistoriqueFacture(idFacture: number): Promise<ConsulterHistoriqueResponse> {
      const invoice = invoiceOf(idFacture);
      const histoStatut = [...invoice.history].reverse().map((entry) => ({
        histoStatutId: entry.id,
        histoStatutCode: entry.code,
        histoStatutDatePassage: entry.at,
        histoStatutCommentaire: entry.commentaire,
        histoStatutUtilisateurNom: entry.nom,
        histoStatutUtilisateurPrenom: entry.prenom,
        histoStatutUtilisateurEmail: entry.email,
      }));
      return {
        codeRetour: 0,
        libelle: 'GCU_MSG_01_000',
        idFacture,
        numeroFacture: invoice.numeroFacture,
        modeDepot: invoice.modeDepot,
        statutCourantCode: invoice.statut,
        historiquesDesStatuts: { histoStatut, nbResultatsParPageHistoStatut: histoStatut.length, pageCouranteHistoStatut: 1, pagesHistoStatut: 1, totalHistoStatut: histoStatut.length },
      };
    },
  };
  return client as InProcessClient;
}
