import assert from 'node:assert/strict';
import test from 'node:test';
import { sql } from 'kysely';
import { forEachDatabase } from '../../../test/helpers/databases.ts';
import { newId } from '../../domain/ids.ts';
import { indexInvoice } from './index-invoice.ts';
import { searchInvoices, type SearchQuery } from './search.ts';
import { insertInvoice, insertTenant } from './test-fixtures.ts';

const results: Record<string, unknown> = {};

test('search: bounded totals, sampled facets, anomaly codes from the counts table, identical on both databases', (t) =>
  forEachDatabase(t, async (context, database) => {
    const { db, dialect } = context.store;
    const tenantId = await insertTenant(db);
    for (let i = 1; i <= 12; i += 1) {
      const row = await insertInvoice(db, tenantId, {
        number: `FB-${String(i).padStart(3, '0')}`,
        seller_name: i % 2 ? 'Papeterie Moreau' : 'Voirie Durand',
        amount_ttc: `${i * 10}.00`,
        made_available_at: `2025-03-${String(13 - i).padStart(2, '0')}T10:00:00Z`,
        status: i % 3 === 0 ? 'suspended' : 'received',
      });
      await db.transaction().execute((trx) => indexInvoice(trx, dialect, row.id));
      // Anomalies as matching stores them (codes surrounded by spaces); the triggers keep the counts.
      const codes = i % 4 === 0 ? ' duplicate iban_unknown ' : i % 4 === 1 ? ' duplicate ' : '';
      await db.updateTable('invoice_search').set({ anomaly: codes ? 1 : 0, anomaly_codes: codes }).where('invoice_id', '=', row.id).execute();
    }
    const run = (query: SearchQuery) => searchInvoices(context.store, tenantId, query);
    const out: Record<string, unknown> = {};

    const exact = await run({ text: 'papeterie' });
    assert.equal(exact.total, 6);
    assert.equal(exact.totalIsApproximate, false);
    assert.deepEqual(exact.items.map((item) => item.number), ['FB-001', 'FB-003', 'FB-005', 'FB-007', 'FB-009', 'FB-011'], 'received last first, as without text');

    const capped = await run({ text: 'papeterie', countCap: 4, limit: 2 });
    assert.equal(capped.total, 4);
    assert.equal(capped.totalIsApproximate, true);
    assert.equal(capped.facetsAreApproximate, true);
    assert.equal(Object.values(capped.facets.status).reduce((a, b) => a + b, 0), 4, 'facets over the 4 received last');
    const pages: string[] = [];
    let after: string | null = null;
    do {
      const page = await run({ text: 'papeterie', countCap: 4, limit: 2, after, facets: false });
      pages.push(...page.items.map((item) => item.number));
      after = page.nextCursor;
    } while (after);
    assert.deepEqual(pages, exact.items.map((item) => item.number), 'pages past the cap still reach every match');

    const sorted = await run({ text: 'papeterie', sort: 'amount', direction: 'asc', countCap: 2, limit: 3 });
    assert.deepEqual(sorted.items.map((item) => item.number), ['FB-001', 'FB-003', 'FB-005'], 'an explicit sort is honoured past the cap');

    const amounts = await run({ filters: { amountMin: '30', amountMax: '90' }, countCap: 3 });
    assert.equal(amounts.total, 3);
    assert.equal(amounts.totalIsApproximate, true);
    assert.equal(Object.values(amounts.facets.status).reduce((a, b) => a + b, 0), 3, 'facets over the first results in the order asked');
    assert.deepEqual(amounts.items.map((item) => item.number), ['FB-003', 'FB-004', 'FB-005', 'FB-006', 'FB-007', 'FB-008', 'FB-009']);

    const small = await run({ filters: { amountMin: '30', amountMax: '90' }, sort: 'amount', direction: 'desc', limit: 2 });
    assert.equal(small.total, 7);
    assert.equal(small.totalIsApproximate, false);
    const next = await run({ filters: { amountMin: '30', amountMax: '90' }, sort: 'amount', direction: 'desc', limit: 2, after: small.nextCursor });
    assert.deepEqual([...small.items, ...next.items].map((item) => item.number), ['FB-009', 'FB-008', 'FB-007', 'FB-006']);

    const duplicate = await run({ filters: { anomaly: 'duplicate' } });
    assert.equal(duplicate.total, 6);
    assert.deepEqual(duplicate.facets.anomalyCode, { duplicate: 6, iban_unknown: 3 });
    assert.equal(duplicate.facetsAreApproximate, false);
    const duplicateCounted = await run({ filters: { anomaly: 'duplicate', amountMin: '0' } });
    assert.deepEqual({ ...duplicateCounted, items: [] }, { ...duplicate, items: [] }, 'the counts table and counting agree');
    assert.deepEqual(duplicateCounted.items, duplicate.items);
    assert.equal((await run({ filters: { anomaly: 'iban_unknown' } })).total, 3);

    for (const [name, result] of Object.entries({ exact, capped, sorted, amounts, small, next, duplicate })) {
      out[name] = { ...result, items: result.items.map((item) => item.number) };
    }
    results[database.dialect] = out;
    if (results.sqlite && results.postgres) assert.deepEqual(results.postgres, results.sqlite, 'same answers on SQLite and PostgreSQL');
  }));

