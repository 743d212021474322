// Table-driven DGP and late-payment interest cases. Expected figures were computed independently
// (Python datetime + decimal, ROUND_HALF_UP) and checked by hand on the tricky ones.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { addDays, computeDgp, daysBetween, defaultDgpPolicy, type DgpInput, type DgpPolicy, parisDate } from './dgp.ts';
import { computeLatePaymentCharges, DEFAULT_INTEREST_RATES, halfYearStart, MissingInterestRateError, rateInForce } from './interest.ts';

type Case = {
  name: string;
  input: DgpInput;
  policy: DgpPolicy;
  today: string;
  amountTtc: string;
  expect: {
    startDate: string;
    expiryDate: string;
    ordonnateurExpiryDate: string;
    suspendedDays: number;
    daysLate: number;
    daysLeft: number;
    ordonnateurDaysLeft: number;
    status: string;
    /** [rate valid from, annual rate, interest, interest + 40 €] or null when not late. */
    charges: [string, string, string, string] | null;
  };
};

const commune = defaultDgpPolicy('commune');
const hospital = defaultDgpPolicy('hopital');
/** Made available on `start`, deposited two days before (the default policy starts at made available). */
const at = (start: string, suspensions: DgpInput['suspensions'] = [], paidOn: string | null = null): DgpInput => ({
  depositedAt: addDays(start, -2),
  madeAvailableAt: start,
  suspensions,
  paidOn,
});

