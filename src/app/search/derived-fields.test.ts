import assert from 'node:assert/strict';
import test from 'node:test';
import { forEachDatabase } from '../../../test/helpers/databases.ts';
import { newId } from '../../domain/ids.ts';
import { importCsv } from '../referential/import.ts';
import { indexInvoice, reindexAll } from './index-invoice.ts';
import { parseFilters, searchInvoices } from './search.ts';
import { insertInvoice, insertTenant } from './test-fixtures.ts';

const EAU_SIRET = '21350001800021';
const PRINC_SIRET = '21350001800013';

test('search: an invoice without allocation is filed under its recipient structure’s budget and the year it was made available', (t) =>
  forEachDatabase(t, async (context) => {
    const { db, dialect } = context.store;
    const tenantId = await insertTenant(db);
    const otherTenant = await insertTenant(db, 'Autre commune');
    await importCsv(db, tenantId, 'budgets', `code;libelle;siret\nPRINC;Principal;${PRINC_SIRET}\nEAU;Eau;${EAU_SIRET}\n`);
    // Another tenant's budget on the same SIRET must not be used.
    await importCsv(db, otherTenant, 'budgets', `code;libelle;siret\nAUTRE;Autre;${EAU_SIRET}\n`);
    const structureId = newId();
    await db
      .insertInto('structures')
      .values({ id: structureId, tenant_id: tenantId, chorus_id: 77, siret: EAU_SIRET, name: 'Régie des eaux', active: 1, refreshed_at: '2025-01-01T00:00:00Z' })
      .execute();
    // Paid, never matched, routed through the EAU structure; made available on 1 January in France.
    const byStructure = await insertInvoice(db, tenantId, {
      number: 'EAU-1', structure_id: structureId, buyer_siret: PRINC_SIRET, status: 'paid', chorus_status: 'MISE_EN_PAIEMENT',
      made_available_at: '2024-12-31T23:30:00.000Z', deposited_at: '2024-12-31T20:00:00.000Z', issue_date: '2024-12-20',
    });
    const byBuyer = await insertInvoice(db, tenantId, { number: 'EAU-2', buyer_siret: EAU_SIRET, made_available_at: null, deposited_at: '2025-06-02T08:00:00.000Z' });
    const unknown = await insertInvoice(db, tenantId, { number: 'X-3', buyer_siret: '99999999999999', made_available_at: null, deposited_at: null, issue_date: '2023-11-05' });
    const otherTenantInvoice = await insertInvoice(db, otherTenant, { number: 'O-1', buyer_siret: PRINC_SIRET });
    for (const invoice of [byStructure, byBuyer, unknown, otherTenantInvoice]) {
      await db.transaction().execute((trx) => indexInvoice(trx, dialect, invoice.id));
    }
    const rowOf = (id: string) => db.selectFrom('invoice_search').select(['budget_code', 'exercice']).where('invoice_id', '=', id).executeTakeFirstOrThrow();
    assert.deepEqual(await rowOf(byStructure.id), { budget_code: 'EAU', exercice: 2025 });
    assert.deepEqual(await rowOf(byBuyer.id), { budget_code: 'EAU', exercice: 2025 });
    assert.deepEqual(await rowOf(unknown.id), { budget_code: '', exercice: 2023 });
    assert.deepEqual(await rowOf(otherTenantInvoice.id), { budget_code: '', exercice: 2025 });

    const eau = await searchInvoices(context.store, tenantId, { filters: parseFilters(['budget=EAU', 'exercice=2025']) });
    assert.deepEqual(eau.items.map((item) => item.number).sort(), ['EAU-1', 'EAU-2']);
    assert.equal(eau.total, 2);
    const all = await searchInvoices(context.store, tenantId, {});
    assert.deepEqual(all.facets.budget, { EAU: 2, none: 1 });

    // Rows indexed before the derivation existed are corrected by a reindex (liasse search --reindex).
    await db.updateTable('invoice_search').set({ budget_code: '', exercice: 0 }).execute();
    await reindexAll(context, tenantId);
    assert.deepEqual(await rowOf(byBuyer.id), { budget_code: 'EAU', exercice: 2025 });
  }));

test('search: an allocated engagement decides budget and exercice over the recipient structure', (t) =>
  forEachDatabase(t, async (context) => {
    const { db, dialect } = context.store;
    const tenantId = await insertTenant(db);
    await importCsv(db, tenantId, 'budgets', `code;libelle;siret\nPRINC;Principal;${PRINC_SIRET}\nEAU;Eau;${EAU_SIRET}\n`);
    await importCsv(db, tenantId, 'tiers', 'siret;nom\n73282932000074;Électricité de Bretagne\n');
    await importCsv(db, tenantId, 'engagements', `numero;exercice;budget;siret_tiers;montant\nEJ-2024-009;2024;PRINC;73282932000074;100000\n`);
    const invoice = await insertInvoice(db, tenantId, { buyer_siret: EAU_SIRET });
    const engagement = await db.selectFrom('engagements').select('id').where('tenant_id', '=', tenantId).executeTakeFirstOrThrow();
    await db
      .insertInto('invoice_allocations')
      .values({
        id: newId(), tenant_id: tenantId, invoice_id: invoice.id, engagement_id: engagement.id, amount_ttc_cents: 120000,
        amount_ht_cents: null, source: 'user', confirmed_by: null, created_at: '2025-03-02T00:00:00.000Z',
      })
      .execute();
    await db.transaction().execute((trx) => indexInvoice(trx, dialect, invoice.id));
    const row = await db.selectFrom('invoice_search').select(['budget_code', 'exercice']).where('invoice_id', '=', invoice.id).executeTakeFirstOrThrow();
    assert.deepEqual(row, { budget_code: 'PRINC', exercice: 2024 });
  }));

test('search: a late credit note runs no payment deadline and is never at risk', (t) =>
  forEachDatabase(t, async (context) => {
    const { db, dialect } = context.store;
    const tenantId = await insertTenant(db);
    const late = { made_available_at: '2025-01-02T10:00:00.000Z', deposited_at: '2025-01-02T09:00:00.000Z' };
    const invoice = await insertInvoice(db, tenantId, { number: 'F-LATE', ...late });
    const creditNote = await insertInvoice(db, tenantId, { number: 'AV-LATE', document_type: 'creditNote', type_code: '381', ...late });
    for (const row of [invoice, creditNote]) await db.transaction().execute((trx) => indexInvoice(trx, dialect, row.id));
    const stored = await db.selectFrom('invoice_search').select(['dgp_state', 'dgp_expiry']).where('invoice_id', '=', creditNote.id).executeTakeFirstOrThrow();
    assert.deepEqual(stored, { dgp_state: '', dgp_expiry: null });
    const atRisk = await searchInvoices(context.store, tenantId, { filters: parseFilters(['dgp_risk=oui']), today: '2025-06-01' });
    assert.deepEqual(atRisk.items.map((item) => item.number), ['F-LATE']);
  }));
