// Decisions, outbox and the publishing worker against the store (SQLite and PostgreSQL) and an
// in-memory Chorus that loses answers: exactly once, in order, Hélios rule, failures, timeline.
import assert from 'node:assert/strict';
import test from 'node:test';
import { decide } from '../src/app/decisions/index.ts';
import { enqueueChorusStatus, listPublishFailures, retryPublication, setHeliosKeepsAccounts } from '../src/app/publish/outbox.ts';
import { claimNext, runPublisher } from '../src/app/publish/worker.ts';
import { getInvoiceTimeline } from '../src/app/timeline/index.ts';
import { newId } from '../src/domain/ids.ts';
import { transition } from '../src/domain/lifecycle.ts';
import { type Actor, CLI_ACTOR, ForbiddenError } from '../src/domain/roles.ts';
import { appendAudit, verifyAuditChain } from '../src/store/audit.ts';
import { forEachDatabase } from './helpers/databases.ts';
import { fakeChorus, insertInvoice, insertTenant } from './helpers/publish-fixtures.ts';

const gestionnaire: Actor = { kind: 'user', id: 'u-gest', name: 'Gestionnaire', roles: ['gestionnaire'] };
const valideur: Actor = { kind: 'user', id: 'u-val', name: 'Valideur', roles: ['valideur'] };
const fast = { baseDelayMs: 5, maxDelayMs: 40, pollMs: 20, leaseMs: 5_000 };

test('a decision writes status, outbox and audit together — or nothing', (t) =>
  forEachDatabase(t, async (context) => {
    const db = context.store.db;
    const tenantId = await insertTenant(context);
    const invoiceId = await insertInvoice(context, tenantId, 1001);
    const result = await decide(db, { invoiceId, decision: 'suspend', reasons: ['PJ_MANQUANTE'], comment: 'Bon de livraison', actor: gestionnaire });
    assert.equal(result.to, 'suspended');
    assert.equal(result.chorusStatus, 'SUSPENDUE');
    const invoice = await db.selectFrom('invoices').select('status').where('id', '=', invoiceId).executeTakeFirstOrThrow();
    assert.equal(invoice.status, 'suspended');
    const outbox = await db.selectFrom('publish_outbox').selectAll().where('invoice_id', '=', invoiceId).execute();
    assert.equal(outbox.length, 1);
    assert.equal(outbox[0]!.status, 'SUSPENDUE');
    assert.match(outbox[0]!.motif!, /Bon de livraison/);
    const audit = await db.selectFrom('audit_log').select('action').where('entity_id', '=', invoiceId).execute();
    assert.deepEqual(audit.map((row) => row.action).sort(), ['invoice.suspend', 'publish.enqueue']);

    // Back from the supplier (COMPLETEE): a second suspension is refused and nothing is written.
    await db.updateTable('invoices').set({ status: 'completed' }).where('id', '=', invoiceId).execute();
    const before = await verifyAuditChain(db);
    await assert.rejects(decide(db, { invoiceId, decision: 'suspend', reasons: ['RIB_MANQUANT'], actor: gestionnaire }), /déjà été suspendue/);
    assert.equal((await db.selectFrom('publish_outbox').selectAll().where('invoice_id', '=', invoiceId).execute()).length, 1);
    assert.deepEqual(await verifyAuditChain(db), before);

    // Service fait needs a valideur.
    await assert.rejects(decide(db, { invoiceId, decision: 'service_fait', actor: gestionnaire }), ForbiddenError);
    const certified = await decide(db, { invoiceId, decision: 'service_fait', actor: valideur });
    assert.equal(certified.to, 'service_fait');
    // After service fait, no more return decisions.
    await assert.rejects(decide(db, { invoiceId, decision: 'reject', reasons: ['MONTANT_ERRONE'], actor: gestionnaire }), /on ne peut pas rejeter/);
  }));

