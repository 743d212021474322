// The dashboard's payment-deadline panel on both databases: a credit note is never "late" nor "at
// risk", even where the search index still carries a running delay for it.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { forEachDatabase } from '../../../test/helpers/databases.ts';
import { insertInvoice, insertTenant } from '../archive/test-fixtures.ts';
import { reindexAll } from '../search/index-invoice.ts';
import { loadDashboard } from './index.ts';

test('dashboard DGP risk: credit notes are not payables', (t) =>
  forEachDatabase(t, async (context) => {
    const db = context.store.db;
    const tenantId = await insertTenant(db, 'commune');
    const made = { made_available_at: '2023-02-01T08:00:00Z', amount_ttc: '1200.00', status: 'to_process' };
    const invoice = await insertInvoice(db, tenantId, { ...made, number: 'FA-1' });
    const credit = await insertInvoice(db, tenantId, { ...made, number: 'AV-1', document_type: 'creditNote', type_code: '381' });
    await reindexAll(context, tenantId);
    // As an index built before the rule knew credit notes would have it: a delay long expired.
    await db.updateTable('invoice_search').set({ dgp_state: 'running', dgp_expiry: '2023-03-03' }).where('invoice_id', '=', credit).execute();
    const dashboard = await loadDashboard(context, tenantId);
    assert.deepEqual(dashboard.risk, { late: 1, at_risk: 0 });
    assert.deepEqual(dashboard.mostUrgent.map((item) => item.invoiceId), [invoice]);
  }));
