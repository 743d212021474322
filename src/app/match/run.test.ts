import assert from 'node:assert/strict';
import test from 'node:test';
import { forEachDatabase } from '../../../test/helpers/databases.ts';
import { importCsv } from '../referential/import.ts';
import { insertInvoice, insertTenant } from '../search/test-fixtures.ts';
import { confirmAllocation, getMatch, runMatching } from './run.ts';

const ACME = '73282932000074';

test('runMatching stores results, allocates clear matches, flags anomalies; confirmAllocation records a choice', (t) =>
  forEachDatabase(t, async (context) => {
    const { db } = context.store;
    const tenantId = await insertTenant(db);
    await importCsv(db, tenantId, 'budgets', 'code;libelle;siret\nPRINC;Principal;21350001800013\n');
    await importCsv(db, tenantId, 'tiers', `siret;nom;iban\n${ACME};ACME;FR7630006000011234567890189\n`);
    await importCsv(db, tenantId, 'engagements', `numero;exercice;budget;siret_tiers;montant\nEJ-2025-001;2025;PRINC;${ACME};1500\nEJ-2025-002;2025;PRINC;${ACME};1000\n`);
    const good = await insertInvoice(db, tenantId, { seller_siret: ACME, seller_name: 'ACME', order_reference: 'EJ-2025-001', iban: 'FR7630006000011234567890189', number: 'A1', made_available_at: '2025-03-01T00:00:00Z' });
    const dup = await insertInvoice(db, tenantId, { seller_siret: ACME, seller_name: 'ACME', order_reference: 'EJ-2025-001', number: 'A1', made_available_at: '2025-03-02T00:00:00Z' });
    const unknown = await insertInvoice(db, tenantId, { seller_siret: '55203253400646', seller_name: 'Inconnu', number: 'Z9', made_available_at: '2025-03-03T00:00:00Z' });

    const results = await runMatching(context.store, tenantId);
    assert.deepEqual(results.map((r) => [r.invoiceId, r.status]), [[good.id, 'matched'], [dup.id, 'suggested'], [unknown.id, 'none']]);
    assert.equal(results[0]!.engagement?.numero, 'EJ-2025-001');
    assert.deepEqual(results[1]!.anomalies.map((a) => a.code), ['duplicate', 'engagement_exhausted']);
    assert.match(results[1]!.reasons.join(' '), /reste 300/, 'the first invoice reserved 1 200 € of 1 500 €');
    assert.deepEqual(results[2]!.anomalies.map((a) => a.code), ['unknown_supplier']);

    const auto = await db.selectFrom('invoice_allocations').selectAll().execute();
    assert.deepEqual(auto.map((a) => [a.invoice_id, a.amount_ttc_cents, a.source]), [[good.id, 120000, 'auto']]);
    const rerun = await runMatching(context.store, tenantId);
    assert.deepEqual(rerun.map((r) => r.status), ['matched', 'suggested', 'none'], 'a rerun gives the same results');

    const engagement2 = await db.selectFrom('engagements').select('id').where('numero', '=', 'EJ-2025-002').executeTakeFirstOrThrow();
    await confirmAllocation(context.store, tenantId, dup.id, { choices: [{ engagementId: engagement2.id }], actor: 'user:1' });
    const stored = await getMatch(db, tenantId, dup.id);
    assert.equal(stored?.confirmed, true);
    const search = await db.selectFrom('invoice_search').select(['match_state', 'engagement_numero', 'budget_code', 'exercice', 'anomaly']).where('invoice_id', '=', dup.id).executeTakeFirstOrThrow();
    assert.deepEqual(search, { match_state: 'confirmed', engagement_numero: 'EJ-2025-002', budget_code: 'PRINC', exercice: 2025, anomaly: 1 });
    const audit = await db.selectFrom('audit_log').select(['action', 'entity_id']).where('entity', '=', 'invoice').orderBy('seq').execute();
    assert.deepEqual(audit.map((a) => a.action), ['invoice.match', 'invoice.match', 'invoice.match', 'invoice.allocate']);
    const after = await runMatching(context.store, tenantId);
    assert.equal(after.length, 2, 'a confirmed invoice is not matched again');
  }));
