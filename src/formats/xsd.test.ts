import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

import { InvoiceFormatError, validateXmlAgainstSchema } from './index.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
const SHARED = path.resolve(here, '../../../shared');

test('XSD: UBL, CII and pivot examples validate; a broken UBL does not', async () => {
  const cases: [string, string][] = [
    ['corpus/en16931/ubl/ubl-tc434-example4.xml', 'UBL-Invoice'],
    ['corpus/en16931/ubl/ubl-tc434-creditnote1.xml', 'UBL-CreditNote'],
    ['corpus/en16931/cii/CII_example5.xml', 'CII'],
    ['reference/chorus-pro/fixtures/facture_1223.xml', 'PIVOT-V1'],
  ];
  for (const [file, schema] of cases) {
    const result = await validateXmlAgainstSchema(fs.readFileSync(path.join(SHARED, file)), file);
    assert.equal(result.schema, schema);
    assert.deepEqual(result.errors, [], file);
    assert.equal(result.valid, true);
  }
  const broken = fs.readFileSync(path.join(SHARED, cases[0]![0]), 'utf8').replace('<cbc:IssueDate>2013-04-10</cbc:IssueDate>', '<cbc:IssueDate>10/04/2013</cbc:IssueDate>');
  const result = await validateXmlAgainstSchema(Buffer.from(broken), 'broken.xml');
  assert.equal(result.valid, false);
  assert.match(result.errors.join('\n'), /broken\.xml.*IssueDate/);
});

test('XSD: a DOCTYPE is refused before xmllint sees it', async () => {
  const xml = '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2">&e;</Invoice>';
  await assert.rejects(validateXmlAgainstSchema(Buffer.from(xml), 'xxe.xml'), InvoiceFormatError);
});

test('XSD: a missing xmllint fails loudly and names the fix', async () => {
  const saved = process.env.PATH;
  process.env.PATH = '/nonexistent';
  try {
    await assert.rejects(validateXmlAgainstSchema(fs.readFileSync(path.join(SHARED, 'corpus/en16931/cii/CII_example5.xml')), 'x.xml'), /apt-get install libxml2-utils/);
  } finally {
    process.env.PATH = saved;
  }
});
