// A broken PDF is reported in the terms of the PDF format, naming the file: the text of pdf-lib's
// or JavaScript's own errors ("Cannot read properties of undefined…") never reaches the operator.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

import { InvoiceFormatError, readInvoiceFile } from '../index.ts';
import { describePdfFailure, describeReaderCrash } from './failure.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
const CORPUS = path.resolve(here, '../../../../shared/corpus');
const LEAK = /Cannot read|undefined|TypeError|RangeError|ReferenceError|Expected instance|offset=|is not a function|\(reading /;

test('broken PDFs: the file named, what is wrong in PDF terms, no internal error text', async () => {
  const broken: Record<string, Buffer> = {
    'broken.pdf': Buffer.from('%PDF-1.4\ngarbage'),
    'random.pdf': Buffer.concat([Buffer.from('%PDF-1.7\n'), Buffer.from(Array.from({ length: 4000 }, (_, index) => (index * 7919) % 251))]),
  };
  const facturx = path.join(CORPUS, 'facturx/akretion__invoice_EN16931.pdf');
  if (fs.existsSync(facturx)) broken['truncated.pdf'] = fs.readFileSync(facturx).subarray(0, 3000);
  for (const [name, content] of Object.entries(broken)) {
    await assert.rejects(readInvoiceFile(content, name), (error: unknown) => {
      assert.ok(error instanceof InvoiceFormatError, `${name}: ${String(error)}`);
      assert.ok(error.message.startsWith(`${name}: the PDF `), error.message);
      assert.doesNotMatch(error.message, LEAK, error.message);
      return true;
    });
  }
  await assert.rejects(readInvoiceFile(broken['broken.pdf']!, 'broken.pdf'), /broken\.pdf: the PDF is malformed: no cross-reference table or trailer could be read/);
});

test('each kind of reader failure has its sentence', () => {
  assert.match(describePdfFailure(new TypeError("Cannot read properties of undefined (reading 'get')")), /no cross-reference table or trailer/);
  assert.match(describePdfFailure(new RangeError('offset is out of bounds')), /beyond the end of the file/);
  assert.match(describePdfFailure(new Error('Failed to parse PDF document (line:87 col:150 offset=900): Failed to parse invalid PDF object')), /^is malformed near byte 900: an object cannot be read/);
  assert.match(describePdfFailure(new Error('No PDF header found')), /no PDF header/);
  assert.match(describePdfFailure(new Error('Expected instance of PDFDict, but got instance of undefined')), /no cross-reference table/);
  assert.match(describePdfFailure('Parser stalled'), /objects cannot be read/);
  assert.equal(describePdfFailure(new Error('something new')), 'is malformed and cannot be read');
  assert.match(describeReaderCrash(Object.assign(new Error('Worker terminated due to reaching memory limit: JS heap out of memory'), { code: 'ERR_WORKER_OUT_OF_MEMORY' })), /more memory/);
  for (const sentence of [describeReaderCrash(new Error('boom')), describePdfFailure(new SyntaxError('Unexpected token'))]) assert.doesNotMatch(sentence, LEAK);
});
