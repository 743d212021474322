// Intérêts moratoires and the indemnité forfaitaire pour frais de recouvrement (décret 2013-269
// art. 8 and 9, domain.md §1.1): owed on the ordonnateur's own initiative for every late payment.
//
// - Rate: the ECB main refinancing operations rate in force on the first day of the calendar
//   half-year (1 January or 1 July) in which the interest started to run, plus 8 points. Interest
//   starts to run the day after expiry, so an expiry on 30 June takes the rate of 1 July.
// - Simple interest on the amount paid late (TTC), per day late, over 365 days (also in leap
//   years), rounded half away from zero to the cent, on exact decimals.
// - Plus a fixed 40 € indemnity.
import { addDays, dayNumber, type IsoDate } from './dgp.ts';
import { Decimal } from './money.ts';

export type InterestRate = {
  /** 1 January or 1 July of a year. */
  validFrom: IsoDate;
  /** The ECB main refinancing rate in force that day, in percent ("4.50"). */
  ecbRate: string;
  /** Points added (8 by law). */
  margin: string;
};

export const LEGAL_MARGIN_POINTS = '8';
export const RECOVERY_INDEMNITY_EUR = '40.00';

/**
 * ECB main refinancing operations rate in force on the first day of each half-year, in percent.
 * Seeds the editable `late_interest_rates` table; a new half-year is added there by an
 * administrator (`liasse deadlines rates set`), not by changing this list.
 */
export const ECB_MAIN_REFINANCING_RATES: readonly { validFrom: IsoDate; ecbRate: string }[] = [
  { validFrom: '2011-01-01', ecbRate: '1.00' },
  { validFrom: '2011-07-01', ecbRate: '1.25' },
  { validFrom: '2012-01-01', ecbRate: '1.00' },
  { validFrom: '2012-07-01', ecbRate: '1.00' },
  { validFrom: '2013-01-01', ecbRate: '0.75' },
  { validFrom: '2013-07-01', ecbRate: '0.50' },
  { validFrom: '2014-01-01', ecbRate: '0.25' },
  { validFrom: '2014-07-01', ecbRate: '0.15' },
  { validFrom: '2015-01-01', ecbRate: '0.05' },
  { validFrom: '2015-07-01', ecbRate: '0.05' },
  { validFrom: '2016-01-01', ecbRate: '0.05' },
  { validFrom: '2016-07-01', ecbRate: '0.00' },
  { validFrom: '2017-01-01', ecbRate: '0.00' },
  { validFrom: '2017-07-01', ecbRate: '0.00' },
  { validFrom: '2018-01-01', ecbRate: '0.00' },
  { validFrom: '2018-07-01', ecbRate: '0.00' },
  { validFrom: '2019-01-01', ecbRate: '0.00' },
  { validFrom: '2019-07-01', ecbRate: '0.00' },
  { validFrom: '2020-01-01', ecbRate: '0.00' },
  { validFrom: '2020-07-01', ecbRate: '0.00' },
  { validFrom: '2021-01-01', ecbRate: '0.00' },
  { validFrom: '2021-07-01', ecbRate: '0.00' },
  { validFrom: '2022-01-01', ecbRate: '0.00' },
  { validFrom: '2022-07-01', ecbRate: '0.00' },
  { validFrom: '2023-01-01', ecbRate: '2.50' },
  { validFrom: '2023-07-01', ecbRate: '4.00' },
  { validFrom: '2024-01-01', ecbRate: '4.50' },
  { validFrom: '2024-07-01', ecbRate: '4.25' },
  { validFrom: '2025-01-01', ecbRate: '3.15' },
  { validFrom: '2025-07-01', ecbRate: '2.15' },
  { validFrom: '2026-01-01', ecbRate: '2.15' },
];

export const DEFAULT_INTEREST_RATES: readonly InterestRate[] = ECB_MAIN_REFINANCING_RATES.map((rate) => ({
  ...rate,
  margin: LEGAL_MARGIN_POINTS,
}));

/** 1 January or 1 July of the half-year a date falls in. */
export function halfYearStart(date: IsoDate): IsoDate {
  dayNumber(date); // validates
  const year = date.slice(0, 4);
  return Number(date.slice(5, 7)) <= 6 ? `${year}-01-01` : `${year}-07-01`;
}

export class MissingInterestRateError extends Error {
  constructor(readonly halfYear: IsoDate) {
    super(`Aucun taux BCE n'est enregistré pour le semestre commençant le ${halfYear} : ajoutez-le (liasse deadlines rates set ${halfYear} <taux>).`);
    this.name = 'MissingInterestRateError';
  }
}

/**
 * The rate for interest that started to run on `firstInterestDay`: the row of that half-year.
 * A missing half-year is an error, not a silent fallback on an older rate.
 */
export function rateInForce(rates: readonly InterestRate[], firstInterestDay: IsoDate): InterestRate & { annualRate: string } {
  const halfYear = halfYearStart(firstInterestDay);
  const rate = rates.find((candidate) => candidate.validFrom === halfYear);
  if (!rate) throw new MissingInterestRateError(halfYear);
  return { ...rate, annualRate: Decimal.parse(rate.ecbRate).add(Decimal.parse(rate.margin)).toString(2) };
}

export type LatePaymentInput = {
  /** The amount paid late, TTC, decimal string. */
  amountTtc: string;
  /** Last day of the DGP. */
  expiryDate: IsoDate;
  /** Days late (DgpResult.daysLate). */
  daysLate: number;
};

export type LatePaymentCharges = {
  /** ECB rate + margin, percent per year. */
  annualRate: string;
  ecbRate: string;
  rateValidFrom: IsoDate;
  /** The day the interest started to run (expiry + 1). */
  interestFrom: IsoDate;
  daysLate: number;
  amountTtc: string;
  interest: string;
  indemnity: string;
  /** interest + indemnity. */
  total: string;
};

/** null when not late. */
export function computeLatePaymentCharges(input: LatePaymentInput, rates: readonly InterestRate[] = DEFAULT_INTEREST_RATES): LatePaymentCharges | null {
  if (!Number.isInteger(input.daysLate) || input.daysLate < 0) throw new RangeError(`daysLate must be a whole number ≥ 0, got ${input.daysLate}`);
  if (input.daysLate === 0) return null;
  const interestFrom = addDays(input.expiryDate, 1);
  const rate = rateInForce(rates, interestFrom);
  const amount = Decimal.parse(input.amountTtc);
  // amount × rate% × days / 365, one division at the end so that nothing is rounded twice.
  const interest = amount
    .mul(Decimal.parse(rate.annualRate))
    .mul(Decimal.fromInteger(input.daysLate))
    .div(Decimal.fromInteger(36_500), 2);
  const indemnity = Decimal.parse(RECOVERY_INDEMNITY_EUR);
  return {
    annualRate: rate.annualRate,
    ecbRate: Decimal.parse(rate.ecbRate).toString(2),
    rateValidFrom: rate.validFrom,
    interestFrom,
    daysLate: input.daysLate,
    amountTtc: amount.toString(2),
    interest: interest.toString(2),
    indemnity: indemnity.toString(2),
    total: interest.add(indemnity).toString(2),
  };
}
