// On both databases: decisions refused on quarantined and history-only invoices (nothing written);
// a failed publication blocks the invoice's later statuses until a person abandons it (use case and
// `liasse publish --abandon`), audited and shown in the timeline; `liasse serve` publishes every minute.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import test from 'node:test';
import { decide } from '../src/app/decisions/index.ts';
import { JOBS } from '../src/app/jobs/registry.ts';
import { abandonPublication, enqueueChorusStatus } from '../src/app/publish/outbox.ts';
import { claimNext } from '../src/app/publish/worker.ts';
import { getInvoiceTimeline } from '../src/app/timeline/index.ts';
import { type Actor, CLI_ACTOR } from '../src/domain/roles.ts';
import { verifyAuditChain } from '../src/store/audit.ts';
import { forEachDatabase } from './helpers/databases.ts';
import { insertInvoice, insertTenant } from './helpers/publish-fixtures.ts';

const BIN = path.resolve(import.meta.dirname, '../bin/liasse.mjs');
const gestionnaire: Actor = { kind: 'user', id: 'u-gest', name: 'Gestionnaire', roles: ['gestionnaire'] };
const lecteur: Actor = { kind: 'user', id: 'u-lect', name: 'Lecteur', roles: ['lecteur'] };

test('no decision on a quarantined or history-only invoice', (t) =>
  forEachDatabase(t, async (context) => {
    const db = context.store.db;
    const tenantId = await insertTenant(context);
    const quarantined = await insertInvoice(context, tenantId, 3001, { number: 'Q-1' });
    const history = await insertInvoice(context, tenantId, 3002, { number: 'H-1' });
    await db.updateTable('invoices').set({ quarantined: 1, quarantine_reason: 'XML illisible' }).where('id', '=', quarantined).execute();
    await db.updateTable('invoices').set({ history_only: 1 }).where('id', '=', history).execute();
    const before = await verifyAuditChain(db);
    await assert.rejects(decide(db, { invoiceId: quarantined, decision: 'reject', reasons: ['MONTANT_ERRONE'], actor: gestionnaire }), /La facture Q-1 est en quarantaine \(XML illisible\)/);
    await assert.rejects(decide(db, { invoiceId: quarantined, decision: 'service_fait', actor: CLI_ACTOR }), /en quarantaine/);
    await assert.rejects(decide(db, { invoiceId: history, decision: 'suspend', reasons: ['PJ_MANQUANTE'], actor: gestionnaire }), /La facture H-1 a été reprise comme historique/);
    assert.deepEqual(await verifyAuditChain(db), before, 'no audit entry');
    assert.equal((await db.selectFrom('publish_outbox').select('id').where('tenant_id', '=', tenantId).execute()).length, 0);
    const statuses = await db.selectFrom('invoices').select('status').where('tenant_id', '=', tenantId).execute();
    assert.deepEqual(statuses.map((row) => row.status), ['to_process', 'to_process']);
    // A refused transition is a DecisionError (a business refusal, 422 at the HTTP edge), same French message.
    const ok = await insertInvoice(context, tenantId, 3003);
    await decide(db, { invoiceId: ok, decision: 'service_fait', actor: CLI_ACTOR });
    await assert.rejects(decide(db, { invoiceId: ok, decision: 'reject', reasons: ['MONTANT_ERRONE'], actor: gestionnaire }), (error: Error) => error.name === 'DecisionError' && /on ne peut pas rejeter/.test(error.message));
  }));

test('a failed publication blocks later statuses until a person abandons it', (t) =>
  forEachDatabase(t, async (context, database) => {
    const db = context.store.db;
    const tenantId = await insertTenant(context);
    const invoiceId = await insertInvoice(context, tenantId, 4001);
    const first = await decide(db, { invoiceId, decision: 'service_fait', actor: CLI_ACTOR });
    await db.transaction().execute((trx) => enqueueChorusStatus(trx, { tenantId, invoiceId, status: 'MANDATEE', numeroDPMandat: '7', actor: CLI_ACTOR }));
    const failed = { state: 'failed' as const, attempts: 1, last_error: 'Chorus Pro refuse le passage de MANDATEE à SERVICE_FAIT (20002)' };
    await db.updateTable('publish_outbox').set(failed).where('id', '=', first.outboxId!).execute();
    const claim = () => claimNext(db, context.store.dialect, 'test-worker', 60_000, { tenantId });
    assert.equal(await claim(), null, 'MANDATEE waits behind the failed SERVICE_FAIT');

    await assert.rejects(abandonPublication(db, first.outboxId!, CLI_ACTOR, '  '), /motif de l'abandon est obligatoire/);
    await assert.rejects(abandonPublication(db, first.outboxId!, lecteur, 'x'), /invoice\.decide/);
    const abandoned = await abandonPublication(db, first.outboxId!, gestionnaire, 'Service fait déjà saisi sur le portail');
    assert.equal(abandoned.state, 'skipped');
    assert.equal(abandoned.resolution, 'abandoned');
    await assert.rejects(abandonPublication(db, first.outboxId!, gestionnaire, 'encore'), /Seule une publication en échec/);
    const next = await claim();
    assert.equal(next?.status, 'MANDATEE', 'the later status is published now');

    const timeline = await getInvoiceTimeline(db, invoiceId);
    const entry = timeline.find((item) => item.code === 'publish.abandon');
    assert.ok(entry, 'abandon shown in the timeline');
    assert.equal(entry.actor, 'user:u-gest');
    assert.match(entry.detail!, /Motif : Service fait déjà saisi sur le portail/);
    assert.ok(timeline.some((item) => item.kind === 'publication' && /Service fait : abandonné, non publié/.test(item.title)));
    assert.equal((await verifyAuditChain(db)).ok, true);

    // The same from the command line.
    const other = await insertInvoice(context, tenantId, 4002);
    const second = await decide(db, { invoiceId: other, decision: 'service_fait', actor: CLI_ACTOR });
    await db.updateTable('publish_outbox').set(failed).where('id', '=', second.outboxId!).execute();
    const run = (args: string[]) => spawnSync(process.execPath, [BIN, 'publish', ...args], { env: { ...process.env, ...database.env, LIASSE_LOG_LEVEL: 'silent' }, encoding: 'utf8', timeout: 120_000 });
    const cli = run(['--abandon', second.outboxId!, '--reason', 'Doublon du portail', '--json']);
    assert.equal(cli.status, 0, cli.stderr);
    assert.equal(JSON.parse(cli.stdout).resolution, 'abandoned');
    const audit = await db.selectFrom('audit_log').select(['action', 'actor', 'data_json']).where('entity_id', '=', other).where('action', '=', 'publish.abandon').executeTakeFirstOrThrow();
    assert.equal(audit.actor, 'cli');
    assert.match(audit.data_json!, /Doublon du portail/);
  }));

test('the server runs the publishing worker every minute (job registry)', () => {
  assert.ok(JOBS.publish, 'publish job registered');
  assert.equal(JOBS.publish.everyMinutes?.({} as never), 1);
});