test('faults, lost answers and two workers: every status posted exactly once, in order', (t) =>
  forEachDatabase(t, async (context) => {
    const db = context.store.db;
    const tenantId = await insertTenant(context);
    const chorus = fakeChorus({ faultRate: 0.3, seed: 7 });
    const expected = new Map<number, string[]>();
    for (let index = 0; index < 40; index += 1) {
      const chorusId = 5000 + index;
      chorus.add(chorusId);
      const invoiceId = await insertInvoice(context, tenantId, chorusId);
      if (index % 4 === 0) {
        await decide(db, { invoiceId, decision: 'reject', reasons: ['MONTANT_ERRONE'], actor: CLI_ACTOR });
        expected.set(chorusId, ['REJETEE']);
      } else {
        await decide(db, { invoiceId, decision: 'service_fait', actor: CLI_ACTOR });
        // What the mandats use case does in its mandat transaction.
        await db.transaction().execute(async (trx) => {
          const status = transition('service_fait', 'mandated');
          await trx.updateTable('invoices').set({ status }).where('id', '=', invoiceId).execute();
          await enqueueChorusStatus(trx, { tenantId, invoiceId, status: 'MANDATEE', numeroDPMandat: `M${index}`, actor: CLI_ACTOR });
          await appendAudit(trx, { tenantId, actor: 'cli', action: 'mandat.create', entity: 'invoice', entityId: invoiceId, data: { numero: `M${index}` } });
        });
        expected.set(chorusId, ['SERVICE_FAIT', 'MANDATEE']);
      }
    }
    const options = { ...fast, clientForTenant: async () => chorus, concurrency: 3 };
    const [first, second] = await Promise.all([
      runPublisher(context, { ...options, workerId: 'w1', untilIdle: true }),
      runPublisher(context, { ...options, workerId: 'w2', untilIdle: true }),
    ]);
    assert.ok(first.retried + second.retried > 0, 'faults were injected');
    assert.ok(first.alreadyReached + second.alreadyReached > 0, 'some lost answers were recognised from the history');
    for (const [chorusId, statuses] of expected) {
      assert.deepEqual(
        chorus.posts.filter((post) => post.idFacture === chorusId).map((post) => post.statut),
        statuses,
        `idFacture ${chorusId}`,
      );
    }
    assert.equal(chorus.posts.length, [...expected.values()].flat().length);
    const open = await db.selectFrom('publish_outbox').select('state').where('state', 'not in', ['posted']).execute();
    assert.deepEqual(open, []);
    assert.deepEqual(await listPublishFailures(db), []);
    assert.equal((await verifyAuditChain(db)).ok, true);
  }));

test('a worker that died after posting: the next one reads the history and does not post again', (t) =>
  forEachDatabase(t, async (context) => {
    const db = context.store.db;
    const tenantId = await insertTenant(context);
    const chorus = fakeChorus();
    chorus.add(42);
    const invoiceId = await insertInvoice(context, tenantId, 42);
    await decide(db, { invoiceId, decision: 'recycle', reasons: ['SERVICE_ERRONE'], actor: CLI_ACTOR });
    // The dead worker: claimed with a short lease, recorded the baseline, posted, then vanished.
    const row = await claimNext(db, context.store.dialect, 'dead', 1);
    assert.ok(row);
    const history = await chorus.consulterHistoriqueFacture(42);
    await db
      .updateTable('publish_outbox')
      .set({ history_baseline: JSON.stringify(history.historiquesDesStatuts.histoStatut.map((entry) => entry.histoStatutId)) })
      .where('id', '=', row.id)
      .execute();
    await chorus.traiterFactureRecue({ idFacture: 42, nouveauStatut: 'A_RECYCLER' });
    await new Promise((resolve) => setTimeout(resolve, 20));
    const summary = await runPublisher(context, { ...fast, clientForTenant: async () => chorus, untilIdle: true });
    assert.equal(summary.alreadyReached, 1);
    assert.equal(summary.posted, 0);
    assert.deepEqual(chorus.posts.map((post) => post.statut), ['A_RECYCLER']);
  }));

