// The délai global de paiement (DGP), see ../../../shared/reference/domain.md §1.1: a pure
// computation on calendar dates. Calendar days only — weekends and public holidays never extend
// the delay —, counted on UTC day numbers so leap years and DST changes need no special case.
//
// Conventions (décret 2013-269, CCP R2192-10 to R2192-36):
// - day 0 is the start date; the delay expires at the end of start + totalDays;
// - interest runs from the day after expiry up to the payment date included, so
//   daysLate = paidOn (or today) − expiry;
// - a suspension pauses the clock on the day it is notified; at COMPLETEE the days that were left
//   on that day resume: new expiry = completion date + remaining days;
// - a suspension notified after expiry does not pause anything (the delay is already exceeded).
import type { IsoDate } from './invoice.ts';

export type { IsoDate };

export type DgpSuspension = { from: IsoDate; to: IsoDate | null };

export type DgpInput = {
  /** The deposit certificate date on Chorus Pro (DEPOSEE). */
  depositedAt: IsoDate | null;
  /** The first MISE_A_DISPOSITION date. */
  madeAvailableAt: IsoDate | null;
  /** Execution of the service: the DGP cannot start before it (R2192-13). */
  executedAt?: IsoDate | null;
  suspensions: DgpSuspension[];
  /** Payment date (MISE_EN_PAIEMENT): the clock stops there. */
  paidOn?: IsoDate | null;
};

export type DgpPolicy = {
  /** Which date starts the delay; the other one is the fallback when missing. */
  startFrom: 'made_available' | 'deposit';
  totalDays: number;
  /** The ordonnateur's share; the comptable has totalDays − ordonnateurDays. */
  ordonnateurDays: number;
  /**
   * [bg] Minimum days left after a completion, when the remaining balance is smaller. 0 (none) by
   * default until a text confirms the value.
   */
  minimumDaysAfterCompletion?: number;
};

export type TenantKind = 'commune' | 'departement' | 'region' | 'epci' | 'hopital' | 'syndicat' | 'autre' | (string & {});

export type DgpPolicyOverrides = {
  startFrom?: DgpPolicy['startFrom'];
  /** Ordonnateur's share for 30-day authorities (default 20). */
  ordonnateurDays?: number;
  /** Ordonnateur's share for hospitals (default 35 of 50 — [bg] set by convention with the comptable). */
  hospitalOrdonnateurDays?: number;
  minimumDaysAfterCompletion?: number;
};

export const DEFAULT_ORDONNATEUR_DAYS = 20;
export const DEFAULT_HOSPITAL_ORDONNATEUR_DAYS = 35;

/** 30 days (20 ordonnateur / 10 comptable) for collectivités; 50 days for établissements publics de santé. */
export function defaultDgpPolicy(tenantKind: TenantKind, overrides: DgpPolicyOverrides = {}): DgpPolicy {
  const hospital = tenantKind === 'hopital';
  const totalDays = hospital ? 50 : 30;
  const ordonnateurDays = hospital
    ? (overrides.hospitalOrdonnateurDays ?? DEFAULT_HOSPITAL_ORDONNATEUR_DAYS)
    : (overrides.ordonnateurDays ?? DEFAULT_ORDONNATEUR_DAYS);
  if (!Number.isInteger(ordonnateurDays) || ordonnateurDays < 0 || ordonnateurDays > totalDays) {
    throw new RangeError(`ordonnateur share must be a whole number of days between 0 and ${totalDays}, got ${ordonnateurDays}`);
  }
  return {
    startFrom: overrides.startFrom ?? 'made_available',
    totalDays,
    ordonnateurDays,
    minimumDaysAfterCompletion: overrides.minimumDaysAfterCompletion ?? 0,
  };
}

export type DgpStatus = 'not_started' | 'running' | 'suspended' | 'paid' | 'late' | 'paid_late';

