// `liasse verify` on a sound store (exit 0), then with a corrupted file, a missing file and a
// dangling row reference (exit 1, each named). Runs the real CLI in a child process.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { sql } from 'kysely';
import { attachFiles, insertInvoice, insertMandat, insertTenant } from '../src/app/archive/test-fixtures.ts';
import { forEachDatabase } from './helpers/databases.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

function liasse(args: string[], env: Record<string, string>) {
  const result = spawnSync(process.execPath, [path.join(ROOT, 'bin/liasse.mjs'), ...args], { env: { ...process.env, ...env }, encoding: 'utf8', cwd: ROOT });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

test('liasse verify', (t) =>
  forEachDatabase(t, async (context, database) => {
    const db = context.store.db;
    const tenantId = await insertTenant(db);
    const invoiceId = await insertInvoice(db, tenantId, { number: 'F-VERIF-1' });
    const { chorus_id: chorusId } = await db.selectFrom('invoices').select('chorus_id').where('id', '=', invoiceId).executeTakeFirstOrThrow();
    const digests = await attachFiles(db, context.blobs, invoiceId, [
      { role: 'original', filename: 'facture.pdf', mimeType: 'application/pdf', content: '%PDF original' },
      { role: 'attachment', filename: 'annexe.pdf', mimeType: 'application/pdf', content: '%PDF annexe' },
    ]);
    const { pesSha256 } = await insertMandat(db, context.blobs, tenantId, invoiceId);

    const sound = liasse(['verify'], database.env);
    assert.equal(sound.status, 0, sound.stdout + sound.stderr);
    assert.match(sound.stdout, /Intégrité vérifiée/);

    const corrupted = context.blobs.pathOf(digests['facture.pdf']!);
    fs.writeFileSync(corrupted, '%PDF altered');
    const broken = liasse(['verify'], database.env);
    assert.equal(broken.status, 1);
    assert.ok(broken.stdout.includes(corrupted), broken.stdout);
    assert.match(broken.stdout, /Fichier altéré/);
    // The records that use the file, as the operator knows them: invoice number and idFacture.
    const line = broken.stdout.split('\n').find((candidate) => candidate.includes(corrupted))!;
    assert.ok(line.includes(`utilisé par : facture n° F-VERIF-1 (idFacture ${chorusId}), fichier original ; facture n° F-VERIF-1 (idFacture ${chorusId}), pièce « facture.pdf »`), line);
    // Never repaired: the file is still the altered one.
    assert.equal(fs.readFileSync(corrupted, 'utf8'), '%PDF altered');

    fs.rmSync(context.blobs.pathOf(digests['annexe.pdf']!));
    const json = liasse(['verify', '--json'], database.env);
    assert.equal(json.status, 1);
    const report = JSON.parse(json.stdout) as { ok: boolean; problems: { kind: string; sha256?: string; table?: string }[] };
    assert.equal(report.ok, false);
    assert.deepEqual(report.problems.map((problem) => problem.kind).sort(), ['blob_corrupted', 'blob_missing']);
    assert.equal(report.problems.find((problem) => problem.kind === 'blob_missing')?.sha256, digests['annexe.pdf']);
    assert.deepEqual((report.problems.find((problem) => problem.kind === 'blob_missing') as { usedBy?: string[] }).usedBy, [`facture n° F-VERIF-1 (idFacture ${chorusId}), pièce « annexe.pdf »`]);

    // A bordereau's PES_Aller: named by its number and exercice.
    fs.writeFileSync(context.blobs.pathOf(pesSha256), '<PES_Aller altered/>');
    const pes = liasse(['verify'], database.env);
    assert.match(pes.stdout, new RegExp(`${pesSha256}.*utilisé par : bordereau n° 1 \\(exercice 2024\\), PES_Aller « PES_Aller_`));

    // A row pointing at a row that does not exist (written with foreign keys off, as an old import would).
    if (database.dialect === 'sqlite') {
      await sql`pragma foreign_keys = off`.execute(db);
      await db.insertInto('chorus_history').values({ id: 'h-orphan', invoice_id: 'no-such-invoice', status: 'DEPOSEE', at: '2024-01-01T00:00:00Z', comment: null, cycle: 1 }).execute();
      await sql`pragma foreign_keys = on`.execute(db);
      const dangling = liasse(['verify', '--json'], database.env);
      const problems = (JSON.parse(dangling.stdout) as { problems: { kind: string; rowId?: string }[] }).problems;
      assert.ok(problems.some((problem) => problem.kind === 'dangling_reference' && problem.rowId === 'h-orphan'));
    }
  }));