test('Hélios rule, 20002 resolved by resynchronising, failures list and retry', (t) =>
  forEachDatabase(t, async (context) => {
    const db = context.store.db;
    const tenantId = await insertTenant(context);
    const chorus = fakeChorus();
    chorus.add(1, 'MANDATEE');
    chorus.add(2, 'MANDATEE');
    chorus.add(3, 'MISE_A_DISPOSITION');
    const paid = await insertInvoice(context, tenantId, 1, { status: 'mandated', chorusStatus: 'MANDATEE' });
    const invoice2 = await insertInvoice(context, tenantId, 2, { status: 'mandated', chorusStatus: 'MANDATEE' });
    const refused = await insertInvoice(context, tenantId, 3);
    const enqueue = (invoiceId: string, status: 'MISE_EN_PAIEMENT' | 'SERVICE_FAIT') =>
      db.transaction().execute((trx) => enqueueChorusStatus(trx, { tenantId, invoiceId, status, actor: CLI_ACTOR }));
    await enqueue(paid, 'MISE_EN_PAIEMENT'); // default: Hélios keeps the accounts → never posted
    await setHeliosKeepsAccounts(db, tenantId, false, CLI_ACTOR);
    await enqueue(invoice2, 'MISE_EN_PAIEMENT'); // now posted
    // Someone rejected invoice 3 on the portal meanwhile: SERVICE_FAIT is refused with 20002.
    chorus.move(3, 'REJETEE');
    await decide(db, { invoiceId: refused, decision: 'service_fait', actor: CLI_ACTOR });
    const summary = await runPublisher(context, { ...fast, clientForTenant: async () => chorus, untilIdle: true });
    assert.deepEqual(chorus.posts.map((post) => [post.idFacture, post.statut]), [[2, 'MISE_EN_PAIEMENT']]);
    assert.equal(summary.failed, 1);
    const skipped = await db.selectFrom('publish_outbox').selectAll().where('invoice_id', '=', paid).executeTakeFirstOrThrow();
    assert.equal(skipped.state, 'skipped');
    assert.equal(skipped.resolution, 'helios');
    const failures = await listPublishFailures(db);
    assert.equal(failures.length, 1);
    assert.match(failures[0]!.lastError!, /REJETEE à SERVICE_FAIT/);
    const resynced = await db.selectFrom('invoices').select(['chorus_status', 'status']).where('id', '=', refused).executeTakeFirstOrThrow();
    assert.equal(resynced.chorus_status, 'REJETEE');
    assert.equal(resynced.status, 'rejected');
    const retried = await retryPublication(db, failures[0]!.id, CLI_ACTOR);
    assert.equal(retried.state, 'pending');
    await assert.rejects(retryPublication(db, failures[0]!.id, CLI_ACTOR), /en échec/);
  }));

