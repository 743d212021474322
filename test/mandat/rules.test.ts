// Mandat rules on both databases: a mandat only where the lifecycle allows it (and never for a
// quarantined or history-only invoice) — nothing written otherwise; withdrawing an untransmitted
// mandat only as the last number of its series, the number given again, the invoice back where it was.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { certifyServiceFait } from '../../src/app/decisions/index.ts';
import { cancelPendingMandat, createMandat, getMandat, MandatCheckError, MandatError, previewMandat } from '../../src/app/mandate/mandats.ts';
import { getInvoiceTimeline } from '../../src/app/timeline/index.ts';
import { CLI_ACTOR } from '../../src/domain/roles.ts';
import { verifyAuditChain } from '../../src/store/audit.ts';
import { forEachDatabase } from '../helpers/databases.ts';
import { createMandatFixture, type Fixture } from './fixtures.ts';
import type { AppContext } from '../../src/app/context.ts';

const PDF = Buffer.from('%PDF-1.4 test\n');

async function snapshot(context: AppContext, fixture: Fixture) {
  const db = context.store.db;
  const [mandats, outbox, sequences, engagement, audit] = await Promise.all([
    db.selectFrom('mandats').select(['id', 'numero']).where('tenant_id', '=', fixture.tenantId).orderBy('numero').execute(),
    db.selectFrom('publish_outbox').select(['id', 'state', 'resolution']).where('tenant_id', '=', fixture.tenantId).orderBy('created_at').execute(),
    db.selectFrom('sequences').select(['name', 'value']).where('name', 'like', `mandat:${fixture.budgetId}:%`).execute(),
    db.selectFrom('engagements').select(['liquidated_ttc_cents', 'liquidated_ht_cents']).where('id', '=', fixture.engagementIds[0]!).executeTakeFirstOrThrow(),
    verifyAuditChain(db),
  ]);
  return {
    mandats: mandats.map((row) => [row.id, Number(row.numero)]),
    outbox,
    sequences: sequences.map((row) => [row.name, Number(row.value)]),
    liquidated: [Number(engagement.liquidated_ttc_cents), Number(engagement.liquidated_ht_cents)],
    audit,
  };
}

const statusOf = async (context: AppContext, invoiceId: string) =>
  (await context.store.db.selectFrom('invoices').select('status').where('id', '=', invoiceId).executeTakeFirstOrThrow()).status;

test('a mandat only where the lifecycle allows it, never for quarantined or history-only invoices; nothing written otherwise', (t) =>
  forEachDatabase(t, async (context) => {
    const fixture = await createMandatFixture(context, { invoices: 5, pdf: PDF });
    const db = context.store.db;
    const [rejected, paid, quarantined, historyOnly, bogus] = fixture.invoiceIds as [string, string, string, string, string];
    await db.updateTable('invoices').set({ status: 'rejected' }).where('id', '=', rejected).execute();
    await db.updateTable('invoices').set({ status: 'paid' }).where('id', '=', paid).execute();
    await db.updateTable('invoices').set({ quarantined: 1, quarantine_reason: 'PDF illisible' }).where('id', '=', quarantined).execute();
    await db.updateTable('invoices').set({ history_only: 1 }).where('id', '=', historyOnly).execute();
    await db.updateTable('invoices').set({ status: 'archived_somehow' }).where('id', '=', bogus).execute();
    const before = await snapshot(context, fixture);
    const refused = async (invoiceId: string, code: string, message: RegExp) =>
      assert.rejects(createMandat(context, fixture.tenantId, CLI_ACTOR, { invoiceIds: [invoiceId] }), (error: Error) => {
        assert.ok(error instanceof MandatCheckError, String(error));
        const problem = error.problems.find((item) => item.code === code);
        assert.ok(problem, `${code} expected in ${JSON.stringify(error.problems)}`);
        assert.match(problem.message, message);
        return true;
      });
    await refused(rejected, 'invoice_status', /a été rejetée/);
    await refused(paid, 'invoice_status', /déjà mise en paiement/);
    await refused(quarantined, 'quarantined', /en quarantaine \(PDF illisible\).*aucun mandat/);
    await refused(historyOnly, 'history_only', /reprise comme historique/);
    await refused(bogus, 'invoice_status', /ne peut pas être mandatée/);
    // No mandat, no MANDATEE queued, no number taken, nothing liquidated, no audit entry.
    assert.deepEqual(await snapshot(context, fixture), before);
    assert.equal(await statusOf(context, rejected), 'rejected');
    assert.equal(await statusOf(context, paid), 'paid');
  }));

