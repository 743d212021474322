import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { gunzipSync } from 'node:zlib';
import { test } from 'node:test';
import { parsePesAcquit, rejectionReasons } from './acquit.ts';
import { type PesAller, pesAllerFileName, writePesAller } from './aller.ts';
import { pesFileName, pesText } from './text.ts';
import { PES_ACQUIT_SCHEMA, validatePesFile, xmllintAvailable } from './validate.ts';

const SAMPLES = path.resolve(import.meta.dirname, '../../../../shared/reference/pes-v2/samples/megalis-bretagne-pastell');

function requireXmllint(): void {
  assert.ok(xmllintAvailable(), 'xmllint is missing: install libxml2-utils (apt-get install libxml2-utils) to run the PES schema tests');
}

function sampleDocument(pdf: Buffer): PesAller {
  return {
    fileName: pesAllerFileName('21340123400017', '2025-03-14', 1),
    generatedOn: '2025-03-14',
    emitter: { sigle: 'LIASSE', adresse: 'Liasse 0.1.0' },
    header: { idPost: '034099', idColl: '21340123400017', codCol: '123', codBud: '00', libelleColBud: pesText('Commune d’Exemple – budget principal', 38) },
    bordereaux: [
      {
        exer: 2025,
        idBord: 1,
        date: '2025-03-14',
        typBord: '01',
        mtCumulAnnuel: '1000.00',
        pieces: [
          {
            codServ: 'TECH',
            idPce: 1,
            typPce: '01',
            natPce: '01',
            obj: pesText('Fournitures – « œuvre » 50 €', 100),
            pjRefs: [{ idUnique: '213401234000172025DEP0000000001', nomPj: 'FA-1.pdf', typePj: '003' }],
            dgp: { start: '2025-03-01', end: '2025-03-31', days: 30 },
            lines: [
              {
                idLigne: 1,
                nature: '6064',
                fonction: '020',
                operation: null,
                facture: 'FA-1',
                libVir1: 'FACT FA-1',
                modRegl: '03',
                mtHt: '1000.00',
                mtTva: '200.00',
                mtFactHt: null,
                rattach: null,
                idMarche: null,
                tiers: {
                  idTiers: '99900123400015',
                  natIdTiers: '01',
                  refTiers: null,
                  catTiers: '50',
                  natJur: '03',
                  nom: 'PAPETERIE & FILS <SARL>',
                  address: { adr2: '12 RUE DES EXEMPLES', cp: '34000', ville: 'MONTPELLIER' },
                  bank: { iban: 'FR7630001007941234567890185', bic: 'BDFEFRPPXXX', titulaire: 'PAPETERIE' },
                },
              },
            ],
          },
        ],
      },
    ],
    pjs: [
      {
        idUnique: '213401234000172025DEP0000000001',
        nomPj: 'FA-1.pdf',
        mimeType: 'application/pdf',
        typePj: '003',
        description: 'Facture FA-1',
        refCompta: { exercice: 2025, typeObjet: '01', identifiant: '1' },
        open: () => Readable.from([pdf]),
      },
    ],
  };
}

