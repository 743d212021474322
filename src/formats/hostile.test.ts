// Hostile and broken inputs are refused cleanly (InvoiceFormatError naming the file) and fast.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

import yazl from 'yazl';

import { InvoiceFormatError, readInvoiceFile, readPivot } from './index.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
const CORPUS = path.resolve(here, '../../../shared/corpus');
const BOUND_MS = 5000;

async function refused(content: Uint8Array | string, name: string, pattern: RegExp, reader: (bytes: Uint8Array, name: string) => Promise<unknown> = readInvoiceFile): Promise<InvoiceFormatError> {
  const started = performance.now();
  const bytes = typeof content === 'string' ? Buffer.from(content) : content;
  const error = await reader(bytes, name).then(
    () => null,
    (caught: unknown) => caught,
  );
  const elapsed = performance.now() - started;
  assert.ok(error instanceof InvoiceFormatError, `expected an InvoiceFormatError, got ${String(error)}`);
  assert.ok(error.message.startsWith(name), `names the file: ${error.message}`);
  assert.match(error.message, pattern);
  assert.equal(error.message.split(/\.\s/).length, 1, `one sentence: ${error.message}`);
  assert.ok(elapsed < BOUND_MS, `refused in ${elapsed} ms`);
  return error;
}

const UBL_OPEN = '<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2" xmlns:cbc="urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2">';

test('billion laughs: the DOCTYPE is refused before any entity is expanded', async () => {
  const entities = Array.from({ length: 10 }, (_, index) => `<!ENTITY lol${index + 1} "${`&lol${index};`.repeat(10)}">`).join('');
  const xml = `<?xml version="1.0"?><!DOCTYPE Invoice [<!ENTITY lol0 "lol">${entities}]>${UBL_OPEN}<cbc:ID>&lol10;</cbc:ID></Invoice>`;
  const error = await refused(xml, 'laughs.xml', /DOCTYPE/);
  assert.equal(error.field, 'the DOCTYPE declaration');
});

test('external entity: refused, never resolved', async () => {
  const xml = `<?xml version="1.0"?><!DOCTYPE Invoice [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>${UBL_OPEN}<cbc:ID>&xxe;</cbc:ID></Invoice>`;
  await refused(xml, 'xxe.xml', /DOCTYPE/);
});

test('an undeclared entity reference makes the document not well-formed', async () => {
  await refused(`${UBL_OPEN}<cbc:ID>&xxe;</cbc:ID></Invoice>`, 'entity.xml', /not well-formed/);
});

test('deep nesting is bounded', async () => {
  const depth = 100_000;
  const xml = `${UBL_OPEN}${'<cbc:Note>'.repeat(depth)}${'</cbc:Note>'.repeat(depth)}</Invoice>`;
  await refused(xml, 'deep.xml', /nested deeper/);
});

test('a file larger than the limit is refused without being parsed', async () => {
  const huge = Buffer.alloc(50 * 1024 * 1024 + 1, 0x20);
  huge.write('<Invoice', 0);
  await refused(huge, 'huge.xml', /size limit of 52428800 bytes/);
});

test('the size limit is configurable', async () => {
  const file = path.join(CORPUS, 'en16931/ubl/guide-example3.xml');
  const error = await readInvoiceFile(fs.readFileSync(file), 'small.xml', { limits: { maxBytes: 1000 } }).catch((caught: unknown) => caught);
  assert.ok(error instanceof InvoiceFormatError);
  assert.match(error.message, /size limit of 1000 bytes/);
});

test('malformed XML and unknown roots are refused with the element named', async () => {
  await refused(`${UBL_OPEN}<cbc:ID>1</cbc:IDX></Invoice>`, 'broken.xml', /not well-formed/);
  await refused('<Order xmlns="urn:example"><ID>1</ID></Order>', 'order.xml', /root element <Order>/);
  await refused(`${UBL_OPEN}<cbc:IssueDate>yesterday</cbc:IssueDate></Invoice>`, 'date.xml', /IssueDate.*not a date/);
  await refused(`${UBL_OPEN}<cac:LegalMonetaryTotal xmlns:cac="x"><cbc:PayableAmount>12,5O</cbc:PayableAmount></cac:LegalMonetaryTotal></Invoice>`, 'amount.xml', /PayableAmount.*not a decimal/);
  await refused('just some text', 'text.txt', /neither an XML nor a PDF/);
});

