// Reliability of publishing against the Chorus simulator, on SQLite and PostgreSQL:
// - 30 % of the /cpro calls answered 500/503/429, tokens expiring under the workers' feet, worker
//   processes killed with SIGKILL at random points: 200 decisions end up posted exactly once each,
//   in order per invoice — the simulator's log of posts (GET /_sim/posts) is the proof;
// - the timeline of an invoice suspended, completed by the supplier (/_sim/…/completer) and
//   mandated shows every step, with the Chorus history brought back by the sync.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import path from 'node:path';
import test from 'node:test';
import { decide } from '../src/app/decisions/index.ts';
import { enqueueChorusStatus } from '../src/app/publish/outbox.ts';
import { runPublisher } from '../src/app/publish/worker.ts';
import { loadSecretKey } from '../src/app/secrets.ts';
import { createTenant } from '../src/app/tenants.ts';
import { getInvoiceTimeline } from '../src/app/timeline/index.ts';
import type { AppContext } from '../src/app/context.ts';
import { type ChorusSimulator, type PostLogEntry, startChorusSimulator } from '../src/chorus/simulator/index.ts';
import { transition } from '../src/domain/lifecycle.ts';
import { CLI_ACTOR } from '../src/domain/roles.ts';
import { appendAudit, verifyAuditChain } from '../src/store/audit.ts';
import { forEachDatabase, type TestDatabase } from './helpers/databases.ts';
import { insertInvoice } from './helpers/publish-fixtures.ts';

const BIN = path.resolve(import.meta.dirname, '../bin/liasse.mjs');

async function tenantOn(context: AppContext, sim: ChorusSimulator): Promise<string> {
  const tenant = await createTenant(
    context.store.db,
    { name: 'Commune simulée', chorus: { apiUrl: sim.url, tokenUrl: sim.tokenUrl, ...sim.credentials } },
    loadSecretKey(context.config),
  );
  return tenant.id;
}

async function simPosts(sim: ChorusSimulator): Promise<PostLogEntry[]> {
  const response = await fetch(`${sim.url}/_sim/posts`);
  return ((await response.json()) as { posts: PostLogEntry[] }).posts;
}

/** A `liasse publish --until-idle` child, killed with SIGKILL after `killAfterMs` (or left to finish). */
function publishChild(database: TestDatabase, killAfterMs: number | null): Promise<{ code: number | null; signal: string | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(
      process.execPath,
      [BIN, 'publish', '--until-idle', '--json', '--lease-ms', '1500', '--base-delay-ms', '20', '--max-delay-ms', '250', '--poll-ms', '50', '--concurrency', '4'],
      { env: { ...process.env, ...database.env, LIASSE_LOG_LEVEL: 'silent' }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stderr = '';
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.stdout.resume();
    const timer = killAfterMs === null ? null : setTimeout(() => child.kill('SIGKILL'), killAfterMs);
    child.on('exit', (code, signal) => {
      if (timer) clearTimeout(timer);
      resolve({ code, signal, stderr });
    });
  });
}

test('200 decisions posted exactly once, in order, through faults, token expiries and SIGKILLs', { timeout: 600_000 }, (t) =>
  forEachDatabase(t, async (context, database) => {
    const sim = await startChorusSimulator({ port: 0, invoices: 400, seed: `publish-${database.dialect}`, faults: { rate: 0.3, tokenTtlSeconds: 2 } });
    const expire = setInterval(() => void fetch(`${sim.url}/_sim/token/expire`, { method: 'POST' }).catch(() => undefined), 400);
    try {
      const db = context.store.db;
      const tenantId = await tenantOn(context, sim);
      const available = [...sim.state.invoices.values()].filter((invoice) => invoice.statut === 'MISE_A_DISPOSITION');
      assert.ok(available.length >= 120, `only ${available.length} invoices available in the simulator`);
      const expected = new Map<number, string[]>();
      let decisions = 0;
      for (const [index, simInvoice] of available.entries()) {
        if (decisions >= 200) break;
        const invoiceId = await insertInvoice(context, tenantId, simInvoice.idFacture);
        const kind = index % 5;
        if (kind === 0 || decisions === 199) {
          const decision = (['reject', 'suspend', 'recycle'] as const)[index % 3]!;
          const reason = { reject: 'MONTANT_ERRONE', suspend: 'PJ_MANQUANTE', recycle: 'SERVICE_ERRONE' }[decision];
          const result = await decide(db, { invoiceId, decision, reasons: [reason], actor: CLI_ACTOR });
          expected.set(simInvoice.idFacture, [result.chorusStatus!]);
          decisions += 1;
        } else {
          await decide(db, { invoiceId, decision: 'service_fait', actor: CLI_ACTOR });
          await db.transaction().execute(async (trx) => {
            await trx.updateTable('invoices').set({ status: transition('service_fait', 'mandated') }).where('id', '=', invoiceId).execute();
            await enqueueChorusStatus(trx, { tenantId, invoiceId, status: 'MANDATEE', numeroDPMandat: String(1000 + index), actor: CLI_ACTOR });
          });
          expected.set(simInvoice.idFacture, ['SERVICE_FAIT', 'MANDATEE']);
          decisions += 2;
        }
      }
      assert.equal(decisions, 200);

      // Workers killed at random points, two at a time, then one left to finish.
      for (let round = 0; round < 4; round += 1) {
        const results = await Promise.all([publishChild(database, 300 + Math.floor(Math.random() * 1500)), publishChild(database, 300 + Math.floor(Math.random() * 1500))]);
        for (const result of results) assert.ok(result.signal === 'SIGKILL' || result.code === 0, result.stderr);
      }
      const last = await publishChild(database, null);
      assert.equal(last.code, 0, last.stderr);

      const posts = await simPosts(sim);
      const accepted = posts.filter((post) => post.codeRetour === 0);
      assert.deepEqual(accepted.filter((post) => post.noop), [], 'a status was posted twice');
      const byInvoice = new Map<number, string[]>();
      for (const post of accepted) byInvoice.set(post.idFacture!, [...(byInvoice.get(post.idFacture!) ?? []), post.nouveauStatut!]);
      assert.equal(accepted.length, 200);
      for (const [idFacture, statuses] of expected) assert.deepEqual(byInvoice.get(idFacture), statuses, `idFacture ${idFacture}`);
      const refused = posts.filter((post) => post.codeRetour !== 0);
      assert.deepEqual(refused, [], 'Chorus refused a post');

      const states = await db.selectFrom('publish_outbox').select('state').where('state', '!=', 'posted').execute();
      assert.deepEqual(states, []);
      const attempts = await db.selectFrom('publish_attempts').select((eb) => eb.fn.countAll<number>().as('n')).where('outcome', '=', 'retry').executeTakeFirst();
      assert.ok(Number(attempts?.n) > 0, 'faults were injected and retried');
      assert.equal((await verifyAuditChain(db)).ok, true);
    } finally {
      clearInterval(expire);
      await sim.close();
    }
  }),
);

