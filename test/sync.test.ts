// Issue #4 acceptance, on SQLite and PostgreSQL, against the Chorus Pro simulator over HTTP with the
// real `liasse` command in child processes:
// - one sync stores every invoice (quarantined ones included, flagged), a second reports new: 0;
// - kill -9 at random instants (≥ 10 times), then a last run: exactly the state of an uninterrupted run;
// - two syncs at once never duplicate;
// - a wrong password is reported once, without looping.
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { AppContext } from '../src/app/context.ts';
import { startChorusSimulator, type ChorusSimulator } from '../src/chorus/simulator/index.ts';
import { verifyAuditChain } from '../src/store/audit.ts';
import { createTestDatabase, DIALECTS, type TestDatabase } from './helpers/databases.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const BIN = path.join(ROOT, 'bin', 'liasse.mjs');

function chorusEnv(simulator: ChorusSimulator, overrides: Record<string, string> = {}): Record<string, string> {
  return {
    CHORUS_API_URL: simulator.url,
    CHORUS_TOKEN_URL: simulator.tokenUrl,
    CHORUS_CLIENT_ID: simulator.credentials.clientId,
    CHORUS_CLIENT_SECRET: simulator.credentials.clientSecret,
    CHORUS_LOGIN: simulator.credentials.login,
    CHORUS_PASSWORD: simulator.credentials.password,
    ...overrides,
  };
}

type Run = { code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string; ms: number };

