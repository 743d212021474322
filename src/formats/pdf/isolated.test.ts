// pdf-lib's full parse runs in a worker thread that is terminated at the read's deadline: a
// hostile PDF can never hold the event loop (the server's other requests) longer than the limit.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

import { InvoiceFormatError, readInvoiceFile } from '../index.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
const CORPUS = path.resolve(here, '../../../../shared/corpus');

/** A PDF without a usable cross-reference table (the fast path gives up) and a million objects. */
function hostilePdf(objects = 1_000_000): Buffer {
  const parts = ['%PDF-1.7\n'];
  for (let index = 1; index <= objects; index += 1) parts.push(`${index} 0 obj << /A [${index} 0 R] /B (x) >> endobj\n`);
  parts.push('trailer << /Root 1 0 R >>\n%%EOF\n');
  return Buffer.from(parts.join(''));
}

test('a hostile PDF is cut off at the time limit and never blocks the event loop', async () => {
  const pdf = hostilePdf();
  let last = performance.now();
  let worstGap = 0;
  const ticker = setInterval(() => {
    const now = performance.now();
    worstGap = Math.max(worstGap, now - last);
    last = now;
  }, 5);
  const started = performance.now();
  const outcome = await readInvoiceFile(pdf, 'hostile.pdf', { limits: { timeoutMs: 400 } }).catch((caught: unknown) => caught);
  const elapsed = performance.now() - started;
  clearInterval(ticker);
  assert.ok(outcome instanceof InvoiceFormatError, String(outcome));
  assert.match(outcome.message, /^hostile\.pdf: the PDF could not be read within the time limit of 400 ms\.$/);
  assert.ok(elapsed < 1500, `took ${elapsed.toFixed(0)} ms`);
  // The in-process part (size checks, the bounded fast path) may take a slice; never the parse.
  assert.ok(worstGap < 400, `event loop blocked for ${worstGap.toFixed(0)} ms`);
});

test('after a thread was terminated, the next PDF is read normally (text and attachments)', async () => {
  await readInvoiceFile(hostilePdf(200_000), 'hostile.pdf', { limits: { timeoutMs: 50 } }).catch(() => undefined);
  const pdfOnly = fs.readFileSync(path.join(CORPUS, 'pdf-only/zfcorpus__RE-E-974-Hetzner_2016-01-19_R0005532486.pdf'));
  const { invoice } = await readInvoiceFile(pdfOnly, 'hetzner.pdf');
  assert.equal(invoice.format, 'PDF');
  assert.ok((invoice.text ?? '').length > 100);
  const again = await readInvoiceFile(pdfOnly, 'hetzner.pdf');
  assert.equal(again.invoice.text, invoice.text);
});

test('a Factur-X read with text extraction goes through the worker and keeps its invoice', async () => {
  const facturx = fs.readFileSync(path.join(CORPUS, 'facturx/zfcorpus__Facture_FR_EN16931.pdf'));
  const { invoice } = await readInvoiceFile(facturx, 'fx.pdf', { extractText: true });
  assert.equal(invoice.format, 'FACTURX');
  assert.ok((invoice.text ?? '').length > 0);
});
