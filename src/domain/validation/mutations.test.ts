// Mutation suite: copies of official EN 16931 examples altered in memory (the corpus is never
// touched), each of which must be caught by the rule it breaks (cases in mutation-cases.ts).
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { readInvoiceFile } from '../../formats/index.ts';
import { validateInvoice } from './index.ts';
import { CII, MUTATIONS, UBL } from './mutation-cases.ts';

test('the mutation suite holds at least 40 mutations', () => {
  assert.ok(MUTATIONS.length >= 40, `${MUTATIONS.length}`);
});

test('the unmutated bases are valid', async () => {
  for (const [name, xml] of [['UBL', UBL], ['CII', CII]] as const) {
    const { invoice } = await readInvoiceFile(Buffer.from(xml), name);
    assert.deepEqual(validateInvoice(invoice).filter((finding) => finding.severity === 'fatal'), []);
  }
});

for (const [index, mutation] of MUTATIONS.entries()) {
  const base = mutation.base ?? 'UBL';
  test(`mutation ${index + 1}: ${mutation.name ?? `${base} breaking ${mutation.rule}`} is caught by ${mutation.rule}`, async () => {
    const original = base === 'UBL' ? UBL : CII;
    const mutated = mutation.mutate(original);
    assert.notEqual(mutated, original, 'the mutation changed the document');
    const { invoice } = await readInvoiceFile(Buffer.from(mutated), `mutation-${index + 1}.xml`);
    const findings = validateInvoice(invoice, mutation.options);
    const caught = findings.filter((finding) => finding.rule === mutation.rule && finding.severity === 'fatal');
    assert.ok(caught.length > 0, `expected ${mutation.rule}, got ${findings.map((finding) => finding.rule).join(', ') || 'nothing'}`);
    for (const finding of caught) {
      assert.ok(finding.bt && finding.location && finding.messageFr && finding.messageEn);
    }
  });
}