const CASES: Case[] = [
  { name: 'commune, running', input: at('2024-03-01'), policy: commune, today: '2024-03-10', amountTtc: '1000.00',
    expect: { startDate: '2024-03-01', expiryDate: '2024-03-31', ordonnateurExpiryDate: '2024-03-21', suspendedDays: 0, daysLate: 0, daysLeft: 21, ordonnateurDaysLeft: 11, status: 'running', charges: null } },
  { name: 'commune, crossing 29 February 2024', input: at('2024-02-15'), policy: commune, today: '2024-02-20', amountTtc: '1000.00',
    expect: { startDate: '2024-02-15', expiryDate: '2024-03-16', ordonnateurExpiryDate: '2024-03-06', suspendedDays: 0, daysLate: 0, daysLeft: 25, ordonnateurDaysLeft: 15, status: 'running', charges: null } },
  { name: 'commune, same dates in 2023 (not leap)', input: at('2023-02-15'), policy: commune, today: '2023-02-20', amountTtc: '1000.00',
    expect: { startDate: '2023-02-15', expiryDate: '2023-03-17', ordonnateurExpiryDate: '2023-03-07', suspendedDays: 0, daysLate: 0, daysLeft: 25, ordonnateurDaysLeft: 15, status: 'running', charges: null } },
  { name: 'hospital 50 days, expiring on 29 February', input: at('2024-01-10'), policy: hospital, today: '2024-01-11', amountTtc: '1000.00',
    expect: { startDate: '2024-01-10', expiryDate: '2024-02-29', ordonnateurExpiryDate: '2024-02-14', suspendedDays: 0, daysLate: 0, daysLeft: 49, ordonnateurDaysLeft: 34, status: 'running', charges: null } },
  { name: 'hospital 50 days, not leap', input: at('2023-01-10'), policy: hospital, today: '2023-01-11', amountTtc: '1000.00',
    expect: { startDate: '2023-01-10', expiryDate: '2023-03-01', ordonnateurExpiryDate: '2023-02-14', suspendedDays: 0, daysLate: 0, daysLeft: 49, ordonnateurDaysLeft: 34, status: 'running', charges: null } },
  { name: 'expiry on a Saturday is not extended to Monday', input: at('2024-05-02', [], '2024-06-03'), policy: commune, today: '2024-06-10', amountTtc: '8450.37',
    expect: { startDate: '2024-05-02', expiryDate: '2024-06-01', ordonnateurExpiryDate: '2024-05-22', suspendedDays: 0, daysLate: 2, daysLeft: -2, ordonnateurDaysLeft: -12, status: 'paid_late', charges: ['2024-01-01', '12.50', '5.79', '45.79'] } },
  { name: 'suspension completed: remaining days resume at COMPLETEE', input: at('2024-03-01', [{ from: '2024-03-11', to: '2024-03-25' }]), policy: commune, today: '2024-04-01', amountTtc: '1000.00',
    expect: { startDate: '2024-03-01', expiryDate: '2024-04-14', ordonnateurExpiryDate: '2024-04-04', suspendedDays: 14, daysLate: 0, daysLeft: 13, ordonnateurDaysLeft: 3, status: 'running', charges: null } },
  { name: 'suspension still open: clock frozen', input: at('2024-03-01', [{ from: '2024-03-11', to: null }]), policy: commune, today: '2024-03-20', amountTtc: '1000.00',
    expect: { startDate: '2024-03-01', expiryDate: '2024-04-09', ordonnateurExpiryDate: '2024-03-30', suspendedDays: 9, daysLate: 0, daysLeft: 20, ordonnateurDaysLeft: 10, status: 'suspended', charges: null } },
  { name: 'suspension notified after expiry pauses nothing', input: at('2024-03-01', [{ from: '2024-04-05', to: null }]), policy: commune, today: '2024-04-10', amountTtc: '2500.00',
    expect: { startDate: '2024-03-01', expiryDate: '2024-03-31', ordonnateurExpiryDate: '2024-03-21', suspendedDays: 0, daysLate: 10, daysLeft: -10, ordonnateurDaysLeft: -20, status: 'late', charges: ['2024-01-01', '12.50', '8.56', '48.56'] } },
  { name: 'paid on the expiry day is on time', input: at('2024-03-01', [], '2024-03-31'), policy: commune, today: '2024-04-15', amountTtc: '1000.00',
    expect: { startDate: '2024-03-01', expiryDate: '2024-03-31', ordonnateurExpiryDate: '2024-03-21', suspendedDays: 0, daysLate: 0, daysLeft: 0, ordonnateurDaysLeft: -10, status: 'paid', charges: null } },
  { name: 'paid the day after expiry: one day late', input: at('2024-03-01', [], '2024-04-01'), policy: commune, today: '2024-04-15', amountTtc: '1000.00',
    expect: { startDate: '2024-03-01', expiryDate: '2024-03-31', ordonnateurExpiryDate: '2024-03-21', suspendedDays: 0, daysLate: 1, daysLeft: -1, ordonnateurDaysLeft: -11, status: 'paid_late', charges: ['2024-01-01', '12.50', '0.34', '40.34'] } },
  { name: 'unpaid and late, second half of 2024', input: at('2024-09-02'), policy: commune, today: '2024-11-15', amountTtc: '15234.56',
    expect: { startDate: '2024-09-02', expiryDate: '2024-10-02', ordonnateurExpiryDate: '2024-09-22', suspendedDays: 0, daysLate: 44, daysLeft: -44, ordonnateurDaysLeft: -54, status: 'late', charges: ['2024-07-01', '12.25', '224.97', '264.97'] } },
  { name: 'expiry on 30 June: interest runs from 1 July, rate of 1 July', input: at('2023-05-31', [], '2023-07-20'), policy: commune, today: '2023-08-01', amountTtc: '10000.00',
    expect: { startDate: '2023-05-31', expiryDate: '2023-06-30', ordonnateurExpiryDate: '2023-06-20', suspendedDays: 0, daysLate: 20, daysLeft: -20, ordonnateurDaysLeft: -30, status: 'paid_late', charges: ['2023-07-01', '12.00', '65.75', '105.75'] } },
  { name: 'expiry on 31 December: rate of the next 1 January', input: at('2022-12-01', [], '2023-01-31'), policy: commune, today: '2023-02-01', amountTtc: '4999.99',
    expect: { startDate: '2022-12-01', expiryDate: '2022-12-31', ordonnateurExpiryDate: '2022-12-21', suspendedDays: 0, daysLate: 31, daysLeft: -31, ordonnateurDaysLeft: -41, status: 'paid_late', charges: ['2023-01-01', '10.50', '44.59', '84.59'] } },
  { name: 'ECB rate at zero: 8 points only (2020, leap year still /365)', input: at('2020-01-15', [], '2020-03-25'), policy: commune, today: '2020-04-01', amountTtc: '1234.56',
    expect: { startDate: '2020-01-15', expiryDate: '2020-02-14', ordonnateurExpiryDate: '2020-02-04', suspendedDays: 0, daysLate: 40, daysLeft: -40, ordonnateurDaysLeft: -50, status: 'paid_late', charges: ['2020-01-01', '8.00', '10.82', '50.82'] } },
  { name: 'hospital, suspended then completed, paid late', input: at('2025-01-06', [{ from: '2025-01-20', to: '2025-02-10' }], '2025-04-30'), policy: hospital, today: '2025-06-01', amountTtc: '87654.32',
    expect: { startDate: '2025-01-06', expiryDate: '2025-03-18', ordonnateurExpiryDate: '2025-03-03', suspendedDays: 21, daysLate: 43, daysLeft: -43, ordonnateurDaysLeft: -58, status: 'paid_late', charges: ['2025-01-01', '11.15', '1151.39', '1191.39'] } },
  { name: 'two suspensions in the history both pause the clock', input: at('2024-03-01', [{ from: '2024-03-20', to: '2024-03-30' }, { from: '2024-03-05', to: '2024-03-08' }], '2024-05-10'), policy: commune, today: '2024-05-10', amountTtc: '300.00',
    expect: { startDate: '2024-03-01', expiryDate: '2024-04-13', ordonnateurExpiryDate: '2024-04-03', suspendedDays: 13, daysLate: 27, daysLeft: -27, ordonnateurDaysLeft: -37, status: 'paid_late', charges: ['2024-01-01', '12.50', '2.77', '42.77'] } },
  { name: 'suspended on the expiry day: nothing left after completion', input: at('2024-03-01', [{ from: '2024-03-31', to: '2024-04-10' }]), policy: commune, today: '2024-04-11', amountTtc: '1000.00',
    expect: { startDate: '2024-03-01', expiryDate: '2024-04-10', ordonnateurExpiryDate: '2024-03-21', suspendedDays: 10, daysLate: 1, daysLeft: -1, ordonnateurDaysLeft: -21, status: 'late', charges: ['2024-01-01', '12.50', '0.34', '40.34'] } },
  { name: 'paid during a suspension: the clock stops at payment', input: at('2024-03-01', [{ from: '2024-03-10', to: null }], '2024-03-15'), policy: commune, today: '2024-04-20', amountTtc: '1000.00',
    expect: { startDate: '2024-03-01', expiryDate: '2024-04-05', ordonnateurExpiryDate: '2024-03-26', suspendedDays: 5, daysLate: 0, daysLeft: 21, ordonnateurDaysLeft: 11, status: 'paid', charges: null } },
  { name: 'start in the future', input: at('2024-03-01'), policy: commune, today: '2024-02-25', amountTtc: '1000.00',
    expect: { startDate: '2024-03-01', expiryDate: '2024-03-31', ordonnateurExpiryDate: '2024-03-21', suspendedDays: 0, daysLate: 0, daysLeft: 35, ordonnateurDaysLeft: 25, status: 'not_started', charges: null } },
  { name: 'hospital with a 25/25 split', input: at('2024-06-03'), policy: defaultDgpPolicy('hopital', { hospitalOrdonnateurDays: 25 }), today: '2024-06-04', amountTtc: '1000.00',
    expect: { startDate: '2024-06-03', expiryDate: '2024-07-23', ordonnateurExpiryDate: '2024-06-28', suspendedDays: 0, daysLate: 0, daysLeft: 49, ordonnateurDaysLeft: 24, status: 'running', charges: null } },
  { name: 'hospital, late across the 2024 leap day', input: at('2023-12-20', [], '2024-03-15'), policy: hospital, today: '2024-03-20', amountTtc: '250000.00',
    expect: { startDate: '2023-12-20', expiryDate: '2024-02-08', ordonnateurExpiryDate: '2024-01-24', suspendedDays: 0, daysLate: 36, daysLeft: -36, ordonnateurDaysLeft: -51, status: 'paid_late', charges: ['2024-01-01', '12.50', '3082.19', '3122.19'] } },
  { name: 'late in the second half of 2025', input: at('2025-06-16', [], '2025-08-29'), policy: commune, today: '2025-09-01', amountTtc: '3333.33',
    expect: { startDate: '2025-06-16', expiryDate: '2025-07-16', ordonnateurExpiryDate: '2025-07-06', suspendedDays: 0, daysLate: 44, daysLeft: -44, ordonnateurDaysLeft: -54, status: 'paid_late', charges: ['2025-07-01', '10.15', '40.79', '80.79'] } },
  { name: 'suspension begun before the start counts from the start', input: at('2024-03-05', [{ from: '2024-03-01', to: '2024-03-07' }]), policy: commune, today: '2024-03-10', amountTtc: '1000.00',
    expect: { startDate: '2024-03-05', expiryDate: '2024-04-06', ordonnateurExpiryDate: '2024-03-27', suspendedDays: 2, daysLate: 0, daysLeft: 27, ordonnateurDaysLeft: 17, status: 'running', charges: null } },
  { name: 'tiny amount: interest rounds to 0.00, the 40 € remain', input: at('2016-01-04', [], '2016-02-05'), policy: commune, today: '2016-03-01', amountTtc: '0.99',
    expect: { startDate: '2016-01-04', expiryDate: '2016-02-03', ordonnateurExpiryDate: '2016-01-24', suspendedDays: 0, daysLate: 2, daysLeft: -2, ordonnateurDaysLeft: -12, status: 'paid_late', charges: ['2016-01-01', '8.05', '0.00', '40.00'] } },
  { name: 'exact half cent rounds up (73 € × 12.5 % / 365 = 0.025)', input: at('2024-01-01', [], '2024-02-01'), policy: commune, today: '2024-03-01', amountTtc: '73.00',
    expect: { startDate: '2024-01-01', expiryDate: '2024-01-31', ordonnateurExpiryDate: '2024-01-21', suspendedDays: 0, daysLate: 1, daysLeft: -1, ordonnateurDaysLeft: -11, status: 'paid_late', charges: ['2024-01-01', '12.50', '0.03', '40.03'] } },
];