export type DgpResult = {
  /** null when neither date is known: nothing can be computed. */
  startDate: IsoDate | null;
  startSource: 'made_available' | 'deposit' | 'execution' | null;
  totalDays: number;
  ordonnateurDays: number;
  comptableDays: number;
  /** Last day to pay; while a suspension runs, the date it would be if completed today. */
  expiryDate: IsoDate | null;
  /** Last day for the ordonnateur to mandate (his share, shifted by the suspensions too). */
  ordonnateurExpiryDate: IsoDate | null;
  /** Days the clock was paused (open suspension counted up to today). */
  suspendedDays: number;
  /** True while a suspension has no completion yet. */
  suspendedNow: boolean;
  /** expiry − today, or − the payment date once paid (negative once exceeded; frozen while suspended). */
  daysLeft: number | null;
  ordonnateurDaysLeft: number | null;
  /** Calendar days since start, suspensions excluded, up to the payment or today. */
  daysElapsed: number | null;
  paid: boolean;
  /** Paid after expiry, or not paid and expiry passed. */
  late: boolean;
  /** Days of interest: from the day after expiry to the payment (or today) included. */
  daysLate: number;
  status: DgpStatus;
};

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const DAY_MS = 86_400_000;

/** Day number since 1970-01-01 of an ISO date; throws on anything that is not a real date. */
export function dayNumber(date: IsoDate): number {
  const match = ISO_DATE.exec(date);
  if (!match) throw new RangeError(`not an ISO date (YYYY-MM-DD): "${date}"`);
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const ms = Date.UTC(year, month - 1, day);
  const check = new Date(ms);
  if (check.getUTCFullYear() !== year || check.getUTCMonth() !== month - 1 || check.getUTCDate() !== day) {
    throw new RangeError(`not a calendar date: "${date}"`);
  }
  return ms / DAY_MS;
}

export function fromDayNumber(days: number): IsoDate {
  return new Date(days * DAY_MS).toISOString().slice(0, 10);
}

export function addDays(date: IsoDate, days: number): IsoDate {
  return fromDayNumber(dayNumber(date) + days);
}

/** b − a in calendar days. */
export function daysBetween(a: IsoDate, b: IsoDate): number {
  return dayNumber(b) - dayNumber(a);
}

const PARIS_DATE = new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Paris', year: 'numeric', month: '2-digit', day: '2-digit' });

/**
 * The calendar date in France of an instant or a date: Chorus timestamps are instants, and a
 * deposit at 23:30 UTC in summer is the next day for the authority.
 */
export function parisDate(value: string | Date): IsoDate {
  if (typeof value === 'string' && ISO_DATE.test(value)) return value;
  const instant = typeof value === 'string' ? new Date(value) : value;
  if (Number.isNaN(instant.getTime())) throw new RangeError(`not a date or instant: "${String(value)}"`);
  return PARIS_DATE.format(instant);
}

export function todayInParis(now: Date = new Date()): IsoDate {
  return parisDate(now);
}

function pickStart(input: DgpInput, policy: DgpPolicy): { date: IsoDate; source: 'made_available' | 'deposit' } | null {
  const order: ('made_available' | 'deposit')[] = policy.startFrom === 'deposit' ? ['deposit', 'made_available'] : ['made_available', 'deposit'];
  for (const source of order) {
    const date = source === 'deposit' ? input.depositedAt : input.madeAvailableAt;
    if (date) return { date, source };
  }
  return null;
}

type Clock = { expiry: number; suspendedDays: number; suspendedNow: boolean; frozenRemaining: number | null };

/**
 * Runs the clock for a delay of `days` from `start` through the suspensions (sorted), as seen on `today`.
 * While a suspension is open, the expiry is the one a completion today would give.
 */
function runClock(start: number, days: number, suspensions: { from: number; to: number | null }[], today: number, minimumAfter: number): Clock {
  let expiry = start + days;
  let suspendedDays = 0;
  let suspendedNow = false;
  let frozenRemaining: number | null = null;
  for (const suspension of suspensions) {
    const from = Math.max(suspension.from, start);
    if (from > expiry) continue; // notified after expiry: the delay is already exceeded
    const remaining = expiry - from;
    const to = Math.max(suspension.to ?? today, from);
    suspendedDays += to - from;
    expiry = to + Math.max(remaining, minimumAfter);
    if (suspension.to === null) {
      suspendedNow = true;
      frozenRemaining = Math.max(remaining, minimumAfter);
      break; // nothing after an open suspension can have happened yet
    }
  }
  return { expiry, suspendedDays, suspendedNow, frozenRemaining };
}

