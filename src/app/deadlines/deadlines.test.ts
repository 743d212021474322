import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CLI_ACTOR } from '../../domain/roles.ts';
import { forEachDatabase } from '../../../test/helpers/databases.ts';
import { insertInvoice, insertTenant } from '../archive/test-fixtures.ts';
import { defaultDgpPolicy } from '../../domain/dgp.ts';
import { dgpNotApplicableReason, invoiceDgpFromRows, listDeadlines, loadInterestRates, loadInvoiceDgp, NotLateError, proposeLatePaymentMandat, setInterestRate, suspensionsFromHistory } from './index.ts';

test('suspensions from the Chorus history', () => {
  assert.deepEqual(
    suspensionsFromHistory([
      { status: 'COMPLETEE', at: '2024-03-25T09:00:00Z' },
      { status: 'MISE_A_DISPOSITION', at: '2024-03-01T09:00:00Z' },
      { status: 'SUSPENDUE', at: '2024-03-11T09:00:00Z' },
      { status: 'SUSPENDUE', at: '2024-04-02T09:00:00Z' },
    ]),
    [
      { from: '2024-03-11', to: '2024-03-25' },
      { from: '2024-04-02', to: null },
    ],
  );
});

test('loadInvoiceDgp, listDeadlines and the late-payment mandat', (t) =>
  forEachDatabase(t, async ({ store: { db } }) => {
    const commune = await insertTenant(db, 'commune');
    const hospital = await insertTenant(db, 'hopital', 'CHU de Test');
    const suspended = await insertInvoice(db, commune, { made_available_at: '2024-03-01T08:00:00Z', deposited_at: '2024-02-28T08:00:00Z', status: 'suspended' }, [
      { status: 'MISE_A_DISPOSITION', at: '2024-03-01T08:00:00Z' },
      { status: 'SUSPENDUE', at: '2024-03-11T10:00:00Z' },
      { status: 'COMPLETEE', at: '2024-03-25T10:00:00Z' },
    ]);
    const dgp = await loadInvoiceDgp(db, suspended, '2024-04-01');
    assert.deepEqual([dgp.startDate, dgp.expiryDate, dgp.suspendedDays, dgp.daysLeft], ['2024-03-01', '2024-04-14', 14, 13]);
    const byDeposit = await loadInvoiceDgp(db, suspended, '2024-04-01', { startFrom: 'deposit' });
    assert.equal(byDeposit.expiryDate, '2024-04-12'); // 28 Feb + 30 days (leap year) + 14 suspended

    const late = await insertInvoice(db, commune, { made_available_at: '2024-09-02T08:00:00Z', amount_ttc: '15234.56' });
    const atRisk = await insertInvoice(db, hospital, { made_available_at: '2024-09-20T08:00:00Z' });
    await insertInvoice(db, commune, { made_available_at: '2024-01-02T08:00:00Z', status: 'paid' });
    const rows = await listDeadlines(db, { today: '2024-11-01' });
    // Most urgent first: the most days late, then the fewest days left; the paid invoice is not listed.
    assert.deepEqual(
      rows.map((row) => [row.invoiceId, row.risk]),
      [
        [suspended, 'late'], // 14 April, 201 days late
        [late, 'late'], // 2 October
        [atRisk, 'at_risk'], // hospital: 20 September + 50 days = 9 November, 8 days left
      ],
    );
    assert.equal(rows.find((row) => row.invoiceId === late)?.charges?.interest, '153.39'); // 30 days on 1 November
    assert.deepEqual((await listDeadlines(db, { today: '2024-11-01', risks: ['at_risk'] })).map((row) => row.invoiceId), [atRisk]);

    const proposal = await proposeLatePaymentMandat(db, late, { today: '2024-11-15' });
    assert.equal(proposal.amountTtc, '264.97');
    assert.deepEqual(proposal.lines.map((line) => line.amount), ['224.97', '40.00']);
    assert.equal(proposal.nature, '6711');
    await assert.rejects(proposeLatePaymentMandat(db, atRisk, { today: '2024-10-01' }), NotLateError);

    await setInterestRate(db, { validFrom: '2024-07-01', ecbRate: '5.00' }, CLI_ACTOR);
    const changed = await proposeLatePaymentMandat(db, late, { today: '2024-11-15' });
    assert.equal(changed.charges.annualRate, '13.00');
    assert.ok((await loadInterestRates(db)).length > 20);
    await assert.rejects(setInterestRate(db, { validFrom: '2024-03-01', ecbRate: '1' }, CLI_ACTOR), RangeError);
    const audit = await db.selectFrom('audit_log').select('action').where('action', '=', 'interest_rate.set').execute();
    assert.equal(audit.length, 1);
  }));

test('a credit note runs no payment deadline: not applicable, never listed, no interest', (t) =>
  forEachDatabase(t, async ({ store: { db } }) => {
    const commune = await insertTenant(db, 'commune');
    const made = { made_available_at: '2023-02-01T08:00:00Z', amount_ttc: '1200.00' };
    const invoice = await insertInvoice(db, commune, { ...made, number: 'FA-1' });
    const credit = await insertInvoice(db, commune, { ...made, number: 'AV-1', document_type: 'creditNote', type_code: '381' });
    const dgp = await loadInvoiceDgp(db, credit, '2024-11-01');
    assert.equal(dgp.applicable, false);
    assert.equal(dgp.status, 'not_applicable');
    assert.match(dgp.notApplicableReason!, /avoir/);
    assert.deepEqual([dgp.startDate, dgp.expiryDate, dgp.daysLeft, dgp.late, dgp.daysLate], [null, null, null, false, 0]);
    const payable = await loadInvoiceDgp(db, invoice, '2024-11-01');
    assert.equal(payable.applicable, true);
    assert.equal(payable.late, true);
    // Neither late nor listed at all, whatever the risk asked for.
    assert.deepEqual((await listDeadlines(db, { today: '2024-11-01' })).map((row) => row.number), ['FA-1']);
    assert.deepEqual((await listDeadlines(db, { today: '2024-11-01', risks: ['late', 'at_risk', 'suspended', 'on_time', 'unknown'] })).map((row) => row.number), ['FA-1']);
    await assert.rejects(proposeLatePaymentMandat(db, credit, { today: '2024-11-01' }), (error: Error) => error instanceof NotLateError && /c'est un avoir/.test(error.message));
    assert.equal((await proposeLatePaymentMandat(db, invoice, { today: '2024-11-01' })).charges.indemnity, '40.00');
  }));

test('invoiceDgpFromRows is the one application of the rule: a payable runs it, a credit note does not', () => {
  const row = { deposited_at: null, made_available_at: '2024-03-01T08:00:00Z', chorus_status: 'MISE_A_DISPOSITION', chorus_status_at: null };
  const policy = defaultDgpPolicy('commune');
  const payable = invoiceDgpFromRows({ ...row, document_type: 'invoice' }, [], policy, '2024-05-01');
  assert.deepEqual([payable.applicable, payable.status, payable.expiryDate], [true, 'late', '2024-03-31']);
  const credit = invoiceDgpFromRows({ ...row, document_type: 'creditNote' }, [], policy, '2024-05-01');
  assert.deepEqual([credit.applicable, credit.status, credit.expiryDate, credit.late], [false, 'not_applicable', null, false]);
  assert.equal(dgpNotApplicableReason('invoice'), null);
});
