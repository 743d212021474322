import assert from 'node:assert/strict';
import test from 'node:test';
import {
  actionRefusal,
  allowedEvents,
  CHORUS_STATUS_OF_EVENT,
  LifecycleError,
  statusAfterChorus,
  statusFromChorus,
  statusToPublish,
  transition,
} from './lifecycle.ts';

test('the decisions move the invoice and say what they publish', () => {
  assert.equal(transition('to_process', 'certify_service_fait'), 'service_fait');
  assert.equal(transition('received', 'suspend', { motif: 'PJ manquante' }), 'suspended');
  assert.equal(transition('to_process', 'reject', { motif: 'Montant erroné' }), 'rejected');
  assert.equal(transition('completed', 'send_to_recycle'), 'to_recycle');
  assert.equal(transition('service_fait', 'mandated'), 'mandated');
  assert.equal(transition('mandated', 'sent_to_accountant'), 'sent_to_accountant');
  assert.equal(transition('sent_to_accountant', 'paid'), 'paid');
  assert.equal(transition('suspended', 'completed'), 'completed');
  assert.equal(transition('to_recycle', 'redeposited'), 'received');
  assert.equal(CHORUS_STATUS_OF_EVENT.suspend, 'SUSPENDUE');
  assert.equal(CHORUS_STATUS_OF_EVENT.send_to_recycle, 'A_RECYCLER');
  assert.equal(CHORUS_STATUS_OF_EVENT.mandated, 'MANDATEE');
  assert.equal(CHORUS_STATUS_OF_EVENT.completed, undefined);
});

test('a motif is required to suspend or reject', () => {
  assert.throws(() => transition('to_process', 'suspend'), (error: unknown) => error instanceof LifecycleError && error.code === 'motif');
  assert.throws(() => transition('to_process', 'reject', { motif: '  ' }), /motif est obligatoire/);
});

test('one suspension only, and only before the mandat', () => {
  assert.throws(
    () => transition('completed', 'suspend', { motif: 'x', previousSuspensions: 1 }),
    (error: unknown) => error instanceof LifecycleError && error.code === 'second_suspension',
  );
  assert.throws(
    () => transition('mandated', 'suspend', { motif: 'x' }),
    (error: unknown) => error instanceof LifecycleError && error.code === 'after_mandat' && /avant le mandatement/.test(error.message),
  );
  assert.throws(() => transition('rejected', 'suspend', { motif: 'x' }), LifecycleError);
});

test('forbidden transitions are refused in French', () => {
  assert.throws(() => transition('paid', 'reject', { motif: 'x' }), /on ne peut pas rejeter une facture « Mise en paiement »/);
  assert.throws(() => transition('service_fait', 'send_to_recycle'), LifecycleError);
  assert.throws(() => transition('bogus', 'reject'), /Statut de facture inconnu/);
  assert.deepEqual(allowedEvents('paid'), []);
});

test('Hélios statuses are not published for authorities whose accounts it keeps', () => {
  assert.equal(statusToPublish('paid', true), undefined);
  assert.equal(statusToPublish('sent_to_accountant', true), undefined);
  assert.equal(statusToPublish('paid', false), 'MISE_EN_PAIEMENT');
  assert.equal(statusToPublish('mandated', true), 'MANDATEE');
});

test('statuses from Chorus: cycles, Chorus ahead wins, Chorus behind a local decision does not', () => {
  assert.equal(statusFromChorus('MISE_A_DISPOSITION'), 'received');
  assert.equal(statusAfterChorus('suspended', 'COMPLETEE'), 'completed');
  assert.equal(statusAfterChorus('to_recycle', 'MISE_A_DISPOSITION'), 'received');
  assert.equal(statusAfterChorus('mandated', 'MISE_EN_PAIEMENT'), 'paid');
  assert.equal(statusAfterChorus('suspended', 'MISE_A_DISPOSITION'), 'suspended');
  assert.equal(statusAfterChorus('to_process', 'MISE_A_DISPOSITION'), 'to_process');
  assert.equal(statusAfterChorus('rejected', 'MISE_A_DISPOSITION'), 'rejected');
  assert.equal(statusAfterChorus('received', 'MANDATEE'), 'mandated');
});

test("the comptable's rejection sends the invoice back to mandated, re-emission to the comptable again", () => {
  assert.equal(transition('sent_to_accountant', 'accountant_rejected'), 'mandated');
  assert.equal(transition(transition('sent_to_accountant', 'accountant_rejected'), 'sent_to_accountant'), 'sent_to_accountant');
  assert.throws(() => transition('mandated', 'accountant_rejected'), /on ne peut pas enregistrer le rejet du comptable sur une facture « Mandatée »/);
  assert.equal(CHORUS_STATUS_OF_EVENT.accountant_rejected, undefined, 'nothing to post: Chorus has no such status');
  // Chorus still shows MISE_A_DISPOSITION_COMPTABLE from the rejected sending: the invoice stays mandated.
  assert.equal(statusAfterChorus('mandated', 'MISE_A_DISPOSITION_COMPTABLE'), 'mandated');
  assert.equal(statusAfterChorus('mandated', 'COMPTABILISEE'), 'sent_to_accountant');
});

test('a withdrawn mandat: back to the status before it when Chorus never learnt of it, else service fait', () => {
  assert.equal(transition('mandated', 'mandat_cancelled'), 'service_fait');
  assert.equal(transition('mandated', 'mandat_cancelled', { statusBeforeMandat: 'to_process' }), 'to_process');
  assert.equal(transition('mandated', 'mandat_cancelled', { statusBeforeMandat: 'completed' }), 'completed');
  assert.equal(transition('mandated', 'mandat_cancelled', { statusBeforeMandat: 'suspended' }), 'service_fait', 'not a status one mandates from');
  assert.equal(transition('sent_to_accountant', 'mandat_cancelled', { statusBeforeMandat: 'to_process' }), 'service_fait');
  assert.throws(() => transition('to_process', 'mandat_cancelled'), LifecycleError);
});

test('quarantined and history-only invoices are not actionable', () => {
  assert.equal(actionRefusal({ number: 'F1', quarantined: 0, historyOnly: 0 }), null);
  assert.match(actionRefusal({ number: 'F1', quarantined: 1, quarantineReason: 'PDF illisible' })!, /F1 est en quarantaine \(PDF illisible\)/);
  assert.match(actionRefusal({ number: 'F1', historyOnly: 1 })!, /reprise comme historique/);
});

test('the mandat only after the service fait: received, to process and completed invoices are certified first', () => {
  for (const status of ['received', 'to_process', 'completed'] as const) {
    assert.throws(() => transition(status, 'mandated'), /on ne peut pas mandater une facture/);
    assert.equal(transition(status, 'certify_service_fait'), 'service_fait');
    assert.ok(!allowedEvents(status).includes('mandated'));
  }
  assert.equal(transition(transition('completed', 'certify_service_fait'), 'mandated'), 'mandated');
});

test('a credit note is taken into account, never certified service fait', () => {
  assert.throws(() => transition('to_process', 'certify_service_fait', { documentType: 'creditNote' }), /c'est un avoir/);
  assert.equal(transition('to_process', 'certify_service_fait', { documentType: 'invoice' }), 'service_fait');
});
