import assert from 'node:assert/strict';
import { test } from 'node:test';
import { mandatReference } from './number.ts';

test('the mandat reference tells apart the first mandats of different budgets and exercices', () => {
  const refs = [
    mandatReference({ exercice: 2025, budgetCode: 'BP', numero: 1 }),
    mandatReference({ exercice: 2025, budgetCode: 'EAU', numero: 1 }),
    mandatReference({ exercice: 2026, budgetCode: 'BP', numero: 1 }),
  ];
  assert.deepEqual(refs, ['2025-BP-1', '2025-EAU-1', '2026-BP-1']);
  assert.equal(new Set(refs).size, 3);
  assert.equal(mandatReference({ exercice: '2025', budgetCode: ' B 12 ', numero: '42' }), '2025-B_12-42');
});