test('search: the payment deadline is the deadlines module’s (suspensions, hospitals), stored at indexing', (t) =>
  forEachDatabase(t, async (context) => {
    const { db, dialect } = context.store;
    const commune = await insertTenant(db);
    const hospitalId = await insertTenant(db, 'Centre hospitalier');
    await db.updateTable('tenants').set({ kind: 'hopital' }).where('id', '=', hospitalId).execute();
    const received = '2025-03-01T10:00:00.000Z';
    const plain = await insertInvoice(db, commune, { number: 'D-PLAIN', made_available_at: received });
    const suspended = await insertInvoice(db, commune, { number: 'D-SUSP', made_available_at: received });
    const open = await insertInvoice(db, commune, { number: 'D-OPEN', made_available_at: received });
    const hospital = await insertInvoice(db, hospitalId, { number: 'D-HOSP', made_available_at: received });
    const history = (invoiceId: string, status: string, at: string, cycle: number) =>
      db.insertInto('chorus_history').values({ id: newId(), invoice_id: invoiceId, status, at, comment: null, cycle }).execute();
    // Suspended on 11 March with 20 days left, completed on 21 March: expiry 21 + 20 = 10 April.
    await history(suspended.id, 'SUSPENDUE', '2025-03-11T09:00:00.000Z', 1);
    await history(suspended.id, 'COMPLETEE', '2025-03-21T09:00:00.000Z', 2);
    await history(open.id, 'SUSPENDUE', '2025-03-11T09:00:00.000Z', 1);
    for (const invoice of [plain, suspended, open, hospital]) await db.transaction().execute((trx) => indexInvoice(trx, dialect, invoice.id));

    const stored = await db.selectFrom('invoice_search').select(['number', 'dgp_expiry', 'dgp_state']).orderBy('number').execute();
    assert.deepEqual(stored, [
      { number: 'D-HOSP', dgp_expiry: '2025-04-20', dgp_state: 'running' },
      { number: 'D-OPEN', dgp_expiry: stored.find((row) => row.number === 'D-OPEN')!.dgp_expiry, dgp_state: 'suspended' },
      { number: 'D-PLAIN', dgp_expiry: '2025-03-31', dgp_state: 'running' },
      { number: 'D-SUSP', dgp_expiry: '2025-04-10', dgp_state: 'running' },
    ]);
    const risk = async (tenantId: string, days: number, today: string) =>
      (await searchInvoices(context.store, tenantId, { filters: { dgpRiskDays: days }, today })).items.map((item) => item.number);
    assert.deepEqual(await risk(commune, 5, '2025-03-27'), ['D-PLAIN'], 'the suspension moved D-SUSP; the open one is frozen');
    assert.deepEqual((await risk(commune, 5, '2025-04-06')).sort(), ['D-PLAIN', 'D-SUSP']);
    assert.deepEqual(await risk(hospitalId, 5, '2025-03-27'), [], 'a hospital has 50 days');
    assert.deepEqual(await risk(hospitalId, 5, '2025-04-16'), ['D-HOSP']);
    assert.deepEqual(await risk(commune, -1, '2025-04-01'), ['D-PLAIN'], 'late: expired before today');
  }));

test('search: text counted per tenant in a shared index, newest received first after a reindex, a deleted row leaves the full text', (t) =>
  forEachDatabase(t, async (context, database) => {
    const { db, dialect } = context.store;
    const mine = await insertTenant(db);
    const other = await insertTenant(db, 'Autre commune');
    const ids: string[] = [];
    for (let i = 1; i <= 4; i += 1) {
      const row = await insertInvoice(db, mine, { number: `FT-${i}`, seller_name: 'Papeterie Moreau', made_available_at: `2025-03-0${i}T10:00:00Z` });
      await db.transaction().execute((trx) => indexInvoice(trx, dialect, row.id));
      ids.push(row.id);
      const theirs = await insertInvoice(db, other, { number: `FX-${i}`, seller_name: 'Papeterie Moreau', made_available_at: `2025-03-0${i}T10:00:00Z` });
      await db.transaction().execute((trx) => indexInvoice(trx, dialect, theirs.id));
    }
    const run = (query: SearchQuery) => searchInvoices(context.store, mine, query);
    const numbers = async (query: SearchQuery) => (await run(query)).items.map((item) => item.number);
    assert.equal((await run({ text: 'papeterie' })).total, 4, `${dialect}: the other tenant's matches are not counted`);
    assert.equal((await run({ text: 'pap' })).total, 4);
    assert.deepEqual(await numbers({ text: 'papeterie' }), ['FT-4', 'FT-3', 'FT-2', 'FT-1']);
    assert.deepEqual(await numbers({ text: 'papeterie', direction: 'asc' }), ['FT-1', 'FT-2', 'FT-3', 'FT-4']);

    // Received later: the FTS row moves with its key.
    await db.updateTable('invoices').set({ made_available_at: '2025-04-01T10:00:00Z' }).where('id', '=', ids[0]!).execute();
    await db.transaction().execute((trx) => indexInvoice(trx, dialect, ids[0]!));
    assert.deepEqual(await numbers({ text: 'papeterie' }), ['FT-1', 'FT-4', 'FT-3', 'FT-2']);
    assert.equal((await run({ text: 'papeterie' })).total, 4);
    const first = await run({ text: 'papeterie', limit: 2 });
    const second = await run({ text: 'papeterie', limit: 2, after: first.nextCursor });
    assert.deepEqual(second.items.map((item) => item.number), ['FT-3', 'FT-2']);

    await db.deleteFrom('invoice_search').where('invoice_id', '=', ids[1]!).execute();
    assert.equal((await run({ text: 'papeterie' })).total, 3);
    assert.deepEqual(await numbers({ text: 'papeterie', filters: { status: ['received'] } }), ['FT-1', 'FT-4', 'FT-3']);
    if (database.dialect === 'sqlite') {
      const [fts] = (await sql<{ n: number }>`select count(*) as n from invoice_search_fts where invoice_search_fts match 'papeterie'`.execute(db)).rows;
      assert.equal(Number(fts!.n), 7, 'one FTS row per search row');
    }
  }));
