import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { test } from 'node:test';
import { buildArchiveTransfer, type SedaTransfer } from './manifest.ts';
import { PackageIntegrityError, writeSedaPackage } from './package.ts';
import { readZip, validateSedaManifest } from './test-support.ts';

const sha = (text: string) => createHash('sha256').update(text).digest('hex');

function transfer(): SedaTransfer {
  return {
    comment: 'Dossier de mandatement – Commune d’Été & <Fils> – mandat n°12',
    date: '2024-05-01T10:00:00.000Z',
    messageIdentifier: '213100547-B01-2024-MDT-12',
    archivalAgreement: 'ACCORD-2024-01',
    archivalProfile: null,
    archivalAgency: { identifier: 'FRAD031' },
    transferringAgency: { identifier: '213100547' },
    originatingAgencyIdentifier: '213100547',
    appraisal: { rule: 'APP10Y', startDate: '2024-12-31', finalAction: 'Destroy' },
    access: { rule: 'AR038', startDate: '2024-05-01' },
    objects: [
      { id: 'BDO-1', uri: 'content/f/1-facture.pdf', sha256: sha('pdf'), size: 3, mimeType: 'application/pdf', filename: 'facture é.pdf' },
      { id: 'BDO-2', uri: 'content/m/2-mandat.json', sha256: sha('{}'), size: 2, mimeType: 'application/json', filename: 'mandat.json' },
    ],
    units: [
      {
        id: 'AU-1',
        level: 'File',
        title: 'Mandat 12/2024 – Fournisseur & Cie',
        keywords: [{ type: 'subject', content: 'F-1', reference: 'numero_facture' }],
        originatingAgency: '213100547',
        startDate: '2024-03-01',
        endDate: '2024-04-15T10:00:00Z',
        children: [
          { id: 'AU-2', level: 'Item', title: 'Facture F-1', objects: ['BDO-1'] },
          { id: 'AU-3', level: 'Item', title: 'Mandat 12', objects: ['BDO-2'] },
        ],
      },
    ],
  };
}

test('the manifest validates against the SEDA 2.2 schemas', () => {
  const xml = buildArchiveTransfer(transfer());
  const result = validateSedaManifest(xml);
  assert.ok(result.ok, result.output);
  assert.match(xml, /&lt;Fils&gt;/);
  assert.match(xml, /<MessageDigest algorithm="SHA-256">[0-9a-f]{64}<\/MessageDigest>/);
});

test('the manifest refuses dangling references and duplicate ids', () => {
  const dangling = transfer();
  dangling.units[0]!.objects = ['BDO-9'];
  assert.throws(() => buildArchiveTransfer(dangling), /unknown object BDO-9/);
  const duplicate = transfer();
  duplicate.objects.push({ ...duplicate.objects[0]! });
  assert.throws(() => buildArchiveTransfer(duplicate), /duplicate/);
});

test('the package: manifest.xml at the root, each file intact; a corrupted source aborts', async () => {
  const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'liasse-seda-zip-'));
  try {
    const out = path.join(directory, 'p.zip');
    const files = [
      { path: 'content/f/1-facture.pdf', sha256: sha('pdf'), size: 3, open: () => Readable.from([Buffer.from('pdf')]) },
      { path: 'content/m/2-mandat.json', sha256: sha('{}'), size: 2, open: () => Readable.from([Buffer.from('{}')]) },
    ];
    await writeSedaPackage(fs.createWriteStream(out), buildArchiveTransfer(transfer()), files);
    const entries = await readZip(out);
    assert.deepEqual([...entries.keys()], ['manifest.xml', 'content/f/1-facture.pdf', 'content/m/2-mandat.json']);
    assert.equal(entries.get('content/f/1-facture.pdf')?.toString(), 'pdf');

    const corrupted = [{ ...files[0]!, open: () => Readable.from([Buffer.from('PDF')]) }];
    await assert.rejects(writeSedaPackage(fs.createWriteStream(path.join(directory, 'bad.zip')), buildArchiveTransfer(transfer()), corrupted), PackageIntegrityError);
  } finally {
    fs.rmSync(directory, { recursive: true, force: true });
  }
});
