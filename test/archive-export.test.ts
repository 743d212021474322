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
import { importAcquit } from '../src/app/mandate/acquits.ts';
import { createBordereau, generateBordereauPes, sendBordereau } from '../src/app/mandate/bordereaux.ts';
import { createMandat } from '../src/app/mandate/mandats.ts';
import { PES_ACQUIT_SCHEMA, validatePesFile, xmllintAvailable } from '../src/formats/pes/validate.ts';
import { DropFolderChannel } from '../src/teletransmission/drop-folder.ts';
import { summarisePes, simulatedAcquit } from '../src/teletransmission/s2low-sim.ts';
import { forEachDatabase } from './helpers/databases.ts';
import { createMandatFixture } from './mandat/fixtures.ts';

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
      for (const expected of ['facture_F-2024-001.pdf', 'bon_de_livraison.pdf', 'pivot.xml', 'historique.json', 'mandat-2024-12.json', 'EXTRAIT_mandat-2024-B']) {
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

test("SEDA export of one mandat carries a PES extract of that mandat only, and the acquittement lines that concern it", (t) =>
  forEachDatabase(t, async (context, database) => {
    assert.ok(xmllintAvailable(), 'xmllint is missing: install libxml2-utils');
    const fixture = await createMandatFixture(context, { invoices: 3 });
    const db = context.store.db;
    const mandats = [];
    for (const invoiceId of fixture.invoiceIds) mandats.push(await createMandat(context, fixture.tenantId, CLI_ACTOR, { invoiceIds: [invoiceId] }));
    // Other mandats' bank details differ from the exported one's: none of them may leak.
    const otherIban = 'FR7610107001011234567890129';
    await db.updateTable('mandats').set({ iban: otherIban }).where('id', 'in', [mandats[1]!.id, mandats[2]!.id]).execute();
    const bordereau = await createBordereau(context, fixture.tenantId, CLI_ACTOR, { budgetCode: 'BP', exercice: 2025 });
    await generateBordereauPes(context, fixture.tenantId, CLI_ACTOR, { bordereauId: bordereau.id, outFile: path.join(database.dataDir, 'b1.xml'), today: '2025-04-02' });
    await sendBordereau(context, fixture.tenantId, CLI_ACTOR, { bordereauId: bordereau.id, channel: new DropFolderChannel(path.join(database.dataDir, 'tdt')) });
    const pes = fs.readFileSync(path.join(database.dataDir, 'b1.xml'));
    // The accountant rejects piece 2: the acquittement names it, and lists every PJ.
    await importAcquit(context, fixture.tenantId, CLI_ACTOR, { bytes: simulatedAcquit(summarisePes(pes)!, { accepted: false, reason: '2559 - Code service inconnu', piece: 2 }) });
    const pjOf = async (mandatId: string) => (await db.selectFrom('mandat_pjs').select('id_unique').where('mandat_id', '=', mandatId).execute()).map((row) => row.id_unique);
    const ownPjs = await pjOf(mandats[0]!.id);
    const otherPjs = [...(await pjOf(mandats[1]!.id)), ...(await pjOf(mandats[2]!.id))];
    assert.equal(ownPjs.length, 1);

    const settings = loadArchiveSettings({ LIASSE_SEDA_ARCHIVAL_AGENCY: 'FRAD034', LIASSE_SEDA_ARCHIVAL_AGREEMENT: 'ACCORD-1' });
    const out = path.join(database.dataDir, 'exports', 'mandat-1.zip');
    await exportArchivePackage(context, { mandatId: mandats[0]!.id }, out, settings, CLI_ACTOR);
    const entries = await readZip(out);
    const manifest = entries.get('manifest.xml')!.toString('utf8');
    const validation = validateSedaManifest(manifest);
    assert.ok(validation.ok, validation.output);
    const described = [...manifest.matchAll(/<Uri>([^<]+)<\/Uri>\s*<MessageDigest algorithm="SHA-256">([0-9a-f]{64})<\/MessageDigest>/g)];
    assert.equal(described.length, entries.size - 1);
    for (const [, uri, digest] of described) assert.equal(createHash('sha256').update(entries.get(uri!)!).digest('hex'), digest, uri);

    const names = [...entries.keys()];
    assert.ok(!names.some((name) => /\/\d+-PESALR2_/.test(name)), `no whole PES file in\n${names.join('\n')}`);
    const pesExtracts = names.filter((name) => /EXTRAIT_mandat-2025-BP-1_bordereau-2025-1_PESALR2_/.test(name));
    const acquitExtracts = names.filter((name) => /EXTRAIT_mandat-2025-BP-1_ACQUIT_/.test(name));
    assert.equal(pesExtracts.length, 1, names.join('\n'));
    assert.equal(acquitExtracts.length, 1, names.join('\n'));
    const extract = entries.get(pesExtracts[0]!)!;
    const xml = extract.toString('latin1');
    assert.deepEqual([...xml.matchAll(/<IdPce V="(\d+)"\/>/g)].map((match) => match[1]), ['1']);
    assert.deepEqual([...xml.matchAll(/<Facture V="([^"]+)"\/>/g)].map((match) => match[1]), ['FA2025-0001']);
    assert.match(xml, /<NbrPce V="1"\/>/);
    assert.match(xml, /<NomFic V="EXTRAIT_mandat-2025-BP-1_/);
    assert.match(xml, new RegExp(`<PJRef><Support V="01"/><IdUnique V="${ownPjs[0]}"/>`));
    assert.doesNotMatch(xml, /PES_PJ|<Contenu>/);
    assert.ok(!xml.includes(otherIban));
    for (const id of otherPjs) assert.ok(!xml.includes(id), `other mandat's PJ ${id}`);
    const acquit = entries.get(acquitExtracts[0]!)!.toString('latin1');
    assert.doesNotMatch(acquit, /<DetailPiece>/, 'piece 2 is not this mandat');
    assert.ok(acquit.includes(ownPjs[0]!));
    for (const id of otherPjs) assert.ok(!acquit.includes(id), `other mandat's PJ ${id} in the acquittement extract`);
    // Both extracts are valid PES files.
    const dir = path.join(database.dataDir, 'extracts');
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, 'pes.xml'), extract);
    fs.writeFileSync(path.join(dir, 'acquit.xml'), entries.get(acquitExtracts[0]!)!);
    assert.deepEqual((await validatePesFile(path.join(dir, 'pes.xml'))).errors, []);
    assert.deepEqual((await validatePesFile(path.join(dir, 'acquit.xml'), PES_ACQUIT_SCHEMA)).errors, []);

    // The rejected piece's own extract keeps its DetailPiece.
    const second = path.join(database.dataDir, 'exports', 'mandat-2.zip');
    await exportArchivePackage(context, { mandatId: mandats[1]!.id }, second, settings, CLI_ACTOR);
    const secondEntries = await readZip(second);
    const secondAcquit = [...secondEntries.entries()].find(([name]) => /EXTRAIT_mandat-2025-BP-2_ACQUIT_/.test(name))![1].toString('latin1');
    assert.match(secondAcquit, /<DetailPiece><NumPiece V="2"\/><Erreur><NumAnoAck V="ERREUR_AUTRE"\/><LibelleAnoAck V="2559 - Code service inconnu"\/>/);
  }));