function liasse(args: string[], env: Record<string, string>, options: { killAfterMs?: number } = {}): Promise<Run> & { child: ChildProcess } {
  const started = Date.now();
  const child = spawn(process.execPath, [BIN, ...args], {
    cwd: ROOT,
    env: { ...process.env, LIASSE_LOG_LEVEL: 'silent', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  const timer = options.killAfterMs !== undefined ? setTimeout(() => child.kill('SIGKILL'), options.killAfterMs) : null;
  const promise = new Promise<Run>((resolve) => {
    child.on('close', (code, signal) => {
      if (timer) clearTimeout(timer);
      resolve({ code, signal, stdout, stderr, ms: Date.now() - started });
    });
  }) as Promise<Run> & { child: ChildProcess };
  promise.child = child;
  return promise;
}

function summaryOf(run: Run): Record<string, number> {
  const lines = run.stdout.trim().split('\n');
  const last = lines[lines.length - 1] ?? '';
  assert.equal(run.code, 0, `liasse sync failed (${run.code}): ${run.stderr}`);
  const summary = JSON.parse(last) as Record<string, number>;
  assert.deepEqual(Object.keys(summary), ['seen', 'new', 'updated', 'unchanged', 'quarantined', 'failed']);
  return summary;
}

/** Everything the sync decides, without generated ids and instants: equal for equal end states. */
async function dumpState(context: AppContext): Promise<unknown> {
  const db = context.store.db;
  const structures = new Map((await db.selectFrom('structures').select(['id', 'chorus_id']).execute()).map((row) => [row.id, Number(row.chorus_id)]));
  const invoices = await db.selectFrom('invoices').selectAll().orderBy('chorus_id').execute();
  const dump = [];
  for (const invoice of invoices) {
    const { id, tenant_id: _tenant, created_at: _created, updated_at: _updated, structure_id, ...columns } = invoice;
    const files = await db.selectFrom('invoice_files').select(['position', 'role', 'filename', 'mime_type', 'size', 'sha256']).where('invoice_id', '=', id).orderBy('position').execute();
    for (const file of files) assert.ok(await context.blobs.has(file.sha256), `invoice ${invoice.chorus_id} points at a missing file ${file.filename}`);
    dump.push({
      ...columns,
      chorus_id: Number(columns.chorus_id),
      amount_ttc_cents: columns.amount_ttc_cents === null ? null : Number(columns.amount_ttc_cents),
      structure: structure_id ? structures.get(structure_id) : null,
      lines: await db.selectFrom('invoice_lines').select(['position', 'line_id', 'name', 'quantity', 'net_amount', 'vat_rate']).where('invoice_id', '=', id).orderBy('position').execute(),
      vat: await db.selectFrom('invoice_vat').select(['position', 'rate', 'taxable_amount', 'tax_amount']).where('invoice_id', '=', id).orderBy('position').execute(),
      files: files.map((file) => ({ ...file, size: Number(file.size) })),
      history: await db.selectFrom('chorus_history').select(['status', 'at', 'comment', 'cycle']).where('invoice_id', '=', id).orderBy('at').orderBy('status').execute(),
    });
  }
  const creates = await db.selectFrom('audit_log').select((eb) => eb.fn.countAll<number>().as('n')).where('action', '=', 'invoice.sync.create').executeTakeFirstOrThrow();
  assert.equal(Number(creates.n), invoices.length, 'one creation audit entry per invoice');
  assert.deepEqual(await verifyAuditChain(db), { ok: true, entries: (await verifyAuditChain(db)).entries });
  const tenants = await db.selectFrom('tenants').select('id').execute();
  assert.equal(tenants.length, 1, 'the tenant created from CHORUS_* once');
  return dump;
}

async function withSimulator<T>(invoices: number, body: (simulator: ChorusSimulator) => Promise<T>, options: { password?: string } = {}): Promise<T> {
  const simulator = await startChorusSimulator({ port: 0, invoices, seed: `sync-test-${invoices}`, logger: false, ...(options.password ? { password: options.password } : {}) });
  try {
    return await body(simulator);
  } finally {
    await simulator.close();
  }
}

async function withDatabase<T>(dialect: (typeof DIALECTS)[number], body: (database: TestDatabase) => Promise<T>): Promise<T> {
  const database = await createTestDatabase(dialect);
  try {
    return await body(database);
  } finally {
    await database.dispose();
  }
}

for (const dialect of DIALECTS) {
  test(`sync ${dialect}: 300 invoices stored (quarantined flagged), a second sync finds nothing new; list and show`, async () => {
    await withSimulator(300, (simulator) =>
      withDatabase(dialect, async (database) => {
        const env = { ...database.env, ...chorusEnv(simulator) };
        const first = summaryOf(await liasse(['sync', '--json'], env));
        assert.equal(first.new, 300);
        assert.equal(first.seen, 300);
        assert.equal(first.failed, 0);
        const second = summaryOf(await liasse(['sync', '--json'], env));
        assert.equal(second.new, 0);
        assert.equal(second.failed, 0);

        const context = await database.open();
        const stored = await context.store.db.selectFrom('invoices').select(['quarantined', 'quarantine_reason']).execute();
        assert.equal(stored.length, 300);
        const quarantined = stored.filter((row) => row.quarantined === 1);
        assert.equal(quarantined.length, first.quarantined);
        assert.ok(quarantined.every((row) => (row.quarantine_reason ?? '').length > 10), 'every quarantined invoice says why');

        const list = await liasse(['invoices', 'list', '--json', '--limit', '500'], env);
        const items = JSON.parse(list.stdout) as Record<string, unknown>[];
        assert.equal(items.length, 300);
        for (const key of ['id', 'chorusId', 'number', 'supplier', 'status', 'chorusStatus', 'totals', 'quarantined']) assert.ok(key in items[0]!, key);
        const received = JSON.parse((await liasse(['invoices', 'list', '--json', '--status', 'received', '--limit', '3'], env)).stdout) as { status: string }[];
        assert.ok(received.length <= 3 && received.every((item) => item.status === 'received'));
        const withCycles = await context.store.db.selectFrom('chorus_history').select('invoice_id').where('cycle', '>', 1).executeTakeFirst();
        const target = withCycles?.invoice_id ?? (items[0]!.id as string);
        const show = JSON.parse((await liasse(['invoices', 'show', target, '--json'], env)).stdout) as {
          lines: unknown[];
          attachments: { role: string }[];
          history: { cycle: number }[];
          cycles: number;
        };
        assert.ok(Array.isArray(show.lines));
        assert.ok(show.attachments.some((file) => file.role === 'pivot'));
        assert.ok(show.history.length > 0);
        if (withCycles) assert.ok(show.cycles > 1, 'one record keeps every cycle');
      }),
    );
  });

  test(`sync ${dialect}: kill -9 at random instants, then the state of an uninterrupted run`, async (t) => {
    await withSimulator(60, async (simulator) => {
      const reference = await withDatabase(dialect, async (database) => {
        const run = await liasse(['sync', '--json', '--batch-size', '4'], { ...database.env, ...chorusEnv(simulator) });
        summaryOf(run);
        return { state: await dumpState(await database.open()), ms: run.ms };
      });
      await withDatabase(dialect, async (database) => {
        const env = { ...database.env, ...chorusEnv(simulator) };
        let kills = 0;
        const storedAfterKill: number[] = [];
        const context = await database.open();
        let seed = 42;
        const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
        // Small batches give many commit points. Each run is killed at a random instant after a
        // random number of further invoices got committed (watched from here), so the kills land
        // all along the sync — downloads, reads, blob writes, inside transactions, cursor update —
        // and a few land in start-up or in a run that has nothing left to do.
        const stored = async () =>
          Number((await context.store.db.selectFrom('invoices').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirst().catch(() => undefined))?.n ?? 0);
        for (let attempt = 0; attempt < 40 && kills < 12; attempt += 1) {
          const before = await stored();
          const target = before >= 60 ? null : before + 1 + Math.floor(random() * Math.min(10, 60 - before));
          const child = liasse(['sync', '--json', '--batch-size', '4'], env);
          let exited = false;
          void child.then(() => (exited = true));
          if (target === null) await new Promise((resolve) => setTimeout(resolve, 200 + random() * reference.ms));
          else while (!exited && (await stored()) < target) await new Promise((resolve) => setTimeout(resolve, 20));
          await new Promise((resolve) => setTimeout(resolve, random() * 250));
          child.child.kill('SIGKILL');
          const run = await child;
          if (run.signal === 'SIGKILL') {
            kills += 1;
            storedAfterKill.push(await stored());
          }
        }
        t.diagnostic(`reference run ${reference.ms} ms; invoices stored after each kill: ${storedAfterKill.join(', ')}`);
        assert.ok(kills >= 10, `killed ${kills} times`);
        const last = summaryOf(await liasse(['sync', '--json', '--batch-size', '4'], env));
        assert.equal(last.failed, 0);
        const state = await dumpState(context);
        assert.deepEqual(state, reference.state);
      });
    });
  });

  test(`sync ${dialect}: two syncs at once never duplicate`, async () => {
    await withSimulator(80, (simulator) =>
      withDatabase(dialect, async (database) => {
        const env = { ...database.env, ...chorusEnv(simulator) };
        // The tenant exists before, so both processes race on the invoices, not on its creation.
        await liasse(['tenant', 'create', '--name', 'Commune test', '--chorus-from-env'], env);
        const [a, b] = await Promise.all([liasse(['sync', '--json'], env), liasse(['sync', '--json'], env)]);
        const sa = summaryOf(a);
        const sb = summaryOf(b);
        assert.equal((sa.new ?? 0) + (sb.new ?? 0), 80);
        const context = await database.open();
        const rows = await context.store.db.selectFrom('invoices').select('chorus_id').execute();
        assert.equal(rows.length, 80);
        assert.equal(new Set(rows.map((row) => Number(row.chorus_id))).size, 80);
      }),
    );
  });
}

test('sync: a wrong technical password is reported once and does not loop', async () => {
  await withSimulator(
    10,
    (simulator) =>
      withDatabase('sqlite', async (database) => {
        const run = await liasse(['sync', '--json'], { ...database.env, ...chorusEnv(simulator, { CHORUS_PASSWORD: 'wrong' }) });
        assert.equal(run.code, 1);
        assert.equal(run.stdout, '');
        assert.equal(run.stderr.match(/Compte technique Chorus Pro refusé/g)?.length, 1, run.stderr);
        assert.ok(run.ms < 20_000);
      }),
    {},
  );
});
