// Fixtures for the mandat tests, written straight into the store (tenant, budget, exercice, tiers,
// engagement, invoices with their original PDF in the blob store, invoice_allocations): the
// mandatement chain is tested without waiting for sync and matching.
import fs from 'node:fs';
import path from 'node:path';
import type { AppContext } from '../../src/app/context.ts';
import { certifyServiceFait } from '../../src/app/decisions/index.ts';
import { newId } from '../../src/domain/ids.ts';
import { emptyInvoice, type Invoice } from '../../src/domain/invoice.ts';
import { Decimal } from '../../src/domain/money.ts';
import { CLI_ACTOR } from '../../src/domain/roles.ts';

export const CORPUS_PDF = path.resolve(import.meta.dirname, '../../../shared/corpus/facturx/zfcorpus__Facture_FR_EN16931.pdf');
export const BUDGET_SIRET = '21340123400017';
export const TIERS_SIRET = '99900123400015';
export const TIERS_IBAN = 'FR7630001007941234567890185';

export type Fixture = { tenantId: string; budgetId: string; budgetCode: string; tiersId: string; engagementIds: string[]; invoiceIds: string[] };

export type FixtureOptions = {
  invoices?: number;
  vatRegime?: 'HT' | 'TTC';
  /** Invoice amounts (HT, TVA); default 100.00 + 20.00. */
  ht?: string;
  tva?: string;
  engagementTtc?: string;
  engagementHt?: string | null;
  exerciceOpen?: boolean;
  tiersIbans?: string[];
  invoiceIban?: string | null;
  pdf?: Buffer;
  /**
   * Certify the service fait of each invoice through the decisions use case (default true): the
   * lifecycle mandates only from service fait. false leaves them "à traiter".
   */
  serviceFait?: boolean;
};

