// The command line's common contract, through the real `node bin/liasse.mjs` in a child process:
// broken pipes end quietly, no stack traces, one French sentence for a bad option, and every
// command that takes an invoice accepts the Liasse id or the Chorus idFacture, as --invoice.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { insertInvoice, insertTenant } from '../app/archive/test-fixtures.ts';
import { buildServer } from '../http/server.ts';
import { forEachDatabase } from '../../test/helpers/databases.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const BIN = path.join(ROOT, 'bin/liasse.mjs');
const STACK = /\n\s+at /;

type Result = { status: number | null; stdout: string; stderr: string };

function liasse(args: string[], env: Record<string, string> = {}, options: { closeStdout?: boolean } = {}): Promise<Result> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd: ROOT,
      env: { ...process.env, LIASSE_DEBUG: '', LIASSE_LOG_LEVEL: 'silent', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    // A reader that went away before the command wrote anything: `liasse … | head -0`.
    if (options.closeStdout) child.stdout.destroy();
    else child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

function tempDataDir(): Record<string, string> {
  return { LIASSE_DATA_DIR: fs.mkdtempSync(path.join(os.tmpdir(), 'liasse-cli-')), DATABASE_URL: '' };
}

test('a stdout closed early ends the command quietly with exit 0 (EPIPE), whatever the command', async () => {
  const env = tempDataDir();
  assert.equal((await liasse(['migrate'], env)).status, 0);
  for (const args of [['deadlines', 'rates'], ['deadlines'], ['deadlines', 'list', '--json'], ['--help']]) {
    const result = await liasse(args, env, { closeStdout: true });
    assert.equal(result.status, 0, `${args.join(' ')}: ${result.stderr}`);
    assert.equal(result.stderr, '', args.join(' '));
  }
  // A large output cut by `head`: the same, through a real shell pipe.
  const corpusFile = path.resolve(ROOT, '../shared/corpus/en16931/cii/CII_example1.xml');
  if (fs.existsSync(corpusFile)) {
    const files = Array.from({ length: 60 }, () => JSON.stringify(corpusFile)).join(' ');
    const shell = await new Promise<Result>((resolve) => {
      const child = spawn('bash', ['-c', `set -o pipefail; node ${JSON.stringify(BIN)} parse --json ${files} | head -c 100 >/dev/null`], { cwd: ROOT, env: { ...process.env, LIASSE_DEBUG: '' } });
      let stderr = '';
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      child.on('close', (status) => resolve({ status, stdout: '', stderr }));
    });
    assert.equal(shell.status, 0, shell.stderr);
    assert.doesNotMatch(shell.stderr, /EPIPE/);
    assert.doesNotMatch(shell.stderr, STACK);
  }
});

test('a bad option is one French sentence naming it, never the raw parseArgs text nor a stack', async () => {
  const unknown = await liasse(['share', 'create', '--bogus', 'X']);
  assert.equal(unknown.status, 2);
  assert.match(unknown.stderr.split('\n')[0]!, /^liasse share: Option inconnue : --bogus /);
  assert.doesNotMatch(unknown.stderr, /To specify a positional|Unknown option/);
  const missing = await liasse(['share', 'create', '--days']);
  assert.equal(missing.status, 2);
  assert.match(missing.stderr, /^liasse share: L'option --days attend une valeur\./);
  const flag = await liasse(['deadlines', '--json=yes']);
  assert.match(flag.stderr, /^liasse deadlines: L'option --json ne prend pas de valeur\./);
  for (const result of [unknown, missing, flag]) assert.doesNotMatch(result.stderr, STACK);
});

test('an unexpected error prints its message only; the stack with LIASSE_DEBUG', async () => {
  const env = { LIASSE_DATA_DIR: '/dev/null/impossible', DATABASE_URL: '' };
  const quiet = await liasse(['deadlines', 'rates'], env);
  assert.equal(quiet.status, 1);
  assert.match(quiet.stderr, /^liasse deadlines: /);
  assert.doesNotMatch(quiet.stderr, STACK);
  const debug = await liasse(['deadlines', 'rates'], { ...env, LIASSE_DEBUG: '1' });
  assert.match(debug.stderr, STACK);
});

test('every command taking an invoice accepts --invoice with the Liasse id or the Chorus idFacture', (t) =>
  forEachDatabase(t, async (context, database) => {
    const db = context.store.db;
    const tenantId = await insertTenant(db);
    const invoiceId = await insertInvoice(db, tenantId, { number: 'F-CLI-1', made_available_at: '2024-03-01T08:00:00Z', deposited_at: '2024-03-01T08:00:00Z' }, [
      { status: 'MISE_A_DISPOSITION', at: '2024-03-01T08:00:00Z' },
    ]);
    const { chorus_id: chorusId } = await db.selectFrom('invoices').select('chorus_id').where('id', '=', invoiceId).executeTakeFirstOrThrow();
    const idFacture = String(chorusId);
    const env = database.env;

    for (const args of [
      ['share', 'create', idFacture, '--json'],
      ['share', 'create', '--invoice', idFacture, '--json'],
      ['share', 'create', '--invoice', invoiceId, '--json'],
    ]) {
      const result = await liasse(args, env);
      assert.equal(result.status, 0, `${args.join(' ')}: ${result.stderr}`);
      assert.equal((JSON.parse(result.stdout) as { invoiceId: string }).invoiceId, invoiceId);
    }
    const listed = await liasse(['share', 'list', '--invoice', idFacture, '--json'], env);
    assert.equal((JSON.parse(listed.stdout) as unknown[]).length, 3);

    for (const args of [['deadlines', 'show', idFacture, '--json'], ['deadlines', 'show', '--invoice', idFacture, '--json'], ['timeline', '--invoice', idFacture, '--json'], ['invoices', 'show', '--invoice', idFacture, '--json']]) {
      const result = await liasse(args, env);
      assert.equal(result.status, 0, `${args.join(' ')}: ${result.stderr}`);
    }
    // The invoice is found (it is refused for a business reason, not as unknown).
    const mandat = await liasse(['mandat', 'create', '--invoice', idFacture], env);
    assert.doesNotMatch(mandat.stderr, /introuvable/, mandat.stderr);
    const unknown = await liasse(['share', 'create', '--invoice', '999999999'], env);
    assert.equal(unknown.status, 1);
    assert.match(unknown.stderr, /Facture introuvable : « 999999999 »/);
    const conflicting = await liasse(['share', 'create', '--invoice', idFacture, invoiceId], env);
    assert.equal(conflicting.status, 2);
  }));

test('the share link the CLI prints opens the dossier in the web application', (t) =>
  forEachDatabase(t, async (context, database) => {
    const db = context.store.db;
    const tenantId = await insertTenant(db);
    const invoiceId = await insertInvoice(db, tenantId, { number: 'F-PARTAGE' }, [{ status: 'MISE_A_DISPOSITION', at: '2024-03-01T08:00:00Z' }]);
    const created = await liasse(['share', 'create', '--invoice', invoiceId], { ...database.env, LIASSE_PUBLIC_URL: 'https://liasse.example.fr/' });
    assert.equal(created.status, 0, created.stderr);
    const printed = /https:\/\/liasse\.example\.fr(\/\S+)/.exec(created.stdout);
    assert.ok(printed, created.stdout);
    const pagePath = printed[1]!;

    const webDist = fs.mkdtempSync(path.join(os.tmpdir(), 'liasse-web-'));
    fs.writeFileSync(path.join(webDist, 'index.html'), '<!doctype html><div id="root"></div>');
    const app = await buildServer({ context, webDist, logger: false });
    try {
      const page = await app.inject({ method: 'GET', url: pagePath });
      assert.equal(page.statusCode, 200);
      assert.match(page.headers['content-type'] as string, /text\/html/);
      // The web application's route for a shared dossier (web/src/App.tsx) reads the token from it.
      const appSource = fs.readFileSync(path.join(ROOT, 'web/src/App.tsx'), 'utf8');
      const route = /match\('(\/[^/]+)\/:token'/.exec(appSource)?.[1];
      assert.ok(route && pagePath.startsWith(`${route}/`), `${pagePath} is not under the web route ${route}`);
      const token = decodeURIComponent(pagePath.slice(route.length + 1));
      const dossier = await app.inject({ method: 'GET', url: `/api/share/${token}` });
      assert.equal(dossier.statusCode, 200, dossier.body);
      assert.equal((dossier.json() as { invoice: { number: string } }).invoice.number, 'F-PARTAGE');
    } finally {
      await app.close();
    }
  }));

test('invoices list: without --limit every invoice, across pages; --limit/--offset for one page', (t) =>
  forEachDatabase(t, async (context, database) => {
    const db = context.store.db;
    const tenantId = await insertTenant(db);
    for (let index = 0; index < 520; index += 1) await insertInvoice(db, tenantId, { number: `F-LIST-${index}` });
    const all = await liasse(['invoices', 'list', '--json'], database.env);
    assert.equal(all.status, 0, all.stderr);
    const items = JSON.parse(all.stdout) as { id: string }[];
    assert.equal(items.length, 520);
    assert.equal(new Set(items.map((item) => item.id)).size, 520);
    const page = JSON.parse((await liasse(['invoices', 'list', '--json', '--limit', '10', '--offset', '505'], database.env)).stdout) as { id: string }[];
    assert.deepEqual(page.map((item) => item.id), items.slice(505, 515).map((item) => item.id));
    const text = await liasse(['invoices', 'list'], database.env);
    assert.match(text.stdout, /\n520 facture\(s\)\n$/);
    assert.match((await liasse(['invoices', 'list', '--help'])).stdout, /Sans --limit, TOUTES les factures/);
  }));

test('an invalid configuration value is named with the values expected, exit 2, no stack', async () => {
  const result = await liasse(['deadlines', 'rates'], { ...tempDataDir(), LIASSE_LOG_LEVEL: 'loud', LIASSE_SYNC_INTERVAL_MINUTES: '0' });
  assert.equal(result.status, 2);
  assert.equal(
    result.stderr,
    'liasse deadlines: Invalid configuration:\n' +
      '  - LIASSE_LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent, got "loud"\n' +
      '  - LIASSE_SYNC_INTERVAL_MINUTES must be a whole number of minutes ≥ 1, got "0"\n',
  );
});
