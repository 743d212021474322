import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { HistoStatut } from '../../chorus/types.ts';
import { computeCycles, normalizeChorusInstant } from './cycles.ts';
import { splitPivot } from './pivot-split.ts';
import { parisDateTime, planBatches } from './sync.ts';

const histo = (id: number, code: string, at: string): HistoStatut =>
  ({ histoStatutId: id, histoStatutCode: code, histoStatutDatePassage: at, histoStatutCommentaire: '', histoStatutUtilisateurNom: '', histoStatutUtilisateurPrenom: '' }) as HistoStatut;

test('cycles: suspension then completion, recycling then redeposit, each opens a cycle', () => {
  const rows = computeCycles([
    histo(7, 'MISE_A_DISPOSITION', '2025-03-05 10:00'),
    histo(6, 'DEPOSEE', '2025-03-04T09:00:00'),
    histo(1, 'DEPOSEE', '2025-01-01 08:00'),
    histo(2, 'MISE_A_DISPOSITION', '2025-01-01 08:05'),
    histo(3, 'SUSPENDUE', '2025-01-10 10:00'),
    histo(4, 'COMPLETEE', '2025-02-01 10:00'),
    histo(5, 'A_RECYCLER', '2025-02-10 10:00'),
  ]);
  assert.deepEqual(
    rows.map((row) => `${row.cycle}:${row.status}`),
    ['1:DEPOSEE', '1:MISE_A_DISPOSITION', '1:SUSPENDUE', '2:COMPLETEE', '2:A_RECYCLER', '3:DEPOSEE', '3:MISE_A_DISPOSITION'],
  );
  assert.equal(normalizeChorusInstant('2015-12-03 10:36'), '2015-12-03T10:36:00');
});

test('pivot split: one stable document per invoice, envelope left out', () => {
  const pivot = (units: string[], date: string) =>
    Buffer.from(
      `<?xml version="1.0" encoding="UTF-8"?>\n<CPPFacturePivot><Enveloppe><Code>DtPrd</Code><V>${date}</V></Enveloppe>` +
        `<CPPFactures Compteur="${units.length}">${units.map((unit, index) => `<CPPFacturePivotUnitaire NumOrdre="${index + 1}">${unit}</CPPFacturePivotUnitaire>`).join('')}</CPPFactures></CPPFacturePivot>`,
      'utf8',
    );
  const batch = splitPivot(pivot(['<A>é</A>', '<B/>'], '2025-01-01'));
  assert.equal(batch.length, 2);
  const alone = splitPivot(pivot(['<B/>'], '2025-02-02'));
  assert.deepEqual(alone[0], batch[1], 'the same invoice gives the same bytes whatever its batch and download date');
  assert.match(batch[0]!.toString('utf8'), /<CPPFactures Compteur="1"><CPPFacturePivotUnitaire NumOrdre="1"><A>é<\/A>/);
});

test('batches stay under the byte limit using Chorus sizes, and under the count limit', () => {
  const items = [40, 40, 40, 10].map((mb, index) => ({ idFacture: index, statut: 'MISE_A_DISPOSITION' as const, numeroFacture: `F${index}`, taille: mb * 1024 * 1024 }));
  assert.deepEqual(planBatches(items, 50, 100 * 1024 * 1024).map((batch) => batch.map((item) => item.idFacture)), [[0, 1], [2, 3]]);
  assert.deepEqual(planBatches(items, 3, 1e12).map((batch) => batch.length), [3, 1]);
  assert.match(parisDateTime(new Date('2025-07-01T10:00:00Z')), /^2025-07-01T12:00:00$/);
});