export async function createMandatFixture(context: AppContext, options: FixtureOptions = {}): Promise<Fixture> {
  const db = context.store.db;
  const now = new Date().toISOString();
  const tenantId = newId();
  await db.insertInto('tenants').values({ id: tenantId, name: 'Commune de Testville', siren: BUDGET_SIRET.slice(0, 9), kind: 'commune', chorus_connection_encrypted: null, created_at: now, updated_at: now }).execute();
  const budgetId = newId();
  await db
    .insertInto('budgets')
    .values({ id: budgetId, tenant_id: tenantId, code: 'BP', label: 'Budget principal de Testville', siret: BUDGET_SIRET, vat_regime: options.vatRegime ?? 'TTC', nomenclature: 'M57', codcol: '123', codbud: '00', idpost: '034099', created_at: now, updated_at: now })
    .execute();
  await db.insertInto('exercices').values({ id: newId(), tenant_id: tenantId, budget_id: budgetId, year: 2025, open: options.exerciceOpen === false ? 0 : 1 }).execute();
  const tiersId = newId();
  await db
    .insertInto('tiers')
    .values({ id: tiersId, tenant_id: tenantId, siret: TIERS_SIRET, siren: TIERS_SIRET.slice(0, 9), vat_id: 'FR32999001234', name: 'Papeterie Exemple SARL', address: '12 rue des Exemples, 34000 Montpellier', ibans_json: JSON.stringify(options.tiersIbans ?? [TIERS_IBAN]), created_at: now, updated_at: now })
    .execute();
  const count = options.invoices ?? 1;
  const ht = Decimal.parse(options.ht ?? '100.00');
  const tva = Decimal.parse(options.tva ?? '20.00');
  const ttc = ht.add(tva);
  const engagementId = newId();
  const engagementTtc = options.engagementTtc ? Decimal.parse(options.engagementTtc) : ttc.mul(Decimal.fromInteger(count));
  const engagementHt = options.engagementHt === null ? null : options.engagementHt ? Decimal.parse(options.engagementHt) : ht.mul(Decimal.fromInteger(count));
  await db
    .insertInto('engagements')
    .values({
      id: engagementId, tenant_id: tenantId, numero: 'EJ-2025-0042', numero_normalized: 'EJ20250042', exercice: 2025, budget_id: budgetId, tiers_id: tiersId,
      service_code: 'TECH', section: 'F', chapitre: '011', nature: '6064', fonction: '020', operation: null, objet: 'Fournitures de bureau', marche: null,
      amount_ttc_cents: Number(engagementTtc.toCents()), amount_ht_cents: engagementHt ? Number(engagementHt.toCents()) : null,
      liquidated_ttc_cents: 0, liquidated_ht_cents: 0, status: 'open', created_at: now, updated_at: now,
    })
    .execute();
  const pdf = options.pdf ?? fs.readFileSync(CORPUS_PDF);
  const blob = await context.blobs.put(pdf);
  const invoiceIds: string[] = [];
  for (let index = 0; index < count; index += 1) {
    const id = newId();
    const number = `FA2025-${String(index + 1).padStart(4, '0')}`;
    const model: Invoice = {
      ...emptyInvoice('FACTURX'),
      number,
      issueDate: '2025-02-27',
      currency: 'EUR',
      orderReference: 'EJ-2025-0042',
      seller: { name: 'Papeterie Exemple SARL', identifiers: [], legalId: TIERS_SIRET, legalIdScheme: '0002', vatId: 'FR32999001234', siret: TIERS_SIRET, address: { line1: '12 rue des Exemples', line2: null, city: 'Montpellier', postCode: '34000', countryCode: 'FR' } },
      payment: { meansCode: '30', iban: options.invoiceIban === undefined ? TIERS_IBAN : options.invoiceIban, bic: 'BDFEFRPPXXX', accountName: null, remittanceInfo: null, terms: null },
      totals: { lineNet: ht.toString(2), allowances: null, charges: null, taxExclusive: ht.toString(2), tax: tva.toString(2), taxInclusive: ttc.toString(2), prepaid: null, rounding: null, payable: ttc.toString(2) },
      lines: [{ id: '1', name: 'Ramettes de papier A4', description: null, quantity: '10', unitCode: 'C62', netPrice: '10', netAmount: ht.toString(2), vatCategory: 'S', vatRate: '20', orderLineReference: null }],
    };
    await db
      .insertInto('invoices')
      .values({
        id, tenant_id: tenantId, structure_id: null, chorus_id: 900000 + index + Math.floor(Math.random() * 1e6) * 1000, chorus_status: 'MISE_A_DISPOSITION', chorus_status_at: '2025-03-01T10:00:00.000Z',
        deposited_at: '2025-02-28T09:00:00.000Z', made_available_at: '2025-03-01T10:00:00.000Z', chorus_service_code: 'TECH', status: 'to_process', format: 'FACTURX', profile: null,
        document_type: 'invoice', type_code: '380', number, issue_date: '2025-02-27', due_date: null, currency: 'EUR', buyer_reference: 'TECH', order_reference: 'EJ-2025-0042',
        contract_reference: null, seller_name: 'Papeterie Exemple SARL', seller_siret: TIERS_SIRET, seller_vat_id: 'FR32999001234', buyer_siret: BUDGET_SIRET,
        iban: options.invoiceIban === undefined ? TIERS_IBAN : options.invoiceIban, amount_ht: ht.toString(2), amount_tva: tva.toString(2), amount_ttc: ttc.toString(2),
        amount_payable: ttc.toString(2), amount_ttc_cents: Number(ttc.toCents()), without_metadata: 0, model_json: JSON.stringify(model), pivot_sha256: null,
        original_sha256: blob.sha256, pdf_sha256: blob.sha256, quarantined: 0, quarantine_reason: null, history_only: 0, created_at: now, updated_at: now,
      })
      .execute();
    await db.insertInto('invoice_files').values({ invoice_id: id, position: 1, role: 'original', filename: `${number}.pdf`, mime_type: 'application/pdf', size: blob.size, sha256: blob.sha256 }).execute();
    await db
      .insertInto('invoice_allocations')
      .values({ id: newId(), tenant_id: tenantId, invoice_id: id, engagement_id: engagementId, amount_ttc_cents: Number(ttc.toCents()), amount_ht_cents: Number(ht.toCents()), source: 'user', confirmed_by: 'test', created_at: now })
      .execute();
    invoiceIds.push(id);
    if (options.serviceFait !== false) await certifyServiceFait(db, { invoiceId: id, actor: CLI_ACTOR });
  }
  return { tenantId, budgetId, budgetCode: 'BP', tiersId, engagementIds: [engagementId], invoiceIds };
}
