// The XML stream is fed in chunks decoded from the bytes: a large base64 attachment must come out
// byte for byte (whatever the chunk boundaries, line wrapping, CDATA or encoding), and the memory
// held while reading it must stay far below the document's size.
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

import { readInvoiceFile } from '../index.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
const UBL = fs.readFileSync(path.resolve(here, '../../../../shared/corpus/en16931/ubl/ubl-tc434-example4.xml'), 'utf8');

function withAttachment(payload: Buffer, wrap: (base64: string) => string): string {
  const reference = `<cac:AdditionalDocumentReference><cbc:ID>PJ-1</cbc:ID><cac:Attachment><cbc:EmbeddedDocumentBinaryObject mimeCode="application/pdf" filename="pj.pdf">${wrap(payload.toString('base64'))}</cbc:EmbeddedDocumentBinaryObject></cac:Attachment></cac:AdditionalDocumentReference>`;
  return UBL.replace('<cac:AccountingSupplierParty>', `${reference}<cac:AccountingSupplierParty>`);
}

const sha = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

test('a 5 MB attachment streamed over many chunks is decoded byte for byte', async () => {
  const payload = randomBytes(5 * 1024 * 1024 + 7);
  for (const [name, wrap] of [
    ['one line', (b64: string) => b64],
    ['wrapped at 76', (b64: string) => b64.replace(/.{76}/g, '$&\n')],
    ['in CDATA', (b64: string) => `<![CDATA[${b64}]]>`],
  ] as const) {
    const { invoice, files } = await readInvoiceFile(Buffer.from(withAttachment(payload, wrap)), `${name}.xml`);
    assert.equal(files.length, 1, name);
    assert.equal(files[0]!.content.length, payload.length, name);
    assert.equal(sha(files[0]!.content), sha(payload), name);
    assert.equal(invoice.attachments[0]!.sha256, sha(payload), name);
    assert.equal(invoice.number, 'TOSL110', name);
  }
});

test('multi-byte characters split across chunk boundaries survive (UTF-8 and UTF-16)', async () => {
  // A note of 3 MB of "é€" puts multi-byte sequences across every 1 MB chunk boundary.
  const note = 'é€'.repeat(1024 * 1024);
  const xml = UBL.replace('<cbc:Note>Ordered through our website</cbc:Note>', `<cbc:Note>${note}</cbc:Note>`);
  const utf8 = await readInvoiceFile(Buffer.from(xml, 'utf8'), 'utf8.xml');
  assert.equal(utf8.invoice.notes[0], note);
  const utf16 = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(xml.replace('encoding="UTF-8"', 'encoding="UTF-16"'), 'utf16le')]);
  const read16 = await readInvoiceFile(utf16, 'utf16.xml');
  assert.equal(read16.invoice.notes[0], note);
  assert.equal(read16.invoice.totals.payable, '4675.00');
});

test('a DOCTYPE is still refused when the document is read in chunks', async () => {
  const xml = UBL.replace('<Invoice', '<!DOCTYPE Invoice [<!ENTITY x "y">]><Invoice').replace('<cbc:Note>Ordered through our website</cbc:Note>', `<cbc:Note>${'x'.repeat(3 * 1024 * 1024)}</cbc:Note>`);
  await assert.rejects(readInvoiceFile(Buffer.from(xml), 'doctype.xml'), /DOCTYPE/);
});