test('the timeline of a suspended, completed and mandated invoice shows every step', (t) =>
  forEachDatabase(t, async (context) => {
    const db = context.store.db;
    const tenantId = await insertTenant(context);
    const chorus = fakeChorus();
    chorus.add(77);
    const invoiceId = await insertInvoice(context, tenantId, 77, { status: 'received' });
    const history = (status: string, cycle: number, comment: string | null = null) =>
      db.insertInto('chorus_history').values({ id: newId(), invoice_id: invoiceId, status, at: new Date().toISOString(), comment, cycle }).execute();
    const publish = () => runPublisher(context, { ...fast, clientForTenant: async () => chorus, untilIdle: true });
    const pause = () => new Promise((resolve) => setTimeout(resolve, 3));

    await history('MISE_A_DISPOSITION', 1);
    await pause();
    await decide(db, { invoiceId, decision: 'suspend', reasons: ['ATTESTATION_MANQUANTE'], actor: gestionnaire });
    await publish();
    await pause();
    await history('SUSPENDUE', 1, 'Attestation manquante');
    chorus.move(77, 'COMPLETEE');
    await pause();
    await history('COMPLETEE', 2);
    await db.updateTable('invoices').set({ status: 'completed' }).where('id', '=', invoiceId).execute();
    await pause();
    await decide(db, { invoiceId, decision: 'service_fait', actor: valideur });
    await db.transaction().execute(async (trx) => {
      await trx.updateTable('invoices').set({ status: transition('service_fait', 'mandated') }).where('id', '=', invoiceId).execute();
      await enqueueChorusStatus(trx, { tenantId, invoiceId, status: 'MANDATEE', numeroDPMandat: '2026-000123', actor: valideur });
      await appendAudit(trx, { tenantId, actor: 'user:u-val', action: 'mandat.create', entity: 'invoice', entityId: invoiceId, data: { numero: '2026-000123' } });
    });
    await publish();
    await pause();
    await db.transaction().execute((trx) =>
      appendAudit(trx, { tenantId, actor: 'system:pes', action: 'pes.acquit', entity: 'invoice', entityId: invoiceId, data: { bordereau: 'B12' } }),
    );

    const timeline = await getInvoiceTimeline(db, invoiceId);
    const titles = timeline.map((entry) => entry.title);
    const indexOf = (pattern: RegExp) => titles.findIndex((title) => pattern.test(title));
    const steps = [
      /^Chorus Pro : Mise à disposition/,
      /^Facture suspendue/,
      /Suspendue : publié sur Chorus Pro/,
      /^Chorus Pro : Suspendue/,
      /^Chorus Pro : Complétée/,
      /^Service fait certifié/,
      /^Mandat émis/,
      /Service fait : publié sur Chorus Pro/,
      /Mandatée : publié sur Chorus Pro/,
      /Acquittement PES reçu/,
    ];
    const positions = steps.map(indexOf);
    assert.ok(positions.every((position) => position >= 0), `missing step in:\n${titles.join('\n')}`);
    assert.deepEqual([...positions].sort((a, b) => a - b), positions, `steps out of order:\n${titles.join('\n')}`);
    const kinds = new Set(timeline.map((entry) => entry.kind));
    for (const kind of ['chorus', 'action', 'publication', 'mandat', 'pes']) assert.ok(kinds.has(kind as never), kind);
    const completed = timeline.find((entry) => /Service fait certifié/.test(entry.title))!;
    assert.equal(completed.cycle, 2);
    assert.equal(completed.actor, 'user:u-val');
    assert.ok(timeline.some((entry) => entry.kind === 'publication' && /Tentative 1/.test(entry.title)));
  }));

test('suspend or reject with a motif over 255 characters: refused in French with what to remove, nothing written', (t) =>
  forEachDatabase(t, async (context) => {
    const db = context.store.db;
    const tenantId = await insertTenant(context);
    const invoiceId = await insertInvoice(context, tenantId, 2001);
    const before = await verifyAuditChain(db);
    for (const decision of ['suspend', 'reject'] as const) {
      await assert.rejects(
        decide(db, { invoiceId, decision, reasons: [decision === 'suspend' ? 'PJ_MANQUANTE' : 'MONTANT_ERRONE'], comment: 'c'.repeat(300), actor: gestionnaire }),
        (error: Error) => error.name === 'DecisionError' && /^Motif trop long : \d+ caractères pour 255 au plus sur Chorus Pro ; raccourcissez le commentaire de \d+ caractères\.$/.test(error.message),
      );
    }
    const status = (await db.selectFrom('invoices').select('status').where('id', '=', invoiceId).executeTakeFirstOrThrow()).status;
    assert.equal(status, 'to_process', 'unchanged');
    assert.equal((await db.selectFrom('publish_outbox').select('id').where('invoice_id', '=', invoiceId).execute()).length, 0);
    assert.deepEqual(await verifyAuditChain(db), before);
  }));
