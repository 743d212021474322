// End to end: an invoice with its files and history, a mandat on a sent bordereau, exported as a
// SEDA 2.2 package by mandat, bordereau and period; the manifest validates and lists every file
// of the ZIP with its SHA-256.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { exportArchivePackage } from '../src/app/archive/export.ts';
import { loadArchiveSettings } from '../src/app/archive/settings.ts';
import { attachFiles, insertInvoice, insertMandat, insertTenant } from '../src/app/archive/test-fixtures.ts';
import { CLI_ACTOR } from '../src/domain/roles.ts';
import { PackageIntegrityError } from '../src/formats/seda/package.ts';
import { readZip, validateSedaManifest } from '../src/formats/seda/test-support.ts';
import { forEachDatabase } from './helpers/databases.ts';

test('SEDA export of a mandat dossier', (t) =>
  forEachDatabase(t, async (context, database) => {
    const db = context.store.db;
    const tenantId = await insertTenant(db);
    const invoiceId = await insertInvoice(db, tenantId, { made_available_at: '2024-03-01T08:00:00Z', status: 'paid', number: 'F-2024-001' }, [
      { status: 'MISE_A_DISPOSITION', at: '2024-03-01T08:00:00Z' },
      { status: 'MANDATEE', at: '2024-03-20T08:00:00Z' },
    ]);
    await attachFiles(db, context.blobs, invoiceId, [
      { role: 'original', filename: 'facture F-2024-001.pdf', mimeType: 'application/pdf', content: '%PDF-1.7 original' },
      { role: 'attachment', filename: 'bon de livraison.pdf', mimeType: 'application/pdf', content: '%PDF-1.7 BL' },
      { role: 'pivot', filename: 'pivot.xml', mimeType: 'application/xml', content: '<CPPFacturePivot/>' },
    ]);
    const { mandatId, bordereauId } = await insertMandat(db, context.blobs, tenantId, invoiceId);
    const settings = loadArchiveSettings({ LIASSE_SEDA_ARCHIVAL_AGENCY: 'FRAD031', LIASSE_SEDA_ARCHIVAL_AGREEMENT: 'ACCORD-1' });

    for (const selector of [{ mandatId }, { bordereauId }, { tenantId, from: '2000-01-01', to: '2999-12-31' }]) {
      const out = path.join(database.dataDir, 'exports', `${Object.keys(selector)[0]}.zip`);
      const result = await exportArchivePackage(context, selector, out, settings, CLI_ACTOR);
      assert.equal(result.mandats, 1);
      assert.equal(result.invoices, 1);
      const entries = await readZip(out);
      const manifest = entries.get('manifest.xml')?.toString('utf8');
      assert.ok(manifest, 'manifest.xml at the root');
      const validation = validateSedaManifest(manifest);
      assert.ok(validation.ok, validation.output);
      // Every file but the manifest is described with its digest, and the digest holds.
      const described = [...manifest.matchAll(/<Uri>([^<]+)<\/Uri>\s*<MessageDigest algorithm="SHA-256">([0-9a-f]{64})<\/MessageDigest>/g)];
      assert.equal(described.length, entries.size - 1);
      for (const [, uri, digest] of described) {
        const content = entries.get(uri!);
        assert.ok(content, `${uri} in the ZIP`);
        assert.equal(createHash('sha256').update(content).digest('hex'), digest);
      }
      const names = [...entries.keys()].join('\n');
      for (const expected of ['facture_F-2024-001.pdf', 'bon_de_livraison.pdf', 'pivot.xml', 'historique.json', 'mandat-2024-12.json', 'PES_Aller_']) {
        assert.ok(names.includes(expected), `${expected} in\n${names}`);
      }
      if ('mandatId' in selector) assert.match(manifest, /<MessageIdentifier>213100547-B\w+-2024-MDT-12<\/MessageIdentifier>/);
      assert.match(manifest, /<StartDate>2024-12-31<\/StartDate>\s*<FinalAction>Destroy<\/FinalAction>/);
    }
    // The same through the command line.
    const cliOut = path.join(database.dataDir, 'exports', 'cli.zip');
    const cli = spawnSync(process.execPath, ['bin/liasse.mjs', 'archive', 'export', '--mandat', mandatId, '--out', cliOut], {
      cwd: path.resolve(import.meta.dirname, '..'),
      env: { ...process.env, ...database.env },
      encoding: 'utf8',
    });
    assert.equal(cli.status, 0, cli.stderr);
    assert.match(cli.stdout, /Paquet SEDA .*-MDT-12 écrit/);
    const cliManifest = (await readZip(cliOut)).get('manifest.xml')!.toString('utf8');
    assert.ok(validateSedaManifest(cliManifest).ok);

    const audit = await db.selectFrom('audit_log').select('action').where('entity_id', '=', invoiceId).where('action', '=', 'archive.export').execute();
    assert.equal(audit.length, 4);

    // A stored file altered on disk is not archived: the export fails and leaves no ZIP.
    const original = await db.selectFrom('invoices').select('original_sha256').where('id', '=', invoiceId).executeTakeFirstOrThrow();
    fs.writeFileSync(context.blobs.pathOf(original.original_sha256!), 'tampered');
    const bad = path.join(database.dataDir, 'exports', 'bad.zip');
    await assert.rejects(exportArchivePackage(context, { mandatId }, bad, settings, CLI_ACTOR), PackageIntegrityError);
    assert.equal(fs.existsSync(bad), false);
  }));