test('withdrawing an untransmitted mandat: only the last of its series, whose number is given again', (t) =>
  forEachDatabase(t, async (context, database) => {
    const fixture = await createMandatFixture(context, { invoices: 5, pdf: PDF });
    const db = context.store.db;
    const [i1, i2, i3, i4, i5] = fixture.invoiceIds as [string, string, string, string, string];
    const m1 = await createMandat(context, fixture.tenantId, CLI_ACTOR, { invoiceIds: [i1] });
    const m2 = await createMandat(context, fixture.tenantId, CLI_ACTOR, { invoiceIds: [i2] });
    const m3 = await createMandat(context, fixture.tenantId, CLI_ACTOR, { invoiceIds: [i3] });
    assert.deepEqual([m1.numero, m2.numero, m3.numero], [1, 2, 3]);

    // Not the last: refused, with what to do instead; nothing changes.
    const before = await snapshot(context, fixture);
    await assert.rejects(
      cancelPendingMandat(context, fixture.tenantId, CLI_ACTOR, { mandatId: m2.id, reason: 'Erreur' }),
      (error: Error) =>
        error instanceof MandatError &&
        /n° 2 ne peut pas être retiré : ce n'est pas le dernier numéro du budget BP pour l'exercice 2025 \(le dernier est le n° 3\)/.test(error.message) &&
        /mandat d'annulation/.test(error.message) &&
        /retirez d'abord les mandats suivants \(n° 3\)/.test(error.message),
    );
    assert.deepEqual(await snapshot(context, fixture), before);
    await assert.rejects(cancelPendingMandat(context, fixture.tenantId, CLI_ACTOR, { mandatId: m3.id, reason: '  ' }), /motif du retrait est obligatoire/);

    // The last one, its MANDATEE not yet published: withdrawn, number 3 free again, liquidation
    // given back, invoice back to where it was (service fait), MANDATEE taken out of the queue.
    const withdrawn = await cancelPendingMandat(context, fixture.tenantId, CLI_ACTOR, { mandatId: m3.id, reason: 'Erreur de saisie' });
    assert.equal(withdrawn.status, 'withdrawn');
    assert.equal(withdrawn.numero, 3);
    await assert.rejects(getMandat(db, fixture.tenantId, m3.id), /introuvable/);
    let state = await snapshot(context, fixture);
    assert.deepEqual(state.sequences.map(([, value]) => value), [2]);
    assert.deepEqual(state.liquidated, [24000, 20000]);
    assert.equal(await statusOf(context, i3), 'service_fait');
    const mandatee = await db.selectFrom('publish_outbox').select(['state', 'resolution']).where('invoice_id', '=', i3).where('status', '=', 'MANDATEE').execute();
    assert.deepEqual(mandatee.map((row) => [row.state, row.resolution]), [['skipped', 'withdrawn']]);

    // Number 3 is given again; this time its MANDATEE reached Chorus before the withdrawal: the
    // invoice goes back to service fait too (Chorus keeps MANDATEE).
    const again = await createMandat(context, fixture.tenantId, CLI_ACTOR, { invoiceIds: [i3] });
    assert.equal(again.numero, 3);
    await db.updateTable('publish_outbox').set({ state: 'posted', resolution: 'posted', attempts: 1, done_at: new Date().toISOString() }).where('invoice_id', '=', i3).where('state', '=', 'pending').execute();
    await cancelPendingMandat(context, fixture.tenantId, CLI_ACTOR, { mandatId: again.id, reason: 'Mauvaise imputation' });
    assert.equal(await statusOf(context, i3), 'service_fait');
    const third = await createMandat(context, fixture.tenantId, CLI_ACTOR, { invoiceIds: [i3] });
    assert.equal(third.numero, 3);
    assert.equal(await statusOf(context, i3), 'mandated');

    // The timeline shows the withdrawals with their reason and where the invoice went.
    const timeline = await getInvoiceTimeline(db, i3);
    const withdrawals = timeline.filter((entry) => entry.code === 'mandat.withdraw');
    assert.equal(withdrawals.length, 2);
    assert.match(withdrawals[0]!.title, /retiré avant transmission/);
    assert.match(withdrawals[0]!.detail!, /Motif : Erreur de saisie — Mandatée → Service fait/);
    assert.match(withdrawals[1]!.detail!, /Mandatée → Service fait/);

    // Withdrawing the last while someone else creates the next one, from two connections (two
    // stores on PostgreSQL): either order is fine, the series never has a gap.
    const other = database.dialect === 'postgres' ? await database.open() : context;
    const [withdrawal, created] = await Promise.allSettled([
      cancelPendingMandat(context, fixture.tenantId, CLI_ACTOR, { mandatId: third.id, reason: 'Course' }),
      createMandat(other, fixture.tenantId, CLI_ACTOR, { invoiceIds: [i4] }),
    ]);
    assert.equal(created.status, 'fulfilled', String((created as PromiseRejectedResult).reason));
    if (withdrawal.status === 'rejected') assert.match(String(withdrawal.reason), /pas le dernier numéro/);
    await createMandat(context, fixture.tenantId, CLI_ACTOR, { invoiceIds: [i5] });
    state = await snapshot(context, fixture);
    const numbers = state.mandats.map(([, numero]) => numero as number);
    assert.deepEqual(numbers, numbers.map((_, index) => index + 1), 'numbers 1..N, no gap');
    assert.deepEqual(state.sequences.map(([, value]) => value), [numbers.length]);
    assert.equal(state.liquidated[0], numbers.length * 12000);
    assert.equal(state.audit.ok, true);
  }));