/** The result when no clock runs: no start date yet, or a document the deadline does not apply to. */
export function dgpWithoutClock(policy: DgpPolicy, paidOn: IsoDate | null): DgpResult {
  return {
    startDate: null,
    startSource: null,
    totalDays: policy.totalDays,
    ordonnateurDays: policy.ordonnateurDays,
    comptableDays: policy.totalDays - policy.ordonnateurDays,
    expiryDate: null,
    ordonnateurExpiryDate: null,
    suspendedDays: 0,
    suspendedNow: false,
    daysLeft: null,
    ordonnateurDaysLeft: null,
    daysElapsed: null,
    paid: paidOn !== null,
    late: false,
    daysLate: 0,
    status: paidOn !== null ? 'paid' : 'not_started',
  };
}

export function computeDgp(input: DgpInput, policy: DgpPolicy, today: IsoDate): DgpResult {
  const comptableDays = policy.totalDays - policy.ordonnateurDays;
  const picked = pickStart(input, policy);
  const paidOn = input.paidOn ?? null;
  const empty = dgpWithoutClock(policy, paidOn);
  if (!picked) return empty;

  let start = dayNumber(picked.date);
  let startSource: DgpResult['startSource'] = picked.source;
  // R2192-13: a payment request received before the service was executed starts at execution.
  if (input.executedAt && dayNumber(input.executedAt) > start) {
    start = dayNumber(input.executedAt);
    startSource = 'execution';
  }
  const todayDay = dayNumber(today);
  const paidDay = paidOn === null ? null : dayNumber(paidOn);
  // The clock stops at payment: a suspension still open then is closed by it, later ones are ignored.
  const stopAt = paidDay ?? todayDay;
  const suspensions = input.suspensions
    .map((suspension) => ({ from: dayNumber(suspension.from), to: suspension.to === null ? null : dayNumber(suspension.to) }))
    .filter((suspension) => suspension.from <= stopAt)
    .map((suspension) => (paidDay !== null && (suspension.to === null || suspension.to > paidDay) ? { ...suspension, to: paidDay } : suspension))
    .sort((a, b) => a.from - b.from);

  const minimum = policy.minimumDaysAfterCompletion ?? 0;
  const whole = runClock(start, policy.totalDays, suspensions, stopAt, minimum);
  const ordonnateur = runClock(start, policy.ordonnateurDays, suspensions, stopAt, minimum);

  const suspendedNow = paidDay === null && whole.suspendedNow;
  const endDay = paidDay ?? todayDay;
  // While suspended the clock is frozen: days left keep the value they had at the suspension.
  const daysLate = suspendedNow ? 0 : Math.max(0, endDay - whole.expiry);
  const late = daysLate > 0;
  const daysLeft = suspendedNow ? (whole.frozenRemaining ?? 0) : whole.expiry - endDay;
  const ordonnateurDaysLeft = suspendedNow && ordonnateur.frozenRemaining !== null ? ordonnateur.frozenRemaining : ordonnateur.expiry - endDay;
  const daysElapsed = Math.max(0, endDay - start - whole.suspendedDays);

  let status: DgpStatus;
  if (paidDay !== null) status = late ? 'paid_late' : 'paid';
  else if (late) status = 'late';
  else if (suspendedNow) status = 'suspended';
  else if (todayDay < start) status = 'not_started';
  else status = 'running';

  return {
    startDate: fromDayNumber(start),
    startSource,
    totalDays: policy.totalDays,
    ordonnateurDays: policy.ordonnateurDays,
    comptableDays,
    expiryDate: fromDayNumber(whole.expiry),
    ordonnateurExpiryDate: fromDayNumber(ordonnateur.expiry),
    suspendedDays: whole.suspendedDays,
    suspendedNow,
    daysLeft,
    ordonnateurDaysLeft,
    daysElapsed,
    paid: paidDay !== null,
    late,
    daysLate,
    status,
  };
}
