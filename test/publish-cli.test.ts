// The decide / publish / timeline / audit commands end to end, as child processes, on both databases.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import test from 'node:test';
import { sql } from 'kysely';
import { forEachDatabase, type TestDatabase } from './helpers/databases.ts';
import { insertInvoice, insertTenant } from './helpers/publish-fixtures.ts';

const BIN = path.resolve(import.meta.dirname, '../bin/liasse.mjs');

function liasse(database: TestDatabase, args: string[]) {
  const result = spawnSync(process.execPath, [BIN, ...args], {
    env: { ...process.env, ...database.env, LIASSE_LOG_LEVEL: 'silent' },
    encoding: 'utf8',
    timeout: 120_000,
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

test('liasse decide, publish, timeline and audit verify', (t) =>
  forEachDatabase(t, async (context, database) => {
    const db = context.store.db;
    const tenantId = await insertTenant(context);
    const invoiceId = await insertInvoice(context, tenantId, 9001);

    const reasons = liasse(database, ['decide', 'reasons', '--json']);
    assert.equal(reasons.code, 0, reasons.stderr);
    assert.ok(JSON.parse(reasons.stdout).recycle.length > 0);

    const refused = liasse(database, ['decide', 'recycle', '--invoice', invoiceId, '--reason', 'PJ_MANQUANTE']);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /acheminement/);

    const rejected = liasse(database, ['decide', 'reject', '--invoice', '9001', '--reason', 'MAUVAIS_SERVICE', '--json']);
    assert.equal(rejected.code, 0, rejected.stderr);
    const decision = JSON.parse(rejected.stdout);
    assert.equal(decision.to, 'rejected');
    assert.equal(decision.proposed, 'recycle');
    assert.equal(decision.warnings.length, 1);

    // No Chorus connection for this authority: the publication needs a person.
    const published = liasse(database, ['publish', '--json']);
    assert.equal(published.code, 0, published.stderr);
    assert.equal(JSON.parse(published.stdout).failures, 1);
    const failures = liasse(database, ['publish', '--failures', '--json']);
    assert.equal(failures.code, 1);
    const [failure] = JSON.parse(failures.stdout);
    assert.match(failure.lastError, /connexion Chorus Pro/);
    const retry = liasse(database, ['publish', '--retry', failure.id]);
    assert.equal(retry.code, 0, retry.stderr);

    const timeline = liasse(database, ['timeline', invoiceId, '--json']);
    assert.equal(timeline.code, 0, timeline.stderr);
    const titles = JSON.parse(timeline.stdout).entries.map((entry: { title: string }) => entry.title);
    assert.ok(titles.includes('Facture rejetée'), titles.join('\n'));
    assert.ok(titles.includes('Publication relancée'), titles.join('\n'));
    const text = liasse(database, ['timeline', invoiceId]);
    assert.match(text.stdout, /Facture rejetée \[cli\]/);

    const verified = liasse(database, ['audit', 'verify']);
    assert.equal(verified.code, 0, verified.stdout + verified.stderr);
    assert.match(verified.stdout, /intact/);

    // Someone edits the motif of the rejection in the database: the chain names that entry.
    const entry = await db.selectFrom('audit_log').select('seq').where('action', '=', 'invoice.reject').executeTakeFirstOrThrow();
    await sql`update audit_log set data_json = replace(data_json, 'service', 'SERVICE') where seq = ${entry.seq}`.execute(db);
    const broken = liasse(database, ['audit', 'verify', '--json']);
    assert.equal(broken.code, 1);
    const report = JSON.parse(broken.stdout);
    assert.equal(report.ok, false);
    assert.equal(report.firstBrokenSeq, Number(entry.seq));
    assert.match(report.reason, /modified/);
  }));