test(`DGP and interest: ${CASES.length} cases`, async (t) => {
  assert.ok(CASES.length >= 20);
  for (const entry of CASES) {
    await t.test(entry.name, () => {
      const result = computeDgp(entry.input, entry.policy, entry.today);
      const { charges: expectedCharges, ...expectedDgp } = entry.expect;
      const actual = Object.fromEntries(Object.keys(expectedDgp).map((key) => [key, result[key as keyof typeof result]]));
      assert.deepEqual(actual, expectedDgp);
      const expect = { ...expectedDgp, charges: expectedCharges };
      assert.equal(result.late, expect.daysLate > 0);
      const charges = computeLatePaymentCharges({ amountTtc: entry.amountTtc, expiryDate: result.expiryDate!, daysLate: result.daysLate });
      if (expect.charges === null) {
        assert.equal(charges, null);
      } else {
        assert.ok(charges);
        assert.deepEqual([charges.rateValidFrom, charges.annualRate, charges.interest, charges.total], expect.charges);
        assert.equal(charges.indemnity, '40.00');
      }
    });
  }
});

test('start policy: made available by default, deposit when chosen, fallback, execution date', () => {
  const input: DgpInput = { depositedAt: '2024-02-27', madeAvailableAt: '2024-03-01', suspensions: [] };
  assert.equal(computeDgp(input, commune, '2024-03-02').expiryDate, '2024-03-31');
  const byDeposit = computeDgp(input, defaultDgpPolicy('commune', { startFrom: 'deposit' }), '2024-03-02');
  assert.equal(byDeposit.startSource, 'deposit');
  assert.equal(byDeposit.expiryDate, '2024-03-28'); // 27 Feb + 30 days across 29 Feb
  const fallback = computeDgp({ ...input, madeAvailableAt: null }, commune, '2024-03-02');
  assert.equal(fallback.startSource, 'deposit');
  const executedLater = computeDgp({ ...input, executedAt: '2024-03-10' }, commune, '2024-03-12');
  assert.deepEqual([executedLater.startSource, executedLater.startDate, executedLater.expiryDate], ['execution', '2024-03-10', '2024-04-09']);
  const unknown = computeDgp({ depositedAt: null, madeAvailableAt: null, suspensions: [] }, commune, '2024-03-02');
  assert.equal(unknown.expiryDate, null);
  assert.equal(unknown.status, 'not_started');
});