test('no mandat without service fait: the preview and the creation say so; a completed invoice is certified again; a credit note is never certified', (t) =>
  forEachDatabase(t, async (context) => {
    const fixture = await createMandatFixture(context, { invoices: 3, pdf: PDF, serviceFait: false });
    const db = context.store.db;
    const [received, completed, credit] = fixture.invoiceIds as [string, string, string];
    await db.updateTable('invoices').set({ status: 'received' }).where('id', '=', received).execute();
    await db.updateTable('invoices').set({ status: 'completed' }).where('id', '=', completed).execute();
    const before = await snapshot(context, fixture);
    for (const invoiceId of [received, completed]) {
      const preview = await previewMandat(context, fixture.tenantId, CLI_ACTOR, { invoiceIds: [invoiceId] });
      assert.equal(preview.ready, false);
      assert.deepEqual(preview.problems.map((problem) => problem.code), ['service_fait_missing']);
      assert.match(preview.problems[0]!.message, /^Le service fait n'est pas certifié pour la facture FA2025-000\d : le certifier avant de mandater\.$/);
      await assert.rejects(createMandat(context, fixture.tenantId, CLI_ACTOR, { invoiceIds: [invoiceId] }), (error: Error) => {
        assert.ok(error instanceof MandatCheckError);
        assert.deepEqual(error.problems.map((problem) => problem.code), ['service_fait_missing']);
        assert.match(error.message, /Le service fait n'est pas certifié/);
        return true;
      });
    }
    assert.deepEqual(await snapshot(context, fixture), before, 'nothing written');
    // Certified through the decisions use case: the mandat follows.
    await certifyServiceFait(db, { invoiceId: completed, actor: CLI_ACTOR });
    assert.equal((await previewMandat(context, fixture.tenantId, CLI_ACTOR, { invoiceIds: [completed] })).ready, true);
    assert.equal((await createMandat(context, fixture.tenantId, CLI_ACTOR, { invoiceIds: [completed] })).numero, 1);
    assert.equal(await statusOf(context, completed), 'mandated');
    // A credit note: service fait refused in French, nothing written.
    await db.updateTable('invoices').set({ document_type: 'creditNote', type_code: '381' }).where('id', '=', credit).execute();
    await assert.rejects(certifyServiceFait(db, { invoiceId: credit, actor: CLI_ACTOR }), /Service fait impossible : c'est un avoir/);
    assert.equal(await statusOf(context, credit), 'to_process');
    const outbox = await db.selectFrom('publish_outbox').select('id').where('invoice_id', '=', credit).execute();
    assert.equal(outbox.length, 0);
    const preview = await previewMandat(context, fixture.tenantId, CLI_ACTOR, { invoiceIds: [credit] });
    assert.deepEqual(preview.problems.map((problem) => problem.code), ['credit_note']);
  }));
