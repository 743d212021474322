import assert from 'node:assert/strict';
import test from 'node:test';
import {
  EngagementNumberIndex,
  looseEngagementKey,
  matchInvoice,
  normalizeEngagementNumber,
  typingDistance,
  type MatchEngagement,
  type MatchInput,
  type MatchInvoice,
  type MatchTiers,
} from './index.ts';

const ACME: MatchTiers = { id: 't1', siret: '73282932000074', siren: '732829320', name: 'ACME', ibans: ['FR7630006000011234567890189'] };
const OTHER: MatchTiers = { id: 't2', siret: '55203253400646', siren: '552032534', name: 'Autre SA', ibans: [] };
const BUDGET = { id: 'b1', code: 'PRINC', vatRegime: 'TTC' as const, siret: '21350001800013' };
const BUDGET_HT = { id: 'b2', code: 'EAU', vatRegime: 'HT' as const, siret: '21350001800021' };

function engagement(fields: Partial<MatchEngagement> = {}): MatchEngagement {
  return {
    id: 'e1',
    numero: 'EJ-2025-00123',
    exercice: 2025,
    budget: BUDGET,
    tiers: ACME,
    serviceCode: 'VOIRIE',
    chorusServiceCodes: ['SERV01'],
    marche: null,
    objet: 'Entretien',
    status: 'open',
    amountTtcCents: 150000,
    amountHtCents: 125000,
    remainingTtcCents: 124000,
    remainingHtCents: 103334,
    exerciceOpen: true,
    ...fields,
  };
}

function invoice(fields: Partial<MatchInvoice> = {}): MatchInvoice {
  return {
    id: 'i1',
    documentType: 'invoice',
    number: 'F-1',
    issueDate: '2025-03-01',
    sellerSiret: ACME.siret,
    sellerName: 'ACME',
    buyerSiret: BUDGET.siret,
    serviceCode: 'SERV01',
    orderReference: 'EJ-2025-00123',
    contractReference: null,
    iban: 'FR76 3000 6000 0112 3456 7890 189',
    amountHt: '1000.00',
    amountTva: '200.00',
    amountTtc: '1200.00',
    precedingInvoices: [],
    withoutMetadata: false,
    ...fields,
  };
}

function input(inv: MatchInvoice, engagements: MatchEngagement[], extra: Partial<MatchInput> = {}): MatchInput {
  const index = new EngagementNumberIndex(engagements);
  return {
    invoice: inv,
    receivedAt: '2025-03-02T00:00:00Z',
    chorusId: 10,
    tiers: ACME,
    numberHits: index.find(inv.orderReference),
    tiersEngagements: engagements.filter((e) => e.tiers?.id === ACME.id),
    siblings: [],
    ...extra,
  };
}

test('engagement numbers: normalisation, loose key, typing distance', () => {
  assert.equal(normalizeEngagementNumber(' ej-2025/00123 '), 'EJ202500123');
  assert.equal(looseEngagementKey('EJ-2025/00123'), '2025.123');
  assert.equal(looseEngagementKey('2025 123'), '2025.123');
  assert.equal(typingDistance('EJ202500123', 'EJ202500132'), 1);
  assert.equal(typingDistance('EJ202500123', 'EJ20250012'), 1);
  assert.equal(typingDistance('EJ202500123', 'EJ202511123'), 2);
  const index = new EngagementNumberIndex([engagement(), engagement({ id: 'e2', numero: 'EJ-2025-00124' })]);
  assert.deepEqual(index.find('ej 2025 00123').map((hit) => [hit.engagement.id, hit.kind]), [['e1', 'exact']]);
  assert.deepEqual(index.find('2025-123').map((hit) => [hit.engagement.id, hit.kind]), [['e1', 'equivalent']]);
  assert.deepEqual(index.find('EJ-2025-00132').map((hit) => [hit.engagement.id, hit.kind]), [['e1', 'typo']]);
  assert.deepEqual(index.find('EJ-2025-00123 / EJ-2025-00124').map((hit) => hit.engagement.id), ['e1', 'e2']);
});

test('a clear candidate is matched automatically, with reasons in French', () => {
  const result = matchInvoice(input(invoice(), [engagement()]));
  assert.equal(result.status, 'matched');
  assert.deepEqual(result.engagement, { id: 'e1', numero: 'EJ-2025-00123' });
  assert.deepEqual(result.anomalies, []);
  assert.ok(result.score >= 90, String(result.score));
  assert.deepEqual(result.reasons, [
    "n° d'engagement identique",
    'SIRET = tiers ACME',
    'reste 1\u202f240\u00a0€ ≥ 1\u202f200\u00a0€ TTC',
    'service identique',
    'exercice ouvert',
    'budget PRINC de la structure destinataire',
  ]);
});

