// Fixtures for the publishing tests: invoices inserted directly in the store, and an in-memory
// Chorus that answers traiterFactureRecue and consulterHistoriqueFacture with injected faults —
// some before the status changes (429), some after (a 500 whose post went through), which is the
// case only the history check can make safe.
import { ChorusError, CODE_TRANSITION_INTERDITE } from '../../src/chorus/client.ts';
import type { ConsulterHistoriqueResponse, HistoStatut, TraiterFactureRecueRequest, TraiterFactureRecueResponse } from '../../src/chorus/types.ts';
import type { PublishClient } from '../../src/app/publish/worker.ts';
import { newId } from '../../src/domain/ids.ts';
import type { AppContext } from '../../src/app/context.ts';

export async function insertTenant(context: AppContext, name = 'Commune de Test'): Promise<string> {
  const id = newId();
  const now = new Date().toISOString();
  await context.store.db.insertInto('tenants').values({ id, name, siren: null, kind: 'commune', chorus_connection_encrypted: null, created_at: now, updated_at: now }).execute();
  return id;
}

export async function insertInvoice(
  context: AppContext,
  tenantId: string,
  chorusId: number,
  fields: { status?: string; chorusStatus?: string; number?: string } = {},
): Promise<string> {
  const id = newId();
  const now = new Date().toISOString();
  await context.store.db
    .insertInto('invoices')
    .values({
      id,
      tenant_id: tenantId,
      structure_id: null,
      chorus_id: chorusId,
      chorus_status: fields.chorusStatus ?? 'MISE_A_DISPOSITION',
      chorus_status_at: now,
      deposited_at: null,
      made_available_at: null,
      chorus_service_code: null,
      status: fields.status ?? 'to_process',
      format: null,
      profile: null,
      document_type: 'invoice',
      type_code: '380',
      number: fields.number ?? `F-${chorusId}`,
      issue_date: '2026-11-02',
      due_date: null,
      currency: 'EUR',
      buyer_reference: null,
      order_reference: null,
      contract_reference: null,
      seller_name: 'Fournisseur SARL',
      seller_siret: null,
      seller_vat_id: null,
      buyer_siret: null,
      iban: null,
      amount_ht: '100.00',
      amount_tva: '20.00',
      amount_ttc: '120.00',
      amount_payable: '120.00',
      amount_ttc_cents: 12000,
      without_metadata: 0,
      model_json: null,
      pivot_sha256: null,
      original_sha256: null,
      pdf_sha256: null,
      quarantined: 0,
      quarantine_reason: null,
      history_only: 0,
      created_at: now,
      updated_at: now,
    })
    .execute();
  return id;
}

type FakeInvoice = { status: string; history: HistoStatut[] };

const ALLOWED: Record<string, string[]> = {
  MISE_A_DISPOSITION: ['SUSPENDUE', 'REJETEE', 'A_RECYCLER', 'SERVICE_FAIT', 'MANDATEE', 'MISE_A_DISPOSITION_COMPTABLE', 'MISE_EN_PAIEMENT'],
  COMPLETEE: ['SUSPENDUE', 'REJETEE', 'A_RECYCLER', 'SERVICE_FAIT', 'MANDATEE'],
  SERVICE_FAIT: ['MANDATEE'],
  MANDATEE: ['MISE_A_DISPOSITION_COMPTABLE', 'MISE_EN_PAIEMENT'],
  MISE_A_DISPOSITION_COMPTABLE: ['COMPTABILISEE', 'MISE_EN_PAIEMENT'],
  SUSPENDUE: [],
};

export type FakeChorus = PublishClient & {
  invoices: Map<number, FakeInvoice>;
  /** Every post that changed a status, in order: the proof of "exactly once, in order". */
  posts: { idFacture: number; statut: string; motif?: string }[];
  add(idFacture: number, status?: string): void;
  /** Moves an invoice as the supplier or Chorus would (COMPLETEE, redeposit…). */
  move(idFacture: number, status: string): void;
};

export function fakeChorus(options: { faultRate?: number; seed?: number } = {}): FakeChorus {
  let seed = options.seed ?? 42;
  const random = () => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed / 2147483648;
  };
  const faultRate = options.faultRate ?? 0;
  let nextHistoId = 1;
  const invoices = new Map<number, FakeInvoice>();
  const posts: FakeChorus['posts'] = [];
  const record = (invoice: FakeInvoice, status: string, comment = '') => {
    invoice.status = status;
    invoice.history.unshift({
      histoStatutId: nextHistoId++,
      histoStatutCode: status as HistoStatut['histoStatutCode'],
      histoStatutDatePassage: new Date().toISOString(),
      histoStatutCommentaire: comment,
      histoStatutUtilisateurNom: 'Test',
      histoStatutUtilisateurPrenom: 'Test',
    });
  };
  const fault = (endpoint: string, status: number) =>
    new ChorusError('unavailable', `HTTP ${status} injecté`, { endpoint, httpStatus: status });
  return {
    invoices,
    posts,
    add(idFacture, status = 'MISE_A_DISPOSITION') {
      const invoice: FakeInvoice = { status, history: [] };
      record(invoice, status);
      invoices.set(idFacture, invoice);
    },
    move(idFacture, status) {
      record(invoices.get(idFacture)!, status);
    },
    async consulterHistoriqueFacture(idFacture: number): Promise<ConsulterHistoriqueResponse> {
      await Promise.resolve();
      if (random() < faultRate) throw fault('/cpro/factures/v1/consulter/historique', 503);
      const invoice = invoices.get(idFacture);
      if (!invoice) throw new ChorusError('functional', 'inconnue', { endpoint: 'historique', codeRetour: 20001 });
      return {
        codeRetour: 0,
        libelle: 'OK',
        idFacture,
        numeroFacture: `F-${idFacture}`,
        modeDepot: 'SAISIE_API',
        statutCourantCode: invoice.status as ConsulterHistoriqueResponse['statutCourantCode'],
        historiquesDesStatuts: {
          histoStatut: structuredClone(invoice.history),
          nbResultatsParPageHistoStatut: null,
          pageCouranteHistoStatut: null,
          pagesHistoStatut: null,
          totalHistoStatut: invoice.history.length,
        },
      };
    },
    async traiterFactureRecue(request: TraiterFactureRecueRequest): Promise<TraiterFactureRecueResponse> {
      await Promise.resolve();
      const roll = random();
      if (roll < faultRate / 2) throw fault('/cpro/factures/v1/traiter/recue', 429);
      const invoice = invoices.get(request.idFacture);
      if (!invoice) throw new ChorusError('functional', 'inconnue', { endpoint: 'traiter', codeRetour: 20001 });
      if (!(ALLOWED[invoice.status] ?? []).includes(request.nouveauStatut)) {
        throw new ChorusError('functional', 'Incohérence au niveau du statut', {
          endpoint: '/cpro/factures/v1/traiter/recue',
          codeRetour: CODE_TRANSITION_INTERDITE,
          httpStatus: 400,
        });
      }
      record(invoice, request.nouveauStatut, request.motif ?? '');
      posts.push({ idFacture: request.idFacture, statut: request.nouveauStatut, ...(request.motif ? { motif: request.motif } : {}) });
      // The post went through, but the answer is lost: only the history can tell.
      if (roll < faultRate) throw fault('/cpro/factures/v1/traiter/recue', 502);
      return { codeRetour: 0, libelle: 'OK', dateTraitement: '2026-12-03', idFacture: request.idFacture, nouveauStatut: request.nouveauStatut, numeroFacture: 'x' };
    },
  };
}