test('policies: 30 days 20/10 for a commune, 50 days for a hospital, invalid split refused', () => {
  assert.deepEqual([commune.totalDays, commune.ordonnateurDays], [30, 20]);
  assert.deepEqual([hospital.totalDays, hospital.ordonnateurDays], [50, 35]);
  assert.equal(defaultDgpPolicy('epci').totalDays, 30);
  assert.throws(() => defaultDgpPolicy('commune', { ordonnateurDays: 31 }), RangeError);
});

test('optional minimum after completion', () => {
  const policy = defaultDgpPolicy('commune', { minimumDaysAfterCompletion: 7 });
  // suspended on day 28 (2 left), completed on 10 April: 7 days instead of 2.
  const result = computeDgp(at('2024-03-01', [{ from: '2024-03-29', to: '2024-04-10' }]), policy, '2024-04-11');
  assert.equal(result.expiryDate, '2024-04-17');
});

test('dates: calendar arithmetic, French dates of instants, invalid dates refused', () => {
  assert.equal(daysBetween('2024-02-28', '2024-03-01'), 2);
  assert.equal(daysBetween('2023-02-28', '2023-03-01'), 1);
  assert.equal(parisDate('2024-07-14T22:30:00Z'), '2024-07-15'); // summer time, UTC+2
  assert.equal(parisDate('2024-01-14T22:30:00Z'), '2024-01-14'); // winter, UTC+1
  assert.equal(parisDate('2024-01-14T23:30:00Z'), '2024-01-15');
  assert.throws(() => addDays('2023-02-29', 1), RangeError);
});

test('interest rates: half-years, missing half-year is an error', () => {
  assert.equal(halfYearStart('2024-06-30'), '2024-01-01');
  assert.equal(halfYearStart('2024-07-01'), '2024-07-01');
  assert.equal(rateInForce(DEFAULT_INTEREST_RATES, '2023-07-01').annualRate, '12.00');
  assert.throws(() => rateInForce(DEFAULT_INTEREST_RATES, '2040-01-05'), MissingInterestRateError);
});