test('a typing error in the number still matches; amounts compare HT when the budget says so', () => {
  const e = engagement({ budget: BUDGET_HT, remainingHtCents: 99999 });
  const typo = matchInvoice(input(invoice({ orderReference: 'EJ-2025-00132', buyerSiret: null }), [e]));
  assert.equal(typo.status, 'suggested', 'HT 1 000 € > reste HT 999,99 €');
  assert.ok(typo.reasons.includes('reste 999,99\u00a0€ < 1\u202f000\u00a0€ HT'), typo.reasons.join(' | '));
  assert.equal(typo.anomalies[0]?.code, 'engagement_exhausted');
  const ok = matchInvoice(input(invoice({ orderReference: 'EJ-2025-00132', buyerSiret: null }), [engagement({ budget: BUDGET_HT })]));
  assert.equal(ok.status, 'matched');
  assert.match(ok.reasons[0]!, /faute de frappe/);
});

test('two close candidates give a suggestion; no candidate gives none', () => {
  const a = engagement({ id: 'e1', numero: 'EJ-2025-00123' });
  const b = engagement({ id: 'e2', numero: 'EJ-2025-00124' });
  const result = matchInvoice(input(invoice({ orderReference: null }), [a, b]));
  assert.equal(result.status, 'suggested');
  assert.equal(result.candidates.length, 2);
  const none = matchInvoice({ ...input(invoice({ orderReference: 'X' }), []), tiers: OTHER });
  assert.equal(none.status, 'none');
  assert.equal(none.engagement, null);
});

test('an invoice quoting two engagements is split over them', () => {
  const a = engagement({ id: 'e1', numero: 'EJ-2025-00123', remainingTtcCents: 70000 });
  const b = engagement({ id: 'e2', numero: 'EJ-2025-00124', remainingTtcCents: 90000 });
  const result = matchInvoice(input(invoice({ orderReference: 'EJ-2025-00123 ; EJ-2025-00124' }), [a, b]));
  assert.equal(result.status, 'matched');
  assert.deepEqual(result.split?.map((part) => [part.engagementId, part.amountCents]), [['e1', 70000], ['e2', 50000]]);
  assert.match(result.reasons.at(-1)!, /réparti sur 2 engagements/);
});

test('anomalies: duplicate, unknown IBAN, credit note, HT/TTC, unknown supplier, exhausted engagement', () => {
  const sibling = { id: 'i0', chorusId: 5, number: 'F-1', documentType: 'invoice' as const, issueDate: '2025-03-01', amountTtc: '1200.00', receivedAt: '2025-03-01T00:00:00Z', status: 'received' };
  const dup = matchInvoice(input(invoice(), [engagement()], { siblings: [sibling] }));
  assert.deepEqual(dup.anomalies.map((a) => a.code), ['duplicate']);
  assert.equal(dup.status, 'suggested');
  const original = matchInvoice(input(invoice(), [engagement()], { chorusId: 4, siblings: [sibling] }));
  assert.deepEqual(original.anomalies, [], 'the earlier invoice is the original');
  const sameAmountDate = matchInvoice(input(invoice({ number: 'F-2' }), [engagement()], { siblings: [sibling] }));
  assert.match(sameAmountDate.anomalies[0]!.message, /doublon probable/);

  const iban = matchInvoice(input(invoice({ iban: 'FR7610107001011234567890129' }), [engagement()]));
  assert.deepEqual(iban.anomalies.map((a) => a.code), ['iban_unknown']);
  assert.equal(iban.status, 'suggested');

  const credit = matchInvoice(input(invoice({ documentType: 'creditNote', precedingInvoices: ['F-404'] }), [engagement()]));
  assert.deepEqual(credit.anomalies.map((a) => a.code), ['credit_note_without_original']);
  const creditOk = matchInvoice(input(invoice({ documentType: 'creditNote', precedingInvoices: ['F-1'] }), [engagement()], { siblings: [sibling] }));
  assert.deepEqual(creditOk.anomalies, []);

  const sums = matchInvoice(input(invoice({ amountTtc: '1300.00' }), [engagement({ remainingTtcCents: 150000 })]));
  assert.deepEqual(sums.anomalies.map((a) => a.code), ['ht_ttc_inconsistent']);
  const confusion = matchInvoice(input(invoice({ amountHt: '1041.67', amountTva: '208.33', amountTtc: '1250.00' }), [engagement({ remainingTtcCents: 150000 })]));
  assert.deepEqual(confusion.anomalies.map((a) => a.code), ['ht_ttc_inconsistent']);

  const unknown = matchInvoice({ ...input(invoice({ sellerSiret: '11111111111111' }), [engagement()]), tiers: null });
  assert.ok(unknown.anomalies.some((a) => a.code === 'unknown_supplier'));
  assert.notEqual(unknown.status, 'matched');

  const exhausted = matchInvoice(input(invoice(), [engagement({ remainingTtcCents: 0 })]));
  assert.deepEqual(exhausted.anomalies.map((a) => a.code), ['engagement_exhausted']);
  assert.match(exhausted.anomalies[0]!.message, /épuisé/);
});
