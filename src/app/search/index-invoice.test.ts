import assert from 'node:assert/strict';
import test from 'node:test';
import { sql } from 'kysely';
import { forEachDatabase } from '../../../test/helpers/databases.ts';
import { indexInvoice, reindexAll } from './index-invoice.ts';
import { insertInvoice, insertTenant } from './test-fixtures.ts';

test('indexInvoice stores a normalised document, follows status changes and keeps facet counts', (t) =>
  forEachDatabase(t, async (context) => {
    const { db, dialect } = context.store;
    const tenantId = await insertTenant(db);
    const invoice = await insertInvoice(db, tenantId, {
      seller_name: 'Électricité de Bretagne',
      number: 'FA-2025-0042',
      model_json: JSON.stringify({ text: 'Facture de février, école Jean-Jaurès', lines: [{ name: 'Œuvre murale', description: null, id: '1' }] }),
    });
    await db.transaction().execute((trx) => indexInvoice(trx, dialect, invoice.id));
    const row = await db.selectFrom('invoice_search').selectAll().where('invoice_id', '=', invoice.id).executeTakeFirstOrThrow();
    assert.match(row.document, /electricite de bretagne/);
    assert.match(row.document, /fa 2025 0042/);
    assert.match(row.document, /oeuvre murale/);
    assert.match(row.document, /fevrier ecole jean jaures/);
    assert.equal(row.match_state, 'pending');
    assert.equal(row.received_date, '2025-03-01');

    await db.transaction().execute((trx) => indexInvoice(trx, dialect, invoice.id));
    await db.updateTable('invoices').set({ status: 'suspended', chorus_status: 'SUSPENDUE' }).where('id', '=', invoice.id).execute();
    const after = await db.selectFrom('invoice_search').select(['status', 'chorus_status']).where('invoice_id', '=', invoice.id).executeTakeFirstOrThrow();
    assert.deepEqual(after, { status: 'suspended', chorus_status: 'SUSPENDUE' });
    const facets = await db.selectFrom('invoice_search_facets').select(['status', 'n']).where('n', '>', 0).execute();
    assert.deepEqual(facets, [{ status: 'suspended', n: 1 }]);

    if (dialect === 'sqlite') {
      const hits = await sql<{ rowid: number }>`select rowid from invoice_search_fts where invoice_search_fts match ${'"electri"* "jaur"*'}`.execute(db);
      assert.equal(hits.rows.length, 1);
    }
    assert.equal(await reindexAll(context), 1);
    const count = await db.selectFrom('invoice_search').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    assert.equal(Number(count.n), 1);
  }));