async function zipOf(name: string, content: Buffer): Promise<Buffer> {
  const zip = new yazl.ZipFile();
  zip.addBuffer(content, name, { compress: true });
  zip.end();
  const chunks: Buffer[] = [];
  for await (const chunk of zip.outputStream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

function pivotWith(contenu: Buffer): string {
  return `<?xml version="1.0" encoding="utf-8"?><CPPFacturePivot><Enveloppe><EnveloppeUnitaire><Parametres/><Partenaires/></EnveloppeUnitaire></Enveloppe><CPPFactures Compteur="1"><CPPFacturePivotUnitaire NumOrdre="1"><Fournisseur><TypeIdentifiant>1</TypeIdentifiant><Identifiant>32682006500083</Identifiant><RaisonSociale>S</RaisonSociale><CodePays>FR</CodePays><ModeEmission>flux</ModeEmission></Fournisseur><Debiteur><TypeIdentifiant>1</TypeIdentifiant><Identifiant>21930053000017</Identifiant></Debiteur><DonneesFacture><Id>F1</Id><Type>380</Type><Cadre>A1</Cadre><DateEmissionFacture>2024-01-02</DateEmissionFacture><ModePaiement><Code>30</Code></ModePaiement><DateReception>2024-01-03</DateReception><Devise>EUR</Devise><Montants><MontantHT>10</MontantHT><MontantTTC>12</MontantTTC><MontantNetAPayer>12</MontantNetAPayer></Montants></DonneesFacture><PJ NumOrdre="1"><Contenu>${contenu.toString('base64')}</Contenu><NomPJ>facture.pdf</NomPJ><TypePJ>01</TypePJ><MimeTypePJ>application/pdf</MimeTypePJ></PJ></CPPFacturePivotUnitaire></CPPFactures></CPPFacturePivot>`;
}

test('zip bomb in a pivot PJ: refused on its compression ratio', async () => {
  const bomb = await zipOf('facture.pdf', Buffer.alloc(20 * 1024 * 1024));
  await refused(pivotWith(bomb), 'bomb.xml', /zip bomb/, readPivot);
});

test('a corrupt ZIP in a pivot PJ fails cleanly', async () => {
  const good = await zipOf('facture.pdf', Buffer.from('%PDF-1.4 hello'));
  const corrupt = Buffer.concat([good.subarray(0, 30), Buffer.alloc(good.length - 30, 0x41)]);
  await refused(pivotWith(corrupt), 'corrupt.xml', /ZIP/, readPivot);
});

test('a truncated PDF fails cleanly or reads as a PDF, within the bound', async () => {
  for (const name of ['facturx/zfcorpus__Facture_FR_EN16931.pdf', 'pdf-only/zfcorpus__RE-E-974-Hetzner_2016-01-19_R0005532486.pdf']) {
    const full = fs.readFileSync(path.join(CORPUS, name));
    for (const fraction of [0.1, 0.5, 0.9]) {
      const started = performance.now();
      const outcome = await readInvoiceFile(full.subarray(0, Math.floor(full.length * fraction)), 'truncated.pdf').catch((caught: unknown) => caught);
      assert.ok(performance.now() - started < BOUND_MS);
      if (outcome instanceof Error) assert.ok(outcome instanceof InvoiceFormatError, String(outcome));
    }
  }
});

test('a malformed PDF fails cleanly', async () => {
  const started = performance.now();
  const outcome = await readInvoiceFile(Buffer.from('%PDF-1.7\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\ntrailer << /Root 9 0 R >>\n%%EOF'), 'garbage.pdf').catch((caught: unknown) => caught);
  assert.ok(performance.now() - started < BOUND_MS);
  if (outcome instanceof Error) assert.ok(outcome instanceof InvoiceFormatError, String(outcome));
  else assert.equal((outcome as { invoice: { format: string } }).invoice.format, 'PDF');
});

test('a PDF whose name tree and page tree are cyclic terminates', async () => {
  const pdf = [
    '%PDF-1.7',
    '1 0 obj << /Type /Catalog /Pages 2 0 R /Names << /EmbeddedFiles 3 0 R >> /AF [6 0 R 6 0 R] >> endobj',
    '2 0 obj << /Type /Pages /Kids [2 0 R 4 0 R] /Count 1 >> endobj',
    '3 0 obj << /Kids [3 0 R 5 0 R] >> endobj',
    '4 0 obj << /Type /Page /Parent 2 0 R /Kids [2 0 R] /Contents 7 0 R >> endobj',
    '5 0 obj << /Kids [3 0 R 5 0 R] /Names [(a) 6 0 R] >> endobj',
    '6 0 obj << /Type /Filespec /F (a.txt) /EF << /F 6 0 R >> >> endobj',
    '7 0 obj << /Length 20 >> stream\nBT (Bonjour) Tj ET\nendstream endobj',
    'trailer << /Root 1 0 R >>',
    '%%EOF',
  ].join('\n');
  const started = performance.now();
  const outcome = await readInvoiceFile(Buffer.from(pdf), 'cycle.pdf').catch((caught: unknown) => caught);
  assert.ok(performance.now() - started < BOUND_MS);
  if (outcome instanceof Error) assert.ok(outcome instanceof InvoiceFormatError, String(outcome));
  else assert.equal((outcome as { invoice: { format: string } }).invoice.format, 'PDF');
});

test('a UTF-8 BOM and a UTF-16 document are read', async () => {
  const file = path.join(CORPUS, 'en16931/ubl/guide-example3.xml');
  const xml = fs.readFileSync(file);
  const bom = await readInvoiceFile(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), xml]), 'bom.xml');
  assert.equal(bom.invoice.number, 'TOSL108');
  const utf16 = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(xml.toString('utf8').replace('encoding="UTF-8"', 'encoding="UTF-16"'), 'utf16le')]);
  assert.equal((await readInvoiceFile(utf16, 'utf16.xml')).invoice.number, 'TOSL108');
});
