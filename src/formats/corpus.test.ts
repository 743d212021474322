// Every file of the shared corpus is read, and its key business terms equal what the XML says —
// expectations computed independently by lxml/libqpdf (test-support/expected.py), not by our reader.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

import type { Invoice } from '../domain/invoice.ts';
import { Decimal } from '../domain/money.ts';
import { readInvoiceFile, readPivot, validateInvoice } from './index.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
const CORPUS = path.resolve(here, '../../../shared/corpus');
const FIXTURES = path.resolve(here, '../../../shared/reference/chorus-pro/fixtures');
const folders = ['en16931/ubl', 'en16931/cii', 'facturx', 'pdf-only'];
const files = folders.flatMap((folder) => fs.readdirSync(path.join(CORPUS, folder)).sort().map((name) => path.join(CORPUS, folder, name)));

type Expected = Record<string, string | number | string[] | null> & { kind: string; lines?: number; attachments?: string[] };
const expected = JSON.parse(
  execFileSync('/usr/bin/python3', [path.join(here, 'test-support/expected.py'), ...files], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 }),
) as Record<string, Expected>;

const AMOUNTS: [string, keyof Invoice['totals']][] = [
  ['BT-106', 'lineNet'],
  ['BT-107', 'allowances'],
  ['BT-108', 'charges'],
  ['BT-109', 'taxExclusive'],
  ['BT-110', 'tax'],
  ['BT-112', 'taxInclusive'],
  ['BT-113', 'prepaid'],
  ['BT-114', 'rounding'],
  ['BT-115', 'payable'],
];

test(`the corpus holds the 62 files the issue names`, () => {
  assert.equal(files.length, 19 + 15 + 26 + 2);
});

for (const file of files) {
  test(`reads ${path.relative(CORPUS, file)}`, async () => {
    const want = expected[file]!;
    const { invoice, files: carried } = await readInvoiceFile(fs.readFileSync(file), file);
    if (want.kind === 'PDF') {
      assert.equal(invoice.format, 'PDF');
      assert.equal(invoice.withoutMetadata, true);
      assert.ok((invoice.text ?? '').length > 50, 'text extracted from the PDF');
      return;
    }
    if (file.endsWith('.pdf')) {
      assert.equal(invoice.format, want.kind === 'CII' ? 'FACTURX' : want.kind);
      // Every embedded file besides the invoice XML is carried (BG-24 references of the XML come on top).
      for (const name of want.attachments ?? []) {
        assert.ok(invoice.attachments.some((attachment) => attachment.filename === name), `attachment ${name}`);
        assert.ok(carried.some((item) => item.filename === name), `file ${name}`);
      }
    } else {
      assert.equal(invoice.format, want.kind);
    }
    assert.equal(invoice.number, want['BT-1'], 'BT-1');
    assert.equal(invoice.issueDate, want['BT-2'], 'BT-2');
    assert.equal(invoice.typeCode, want['BT-3'], 'BT-3');
    assert.equal(invoice.currency, want['BT-5'], 'BT-5');
    assert.equal(invoice.buyerReference, want['BT-10'], 'BT-10');
    assert.equal(invoice.orderReference, want['BT-13'], 'BT-13');
    assert.equal(invoice.seller.vatId, want['BT-31'], 'BT-31');
    for (const [bt, key] of AMOUNTS) {
      const mine = invoice.totals[key];
      const theirs = want[bt] as string | null;
      if (theirs === null) assert.equal(mine, null, bt);
      else assert.ok(mine !== null && Decimal.parse(mine).eq(Decimal.parse(theirs)), `${bt}: ${mine} ≠ ${theirs}`);
    }
    assert.equal(invoice.lines.length, want.lines, 'line count');
  });
}

test('the official EN 16931 examples are valid (no fatal finding)', async () => {
  for (const file of files.filter((name) => name.includes('/en16931/'))) {
    const { invoice } = await readInvoiceFile(fs.readFileSync(file), file);
    const fatal = validateInvoice(invoice).filter((finding) => finding.severity === 'fatal');
    assert.deepEqual(fatal, [], path.basename(file));
  }
});

test('a Factur-X with a supporting PDF keeps it as an attachment with its content', async () => {
  const file = path.join(CORPUS, 'facturx/akretion__invoice_EN16931.pdf');
  const { invoice, files: carried } = await readInvoiceFile(fs.readFileSync(file), file);
  assert.equal(invoice.seller.siret?.length, 14);
  const note = carried.find((item) => item.filename === 'Bon_de_livraison.pdf')!;
  assert.equal(Buffer.from(note.content.subarray(0, 5)).toString('latin1'), '%PDF-');
  assert.equal(invoice.attachments.find((item) => item.filename === 'Bon_de_livraison.pdf')!.size, note.content.length);
});

test('readPivot: several invoices, PJ decoded and their ZIPs expanded, pivot data mapped', async () => {
  const file = path.join(FIXTURES, 'CPPFichierFormatPivot.xml');
  const document = await readPivot(fs.readFileSync(file), file);
  assert.equal(document.flowId, 'CPP0020036000000000000004');
  assert.equal(document.invoices.length, 4);
  const first = document.invoices[0]!;
  assert.equal(first.invoice.format, 'PIVOT');
  assert.equal(first.invoice.number, 'AVA20150923');
  assert.equal(first.invoice.buyer.siret, '21930053000017');
  assert.equal(first.invoice.buyerReference, 'GN5CAFZ069');
  assert.equal(first.invoice.orderReference, '2412345673');
  assert.equal(first.invoice.totals.payable, '3245.681450');
  assert.equal(first.invoice.lines.length, 2);
  assert.deepEqual(first.attachments.map((pj) => [pj.filename, pj.chorusType]), [
    ['FACAVA2015092332682006500083.pdf', '01'],
    ['PJFACAVA2015092332682006500083.pdf', '02'],
  ]);
  assert.equal(Buffer.from(first.attachments[0]!.content.subarray(0, 5)).toString('latin1'), '%PDF-');
  // The original (PJ 01) of the third invoice is a UBL file: the sync reads it for the rich model.
  const original = document.invoices[2]!.attachments.find((pj) => pj.chorusType === '01')!;
  const rich = await readInvoiceFile(original.content, original.filename);
  assert.equal(rich.invoice.format, 'UBL');
  assert.equal(rich.invoice.number, 'F081509');
  assert.equal(rich.invoice.orderReference, 'R92');
});

test('readInvoiceFile on a pivot gives its first invoice and its PJ', async () => {
  const file = path.join(FIXTURES, 'facture_1224.xml');
  const { invoice, files: carried } = await readInvoiceFile(fs.readFileSync(file), file);
  assert.equal(invoice.format, 'PIVOT');
  assert.equal(invoice.number, 'AVA20150926');
  assert.deepEqual(carried.map((item) => item.chorusType), ['01', '02']);
});