test('PES_Aller: valid against the schema, ISO-8859-1, PJ gzip+base64 round-trips', async () => {
  requireXmllint();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'liasse-pes-'));
  try {
    const pdf = Buffer.concat([Buffer.from('%PDF-1.4\n'), Buffer.alloc(300_000, 7)]);
    const file = path.join(dir, 'out.xml');
    const out = fs.createWriteStream(file);
    await writePesAller(sampleDocument(pdf), out);
    await new Promise<void>((resolve, reject) => out.end((error?: Error | null) => (error ? reject(error) : resolve())));
    const validation = await validatePesFile(file);
    assert.deepEqual(validation.errors, []);
    assert.ok(validation.valid);
    const text = fs.readFileSync(file, 'latin1');
    assert.match(text, /^<\?xml version="1.0" encoding="ISO-8859-1"\?>/);
    assert.match(text, /Fournitures - « oeuvre » 50 EUR/);
    assert.match(text, /PAPETERIE &amp; FILS &lt;SARL&gt;/);
    const base64 = /<Fichier MIMEType="application\/pdf">([^<]*)<\/Fichier>/.exec(text)![1]!;
    assert.deepEqual(gunzipSync(Buffer.from(base64.replace(/\s+/g, ''), 'base64')), pdf);
    assert.match(text, /<MtBordHT V="1000.00"\/><MtBordTVA V="200.00"\/>/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('PES text and file names follow the schema limits', () => {
  assert.equal(pesText('  a\n b  ', 10), 'a b');
  assert.equal(pesText('x'.repeat(50), 38)!.length, 38);
  assert.equal(pesText('   ', 10), null);
  assert.equal(pesFileName('Facture n°12 (copie).PDF', 'application/pdf'), 'Facture_n_12_copie_.PDF');
  assert.equal(pesFileName('facture', 'application/pdf'), 'facture.pdf');
  assert.equal(pesFileName('archive.tar.gzip2', null), 'archive.tar.gzip2.bin');
  assert.equal(pesAllerFileName('21340123400017', '2025-03-14', 7), 'PESALR2_21340123400017_250314_007.xml');
});

test('PES_Acquit: the real samples validate and read as accepted', async () => {
  requireXmllint();
  for (const sample of [
    'connecteur/fakeTdt/fixtures/pes_acquit.xml',
    'test/PHPUnit/connecteur/glaneur-local/fixtures/pes_manifest/ACQUIT_PESALR2_49101169800000_171227_2045.xml',
  ]) {
    const file = path.join(SAMPLES, sample);
    const validation = await validatePesFile(file, PES_ACQUIT_SCHEMA);
    assert.ok(validation.valid, validation.errors.join('\n'));
    const acquit = parsePesAcquit(fs.readFileSync(file));
    assert.equal(acquit.accepted, true);
    assert.equal(acquit.header.idColl, '20004910400025');
    const depense = acquit.elements.find((element) => element.domaine === '5')!;
    assert.equal(depense.numBord, 1847);
    assert.equal(depense.exerciceBord, 2015);
    assert.equal(acquit.elements.filter((element) => element.domaine === '4').length, 4);
  }
});

test('PES_Acquit: rejection with codes per bordereau, pièce and ligne', () => {
  const xml = `<?xml version="1.0" encoding="ISO-8859-1"?>
<n:PES_ACQUIT xmlns:n="http://www.minefi.gouv.fr/cp/helios/pes_v2/Rev0/retour/v2"><Enveloppe><Parametres><Version V="2"/><TypFic V="PESALR2"/><NomFic V="F.xml"/></Parametres><Emetteur><Sigle V="X"/><Adresse V="Y"/></Emetteur></Enveloppe>
<EnTetePES><DteStr V="2025-03-14"/><IdPost V="034099"/><IdColl V="21340123400017"/><CodCol V="123"/><CodBud V="00"/></EnTetePES>
<ACQUIT><EnTeteAcquit><IdVer V="2"/></EnTeteAcquit><ElementACQUIT><DomaineAck V="5"/><EtatAck V="0"/><NumBord V="42"/><ExerciceBord V="2025"/>
<Erreur><NumAnoAck V="ERREUR_CUMUL_MONTANTS"/><LibelleAnoAck V="Cumul faux"/></Erreur>
<DetailPiece><NumPiece V="318"/><Erreur><NumAnoAck V="ERREUR_AUTRE"/><LibelleAnoAck V="2559 - Code service inconnu"/></Erreur><DetailLigne><NumLigne V="1"/><Erreur><NumAnoAck V="ERREUR_AUTRE"/><LibelleAnoAck V="1971 - Compte fonction pr${'\u00e9'}sent ${'\u00e0'} tort"/></Erreur></DetailLigne></DetailPiece></ElementACQUIT></ACQUIT></n:PES_ACQUIT>`;
  const acquit = parsePesAcquit(Buffer.from(xml, 'latin1'));
  assert.equal(acquit.accepted, false);
  assert.equal(acquit.nomFic, 'F.xml');
  const element = acquit.elements[0]!;
  assert.equal(element.pieces[0]!.numPiece, 318);
  assert.deepEqual(rejectionReasons(element), [
    'ERREUR_CUMUL_MONTANTS : Cumul faux',
    'Pièce 318 : ERREUR_AUTRE : 2559 - Code service inconnu',
    'Pièce 318, ligne 1 : ERREUR_AUTRE : 1971 - Compte fonction présent à tort',
  ]);
});

test('PES_Acquit writer: a rejected acquittement validates and reads back', async () => {
  requireXmllint();
  const { buildPesAcquit } = await import('./acquit-writer.ts');
  const bytes = buildPesAcquit({
    nomFic: 'PESALR2_21340123400017_250314_001.xml',
    typFic: 'PESALR2',
    header: { dteStr: '2025-03-14', idPost: '034099', idColl: '21340123400017', codCol: '123', codBud: '00' },
    elements: [
      {
        domaine: '5',
        accepted: false,
        numBord: 3,
        exerciceBord: 2025,
        idMarche: null,
        idUnique: null,
        errors: [],
        pieces: [{ numPiece: 7, errors: [{ code: 'ERREUR_AUTRE', label: '2559 - Le code service est inconnu' }], lines: [] }],
      },
      { domaine: '4', accepted: true, numBord: null, exerciceBord: null, idMarche: null, idUnique: 'ABC123', errors: [], pieces: [] },
    ],
  });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'liasse-ack-'));
  try {
    const file = path.join(dir, 'ack.xml');
    fs.writeFileSync(file, bytes);
    const validation = await validatePesFile(file, PES_ACQUIT_SCHEMA);
    assert.ok(validation.valid, validation.errors.join('\n'));
    const acquit = parsePesAcquit(bytes);
    assert.equal(acquit.accepted, false);
    assert.equal(acquit.elements[0]!.pieces[0]!.errors[0]!.label, '2559 - Le code service est inconnu');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
