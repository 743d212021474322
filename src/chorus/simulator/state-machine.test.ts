import assert from 'node:assert/strict';
import test from 'node:test';
import { CHORUS_STATUSES, type ChorusStatus } from '../types.ts';
import { decideTransition, possibleTargets, TRANSITIONS, type Actor } from './state-machine.ts';

// The expected lifecycle, written independently of TRANSITIONS (API.md §3.3): [from, to, actor, expected].
type Case = [ChorusStatus, ChorusStatus, Actor, 'ok' | 'noop' | 'forbidden' | 'motif-required' | 'not-a-target', string?];
const CASES: Case[] = [
  ['MISE_A_DISPOSITION', 'SERVICE_FAIT', 'recipient', 'ok'],
  ['MISE_A_DISPOSITION', 'MANDATEE', 'recipient', 'ok'],
  ['MISE_A_DISPOSITION', 'SUSPENDUE', 'recipient', 'ok', 'Bon de livraison manquant'],
  ['MISE_A_DISPOSITION', 'SUSPENDUE', 'recipient', 'motif-required'],
  ['MISE_A_DISPOSITION', 'SUSPENDUE', 'recipient', 'motif-required', '   '],
  ['MISE_A_DISPOSITION', 'REJETEE', 'recipient', 'ok', 'Doublon'],
  ['MISE_A_DISPOSITION', 'REJETEE', 'recipient', 'motif-required'],
  ['MISE_A_DISPOSITION', 'A_RECYCLER', 'recipient', 'ok'],
  ['MISE_A_DISPOSITION', 'MISE_A_DISPOSITION', 'recipient', 'noop'],
  ['COMPLETEE', 'SERVICE_FAIT', 'recipient', 'ok'],
  ['COMPLETEE', 'SUSPENDUE', 'recipient', 'ok', 'encore incomplet'],
  ['COMPLETEE', 'MANDATEE', 'recipient', 'ok'],
  ['SERVICE_FAIT', 'MANDATEE', 'recipient', 'ok'],
  ['SERVICE_FAIT', 'SERVICE_FAIT', 'recipient', 'noop'],
  ['SERVICE_FAIT', 'REJETEE', 'recipient', 'forbidden', 'trop tard'],
  ['SERVICE_FAIT', 'MISE_A_DISPOSITION', 'recipient', 'forbidden'],
  ['MANDATEE', 'SERVICE_FAIT', 'recipient', 'forbidden'],
  ['MANDATEE', 'MANDATEE', 'recipient', 'noop'],
  ['MANDATEE', 'MISE_A_DISPOSITION_COMPTABLE', 'helios', 'ok'],
  ['MANDATEE', 'MISE_EN_PAIEMENT', 'helios', 'ok'],
  ['MISE_A_DISPOSITION_COMPTABLE', 'COMPTABILISEE', 'helios', 'ok'],
  ['MISE_A_DISPOSITION_COMPTABLE', 'MISE_EN_PAIEMENT', 'helios', 'ok'],
  ['MISE_A_DISPOSITION_COMPTABLE', 'MANDATEE', 'recipient', 'forbidden'],
  ['COMPTABILISEE', 'MISE_EN_PAIEMENT', 'helios', 'ok'],
  ['MISE_EN_PAIEMENT', 'MANDATEE', 'recipient', 'forbidden'],
  ['MISE_EN_PAIEMENT', 'REJETEE', 'recipient', 'forbidden', 'x'],
  ['REJETEE', 'MISE_A_DISPOSITION', 'recipient', 'forbidden'],
  ['REJETEE', 'SERVICE_FAIT', 'recipient', 'forbidden'],
  ['SUSPENDUE', 'SERVICE_FAIT', 'recipient', 'forbidden'],
  ['SUSPENDUE', 'COMPLETEE', 'supplier', 'ok'],
  ['SUSPENDUE', 'COMPLETEE', 'recipient', 'not-a-target'],
  ['A_RECYCLER', 'DEPOSEE', 'supplier', 'ok'],
  ['A_RECYCLER', 'MANDATEE', 'recipient', 'forbidden'],
  ['DEPOSEE', 'EN_COURS_ACHEMINEMENT', 'system', 'ok'],
  ['EN_COURS_ACHEMINEMENT', 'MISE_A_DISPOSITION', 'system', 'ok'],
  ['DEPOSEE', 'MISE_A_DISPOSITION', 'system', 'forbidden'],
  ['EN_COURS_ACHEMINEMENT', 'SERVICE_FAIT', 'recipient', 'forbidden'],
  ['MISE_A_DISPOSITION', 'DEPOSEE', 'recipient', 'not-a-target'],
  ['MISE_A_DISPOSITION', 'COMPLETEE', 'recipient', 'not-a-target'],
  ['MISE_A_DISPOSITION', 'SERVICE_FAIT', 'helios', 'forbidden'],
  ['SERVICE_FAIT', 'MISE_A_DISPOSITION_COMPTABLE', 'recipient', 'ok'],
];

for (const [from, to, actor, expected, motif] of CASES) {
  test(`${actor}: ${from} → ${to} is ${expected}${motif !== undefined ? ` (motif "${motif}")` : ''}`, () => {
    const decision = decideTransition(from, to, actor, motif);
    const outcome = decision.ok ? (decision.noop ? 'noop' : 'ok') : decision.reason;
    assert.equal(outcome, expected);
  });
}

test('the terminal statuses have no way out, and the table names only known statuses', () => {
  for (const row of TRANSITIONS) {
    assert.ok((CHORUS_STATUSES as readonly string[]).includes(row.to));
    for (const from of row.from) assert.ok((CHORUS_STATUSES as readonly string[]).includes(from));
  }
  for (const actor of ['recipient', 'helios', 'supplier', 'system'] as const) {
    assert.deepEqual(possibleTargets('REJETEE', actor), []);
    assert.deepEqual(possibleTargets('MISE_EN_PAIEMENT', actor), []);
  }
  assert.deepEqual(new Set(possibleTargets('MISE_A_DISPOSITION', 'recipient')), new Set(['SUSPENDUE', 'REJETEE', 'A_RECYCLER', 'SERVICE_FAIT', 'MANDATEE', 'MISE_A_DISPOSITION_COMPTABLE']));
});