test('timeline of an invoice suspended, completed by the supplier and mandated, with the sync', { timeout: 300_000 }, (t) =>
  forEachDatabase(t, async (context) => {
    const sim = await startChorusSimulator({ port: 0, invoices: 40, seed: 'timeline' });
    try {
      const db = context.store.db;
      const tenantId = await tenantOn(context, sim);
      const { syncTenant } = await import('../src/app/sync/sync.ts');
      await syncTenant(context, tenantId);
      const invoice = await db
        .selectFrom('invoices')
        .select(['id', 'chorus_id', 'status'])
        .where('tenant_id', '=', tenantId)
        .where('chorus_status', '=', 'MISE_A_DISPOSITION')
        .where('history_only', '=', 0)
        .orderBy('chorus_id')
        .executeTakeFirstOrThrow();
      const chorusId = Number(invoice.chorus_id);
      const publish = () => runPublisher(context, { untilIdle: true, baseDelayMs: 20, maxDelayMs: 100, pollMs: 20 });
      const settle = () => new Promise((resolve) => setTimeout(resolve, 2_100));

      await decide(db, { invoiceId: invoice.id, decision: 'suspend', reasons: ['PJ_MANQUANTE'], comment: 'Le bon de livraison signé.', actor: CLI_ACTOR });
      await publish();
      const completed = await fetch(`${sim.url}/_sim/invoices/${chorusId}/completer`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
      assert.equal(completed.status, 200, await completed.text());
      // Chorus stamps moves to the second and keeps them increasing (a move in the same second
      // is dated one second later): let the clock pass them before searching up to "now".
      await settle();
      await syncTenant(context, tenantId);
      const afterSync = await db.selectFrom('invoices').select('status').where('id', '=', invoice.id).executeTakeFirstOrThrow();
      assert.equal(afterSync.status, 'completed');

      await decide(db, { invoiceId: invoice.id, decision: 'service_fait', actor: CLI_ACTOR });
      await db.transaction().execute(async (trx) => {
        await trx.updateTable('invoices').set({ status: transition('service_fait', 'mandated') }).where('id', '=', invoice.id).execute();
        await enqueueChorusStatus(trx, { tenantId, invoiceId: invoice.id, status: 'MANDATEE', numeroDPMandat: '42', actor: CLI_ACTOR });
        await appendAudit(trx, { tenantId, actor: 'cli', action: 'mandat.create', entity: 'invoice', entityId: invoice.id, data: { numero: 42 } });
      });
      await publish();
      await settle();
      await syncTenant(context, tenantId);

      const timeline = await getInvoiceTimeline(db, invoice.id);
      const titles = timeline.map((entry) => `${entry.cycle} ${entry.title}`);
      const steps = [
        /^1 Chorus Pro : Mise à disposition/,
        /^1 Facture suspendue/,
        /^1 Suspendue : publié sur Chorus Pro/,
        /^1 Chorus Pro : Suspendue/,
        /^2 Chorus Pro : Complétée/,
        /^2 Service fait certifié/,
        /^2 Mandat émis/,
        /^2 Service fait : publié sur Chorus Pro/,
        /^2 Mandatée : publié sur Chorus Pro/,
      ];
      const positions = steps.map((step) => titles.findIndex((title) => step.test(title)));
      assert.ok(positions.every((position) => position >= 0), `missing step in:\n${titles.join('\n')}`);
      assert.deepEqual([...positions].sort((a, b) => a - b), positions, `out of order:\n${titles.join('\n')}`);
      for (const status of ['SERVICE_FAIT', 'MANDATEE']) {
        assert.ok(timeline.some((entry) => entry.kind === 'chorus' && entry.code === status && entry.cycle === 2), `${status} from Chorus:\n${titles.join('\n')}`);
      }
    } finally {
      await sim.close();
    }
  }),
);
