// The sync engine in process (simulator state, no HTTP), on SQLite and PostgreSQL: invalid
// structured invoices quarantined with their rules, PDF-only deposits completed from Chorus,
// batched storing (upsertInvoices, appendAuditBatch) equal to one-by-one, history refresh.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { writeUbl } from '../../chorus/simulator/documents/ubl.ts';
import { SimState } from '../../chorus/simulator/store.ts';
import { appendAudit, appendAuditBatch, verifyAuditChain } from '../../store/audit.ts';
import { upsertInvoices, type InvoiceRecordInput } from '../../store/invoices.ts';
import { forEachDatabase } from '../../../test/helpers/databases.ts';
import { createTenant } from '../tenants.ts';
import { loadSecretKey } from '../secrets.ts';
import { refreshInvoiceHistory } from './history.ts';
import { inProcessChorusClient } from './in-process-client.ts';
import { syncTenant } from './sync.ts';

test('sync in process: invalid invoices quarantined with their rules, PDF-only credit notes and IBANs from Chorus, history refresh', async (t) => {
  await forEachDatabase(t, async (context) => {
    const state = SimState.open({ seed: 'engine-test', invoices: 60 });
    const invoices = [...state.invoices.values()].filter((invoice) => state.isVisible(invoice) && !invoice.malformed);
    // An invalid UBL: the amount due no longer follows from the totals (BR-CO-16).
    const ubl = invoices.find((invoice) => invoice.form === 'UBL' && invoice.typeFacture === 'FACTURE')!;
    const xml = writeUbl(state.contextOf(ubl)).replace(/(<cbc:PayableAmount currencyID="EUR">)([^<]+)</, (_, open: string, value: string) => `${open}${(Number(value) + 7).toFixed(2)}<`);
    ubl.storedOriginal = { fileKey: await state.storeFile(Buffer.from(xml, 'utf8')), name: 'invalide.xml', mimeType: 'application/xml' };
    // A PDF-only credit note whose pivot gives the bank account.
    const pdfOnly = invoices.find((invoice) => invoice.form === 'PDF')!;
    pdfOnly.typeFacture = 'AVOIR';
    const tenant = await createTenant(context.store.db, { name: 'Moteur' }, loadSecretKey(context.config));
    const client = inProcessChorusClient(state);
    const first = await syncTenant(context, tenant.id, { client, batchMaxInvoices: 7, readers: 1, since: '2000-01-01' });
    assert.equal(first.failed, 0, first.errors.join('\n'));
    assert.ok(first.new > 0);
    const row = (chorusId: number) =>
      context.store.db.selectFrom('invoices').selectAll().where('tenant_id', '=', tenant.id).where('chorus_id', '=', chorusId).executeTakeFirstOrThrow();

    const invalid = await row(ubl.idFacture);
    assert.equal(invalid.quarantined, 1);
    assert.match(invalid.quarantine_reason ?? '', /EN 16931 \(.*BR-CO-16/);
    const credit = await row(pdfOnly.idFacture);
    assert.equal(credit.quarantined, 0, 'a PDF without metadata is not invalid');
    assert.equal(credit.without_metadata, 1);
    assert.equal(credit.document_type, 'creditNote');
    assert.equal(credit.iban, pdfOnly.iban.replace(/\s/g, ''));
    // The simulator's own valid invoices break no EN 16931 rule: only the planted broken files and ours are quarantined.
    const quarantined = await context.store.db.selectFrom('invoices').select(['chorus_id', 'quarantine_reason']).where('tenant_id', '=', tenant.id).where('quarantined', '=', 1).execute();
    for (const entry of quarantined) {
      const invoice = state.invoices.get(Number(entry.chorus_id))!;
      assert.ok(invoice === ubl || invoice.malformed !== null, `unexpected quarantine of ${invoice.form} ${invoice.idFacture}: ${entry.quarantine_reason}`);
    }
    assert.equal(first.quarantined, quarantined.length);

    const second = await syncTenant(context, tenant.id, { client, readers: 0, since: '2000-01-01' });
    assert.equal(second.new, 0);
    assert.equal(second.updated, 0);

    // Chorus moves an invoice on elsewhere (suspended then completed): its history follows, with a new cycle.
    const moved = invoices.find((invoice) => invoice.statut === 'MISE_A_DISPOSITION' || invoice.statut === 'A_RECYCLER') ?? invoices[0]!;
    const agent = { nom: 'Agent', prenom: 'Test', email: null };
    state.pushStatus(moved, 'SUSPENDUE', agent, 'pièce manquante');
    state.pushStatus(moved, 'COMPLETEE', agent, 'complétée');
    const refreshed = await refreshInvoiceHistory(context, tenant.id, moved.idFacture, { client });
    assert.ok(refreshed);
    assert.ok(refreshed.cycles >= 2);
    const history = await context.store.db.selectFrom('chorus_history').selectAll().where('invoice_id', '=', refreshed.invoiceId).execute();
    assert.ok(history.some((entry) => entry.status === 'COMPLETEE' && entry.cycle === refreshed.cycles));
    const audit = await context.store.db.selectFrom('audit_log').select('action').where('entity_id', '=', refreshed.invoiceId).execute();
    assert.ok(audit.some((entry) => entry.action === 'invoice.sync.history'));
    assert.equal(await refreshInvoiceHistory(context, tenant.id, 999_999_999, { client }), null);
    assert.deepEqual(await verifyAuditChain(context.store.db), { ok: true, entries: (await context.store.db.selectFrom('audit_log').select('seq').execute()).length });
  });
});

test('appendAuditBatch writes the chain appendAudit would, and upsertInvoices stores a batch like one-by-one', async (t) => {
  await forEachDatabase(t, async (context) => {
    const db = context.store.db;
    const entries = Array.from({ length: 5 }, (_, index) => ({ tenantId: null, actor: 'cli', action: 'test.batch', entity: 'thing', entityId: String(index), data: { index }, at: '2025-01-01T00:00:00.000Z' }));
    await db.transaction().execute((trx) => appendAudit(trx, entries[0]!));
    assert.deepEqual(await db.transaction().execute((trx) => appendAuditBatch(trx, entries.slice(1))), [2, 3, 4, 5]);
    assert.deepEqual(await db.transaction().execute((trx) => appendAuditBatch(trx, [])), []);
    assert.deepEqual(await verifyAuditChain(db), { ok: true, entries: 5 });

    const tenant = await createTenant(db, { name: 'Lot' }, loadSecretKey(context.config));
    const input = (chorusId: number, status: string): InvoiceRecordInput => ({
      tenantId: tenant.id,
      structureId: null,
      chorusId,
      chorusStatus: status,
      chorusStatusAt: null,
      depositedAt: null,
      madeAvailableAt: null,
      chorusServiceCode: null,
      initialStatus: 'received',
      statusOnUpdate: () => null,
      model: null,
      summary: { number: `N${chorusId}`, issueDate: null, currency: 'EUR', sellerName: 'S', sellerSiret: null, buyerSiret: null, amountHt: '10.00', amountTtc: '12.00', amountPayable: '12.00', orderReference: null, contractReference: null, documentType: 'invoice' },
      files: [{ role: 'pivot', filename: `${chorusId}.xml`, mimeType: 'application/xml', size: 3, sha256: 'a'.repeat(64) }],
      history: [{ status, at: '2025-01-01T10:00:00', comment: null, cycle: 1 }],
      pivotSha256: null,
      originalSha256: null,
      pdfSha256: null,
      quarantineReason: null,
      historyOnly: false,
    });
    const firstBatch = await db.transaction().execute((trx) => upsertInvoices(trx, context.store.dialect, [input(1, 'DEPOSEE'), input(2, 'DEPOSEE')]));
    assert.deepEqual(firstBatch.map((entry) => entry.outcome), ['new', 'new']);
    // An existing one, a new one, and the same idFacture twice: written in order, the last wins.
    const second = await db.transaction().execute((trx) =>
      upsertInvoices(trx, context.store.dialect, [input(2, 'MISE_A_DISPOSITION'), input(3, 'DEPOSEE'), input(3, 'MISE_A_DISPOSITION')]),
    );
    assert.deepEqual(second.map((entry) => entry.outcome), ['updated', 'new', 'updated']);
    assert.equal(second[0]!.id, firstBatch[1]!.id);
    assert.equal(second[1]!.id, second[2]!.id);
    const rows = await db.selectFrom('invoices').select(['chorus_id', 'chorus_status']).where('tenant_id', '=', tenant.id).orderBy('chorus_id').execute();
    assert.deepEqual(rows.map((row) => [Number(row.chorus_id), row.chorus_status]), [[1, 'DEPOSEE'], [2, 'MISE_A_DISPOSITION'], [3, 'MISE_A_DISPOSITION']]);
    const files = await db.selectFrom('invoice_files').select('invoice_id').execute();
    assert.equal(files.length, 3, 'children replaced, never duplicated');
    const history = await db.selectFrom('chorus_history').select(['invoice_id', 'status']).execute();
    assert.equal(history.length, 3);
    assert.deepEqual(await verifyAuditChain(db), { ok: true, entries: 11 }); // 5 + the tenant creation + 5 invoice writes
  });
});
