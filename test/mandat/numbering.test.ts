// Gap-free numbering under concurrency: mandats created at the same time from several connections
// (several stores in this process), several processes (workers with their own store, released
// together by a start barrier) and the `liasse mandat create` CLI get 1..N per (budget, exercice),
// no gap, no duplicate — on SQLite and on PostgreSQL. Child processes are the cost (≈1.3 s of
// start-up each): two workers creating several mandats each, plus two CLI runs.
import assert from 'node:assert/strict';
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import path from 'node:path';
import { test } from 'node:test';
import { createMandat } from '../../src/app/mandate/mandats.ts';
import { CLI_ACTOR } from '../../src/domain/roles.ts';
import { forEachDatabase } from '../helpers/databases.ts';
import { createMandatFixture } from './fixtures.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');

function cli(args: string[], env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(ROOT, 'bin/liasse.mjs'), ...args], { cwd: ROOT, env: { ...process.env, ...env, LIASSE_LOG_LEVEL: 'silent' } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? 1, stdout, stderr }));
  });
}

/** A worker process (numbering-worker.ts): resolves `ready` once its store is open, `done` with its numbers. */
function worker(tenantId: string, invoiceIds: string[], env: Record<string, string>) {
  const child: ChildProcessWithoutNullStreams = spawn(process.execPath, ['--import', 'tsx', path.join(import.meta.dirname, 'numbering-worker.ts'), tenantId, ...invoiceIds], {
    cwd: ROOT,
    env: { ...process.env, ...env, LIASSE_LOG_LEVEL: 'silent' },
  });
  let stdout = '';
  let stderr = '';
  child.stderr.on('data', (chunk) => (stderr += chunk));
  const ready = new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
      if (stdout.startsWith('ready\n')) resolve();
    });
    child.on('close', () => reject(new Error(`worker ended before ready: ${stderr}`)));
  });
  const done = new Promise<number[]>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) return reject(new Error(`worker exited ${code}: ${stderr}`));
      resolve(JSON.parse(stdout.slice('ready\n'.length)) as number[]);
    });
  });
  ready.catch(() => undefined);
  return { ready, done, go: () => child.stdin.write('go\n') };
}

test('mandat numbers stay 1..N under concurrent creation from several connections and processes', (t) =>
  forEachDatabase(t, async (context, database) => {
    const IN_PROCESS = 16;
    const WORKERS = 2;
    const PER_WORKER = 6;
    const CLI_RUNS = 2;
    const fixture = await createMandatFixture(context, { invoices: IN_PROCESS + WORKERS * PER_WORKER + CLI_RUNS, pdf: Buffer.from('%PDF-1.4 test\n') });
    // PostgreSQL: several pools at once. SQLite: better-sqlite3 is synchronous, so a second connection
    // in the same process would block the thread that holds the lock; there, concurrency comes from
    // the one store's interleaved transactions plus the separate processes below.
    const stores = database.dialect === 'postgres' ? [context, await database.open(), await database.open(), await database.open()] : [context];
    const inProcess = fixture.invoiceIds.slice(0, IN_PROCESS);
    const byWorkers = Array.from({ length: WORKERS }, (_, index) => fixture.invoiceIds.slice(IN_PROCESS + index * PER_WORKER, IN_PROCESS + (index + 1) * PER_WORKER));
    const viaCli = fixture.invoiceIds.slice(IN_PROCESS + WORKERS * PER_WORKER);
    const cliRuns = viaCli.map(async (invoiceId) => {
      const result = await cli(['mandat', 'create', '--invoice', invoiceId, '--json'], database.env);
      assert.equal(result.code, 0, result.stderr);
      const mandat = JSON.parse(result.stdout) as { numero: number; invoiceId: string; budget: string; exercice: number; engagement: string; montantHT: string; montantTVA: string; montantTTC: string };
      assert.equal(mandat.invoiceId, invoiceId);
      assert.equal(mandat.budget, 'BP');
      assert.equal(mandat.exercice, 2025);
      assert.equal(mandat.engagement, 'EJ-2025-0042');
      assert.deepEqual([mandat.montantHT, mandat.montantTVA, mandat.montantTTC], ['100.00', '20.00', '120.00']);
      return mandat.numero;
    });
    // Every worker process has its store open before anyone creates: then all start at once.
    const workers = byWorkers.map((invoiceIds) => worker(fixture.tenantId, invoiceIds, database.env));
    await Promise.all(workers.map((item) => item.ready));
    for (const item of workers) item.go();
    const [numbers, outputs] = await Promise.all([
      Promise.all(inProcess.map((invoiceId, index) => createMandat(stores[index % stores.length]!, fixture.tenantId, CLI_ACTOR, { invoiceIds: [invoiceId] }).then((mandat) => mandat.numero))),
      Promise.all([...workers.map((item) => item.done), ...cliRuns.map((run) => run.then((numero) => [numero]))]),
    ]);
    const all = [...numbers, ...outputs.flat()].sort((a, b) => a - b);
    const total = IN_PROCESS + WORKERS * PER_WORKER + CLI_RUNS;
    assert.deepEqual(all, Array.from({ length: total }, (_, index) => index + 1), 'numbers are 1..N with no gap and no duplicate');
    const rows = await context.store.db.selectFrom('mandats').select('numero').where('budget_id', '=', fixture.budgetId).orderBy('numero').execute();
    assert.deepEqual(rows.map((row) => Number(row.numero)), all);
    // Each invoice mandated exactly once; the engagement liquidated by exactly the sum.
    const engagement = await context.store.db.selectFrom('engagements').selectAll().where('id', '=', fixture.engagementIds[0]!).executeTakeFirstOrThrow();
    assert.equal(Number(engagement.liquidated_ttc_cents), total * 12000);
    // Bordereaux: created concurrently, numbered 1..k, each mandat in exactly one.
    const bordereaux = await Promise.allSettled(stores.map((store) => import('../../src/app/mandate/bordereaux.ts').then(({ createBordereau }) => createBordereau(store, fixture.tenantId, CLI_ACTOR, { budgetCode: 'BP', exercice: 2025 }))));
    const made = bordereaux.filter((result) => result.status === 'fulfilled').map((result) => (result as PromiseFulfilledResult<{ numero: number; mandats: unknown[] }>).value);
    assert.equal(made.length, 1, 'one bordereau gathers all pending mandats; the others find none');
    assert.equal(made[0]!.numero, 1);
    assert.equal(made[0]!.mandats.length, total);
    const next = await context.store.db.selectFrom('sequences').select('value').where('name', 'like', 'bordereau:%').executeTakeFirstOrThrow();
    assert.equal(Number(next.value), 1, 'the refused attempts gave their number back');
  }));
