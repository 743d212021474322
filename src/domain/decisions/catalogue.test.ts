import assert from 'node:assert/strict';
import test from 'node:test';
import { checkDecision, DECISION_REASONS, DecisionError, groupedCatalogue, motifLengthProblem, proposeDecision } from './catalogue.ts';

test('every reason has supplier wording and a proposal; codes are unique', () => {
  const codes = new Set(DECISION_REASONS.map((reason) => reason.code));
  assert.equal(codes.size, DECISION_REASONS.length);
  for (const reason of DECISION_REASONS) {
    assert.ok(reason.wording.length > 10 && reason.wording.length < 200, reason.code);
    assert.ok(['suspend', 'reject', 'recycle'].includes(reason.proposes));
  }
  const grouped = groupedCatalogue();
  assert.ok(grouped.suspend.length > 0 && grouped.reject.length > 0 && grouped.recycle.length > 0);
});

test('the guided choice proposes A_RECYCLER for a routing problem', () => {
  assert.equal(proposeDecision(['SERVICE_ERRONE']), 'recycle');
  assert.equal(proposeDecision(['MAUVAIS_SERVICE']), 'recycle');
  assert.equal(proposeDecision(['PJ_MANQUANTE']), 'suspend');
  assert.equal(proposeDecision(['PJ_MANQUANTE', 'ENGAGEMENT_ERRONE']), 'recycle');
  assert.equal(proposeDecision(['MONTANT_ERRONE', 'SERVICE_ERRONE']), 'reject');
  assert.equal(proposeDecision(['PJ_MANQUANTE'], { canSuspend: false }), 'reject');
});

test('a rejection for a routing problem is allowed with a warning', () => {
  const checked = checkDecision('reject', ['MAUVAIS_SERVICE']);
  assert.equal(checked.proposed, 'recycle');
  assert.match(checked.warnings[0]!, /À recycler/);
  assert.match(checked.motif, /la recycler avec le bon code service/);
});

test('a suspension must be for a document, recycling for routing', () => {
  assert.throws(() => checkDecision('suspend', ['MONTANT_ERRONE']), DecisionError);
  assert.throws(() => checkDecision('recycle', ['PJ_MANQUANTE']), /acheminement/);
  assert.throws(() => checkDecision('suspend', []), /au moins un motif/);
  assert.throws(() => checkDecision('suspend', ['NOPE']), /Motif inconnu/);
  assert.throws(() => checkDecision('suspend', ['AUTRE_SUSPENSION']), /commentaire/);
  const checked = checkDecision('suspend', ['pj_manquante'], 'Le bon de livraison signé.');
  assert.equal(checked.warnings.length, 0);
  assert.match(checked.motif, /pièce justificative .* Le bon de livraison signé\.$/);
});

test('a motif longer than Chorus accepts is refused, never cut: the message says how many characters to remove', () => {
  const wording = checkDecision('suspend', ['PJ_MANQUANTE'], null).motif;
  const fits = 'x'.repeat(255 - wording.length - 1);
  assert.equal(checkDecision('suspend', ['PJ_MANQUANTE'], fits).motif.length, 255);
  const comment = 'y'.repeat(300);
  const excess = wording.length + 1 + 300 - 255;
  assert.throws(
    () => checkDecision('suspend', ['PJ_MANQUANTE'], comment),
    (error: Error) =>
      error instanceof DecisionError &&
      error.message === `Motif trop long : ${255 + excess} caractères pour 255 au plus sur Chorus Pro ; raccourcissez le commentaire de ${excess} caractères.`,
  );
  assert.equal(motifLengthProblem('a'.repeat(256), 'a'.repeat(10)), 'Motif trop long : 256 caractères pour 255 au plus sur Chorus Pro ; raccourcissez le commentaire de 1 caractère.');
  assert.match(motifLengthProblem('a'.repeat(300), null)!, /retirez 45 caractères \(le commentaire n'y suffit pas/);
  assert.equal(motifLengthProblem('a  b'), null);
});
