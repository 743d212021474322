// Deadline settings read from the environment (kept here rather than in src/config.ts: only the
// deadlines, alerts and CLI modules read them). Empty strings count as unset, like config.ts.
import type { DgpPolicyOverrides } from '../../domain/dgp.ts';

export type DeadlineSettings = {
  dgp: DgpPolicyOverrides;
  /** An invoice is "at risk" when this many days or fewer are left (LIASSE_DGP_RISK_DAYS, default 10). */
  riskDays: number;
  /** The ordonnateur's share is "at risk" with this many days or fewer left (LIASSE_DGP_ORDONNATEUR_RISK_DAYS, default 5). */
  ordonnateurRiskDays: number;
};

export const DEFAULT_DEADLINE_SETTINGS: DeadlineSettings = { dgp: {}, riskDays: 10, ordonnateurRiskDays: 5 };

function text(env: Record<string, string | undefined>, name: string): string | undefined {
  const value = env[name]?.trim();
  return value ? value : undefined;
}

function days(env: Record<string, string | undefined>, name: string, max = 365): number | undefined {
  const value = text(env, name);
  if (value === undefined) return undefined;
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 0 || parsed > max) {
    throw new Error(`${name} must be a whole number of days between 0 and ${max}, got "${value}"`);
  }
  return parsed;
}

/**
 * LIASSE_DGP_START = made_available (default) | deposit; LIASSE_DGP_ORDONNATEUR_DAYS (20 of 30);
 * LIASSE_DGP_HOSPITAL_ORDONNATEUR_DAYS (35 of 50); LIASSE_DGP_MIN_DAYS_AFTER_COMPLETION (0);
 * LIASSE_DGP_RISK_DAYS (10); LIASSE_DGP_ORDONNATEUR_RISK_DAYS (5).
 */
export function loadDeadlineSettings(env: Record<string, string | undefined> = process.env): DeadlineSettings {
  const start = text(env, 'LIASSE_DGP_START');
  if (start !== undefined && start !== 'made_available' && start !== 'deposit') {
    throw new Error(`LIASSE_DGP_START must be "made_available" or "deposit", got "${start}"`);
  }
  const dgp: DgpPolicyOverrides = {};
  if (start) dgp.startFrom = start;
  const ordonnateur = days(env, 'LIASSE_DGP_ORDONNATEUR_DAYS', 30);
  if (ordonnateur !== undefined) dgp.ordonnateurDays = ordonnateur;
  const hospital = days(env, 'LIASSE_DGP_HOSPITAL_ORDONNATEUR_DAYS', 50);
  if (hospital !== undefined) dgp.hospitalOrdonnateurDays = hospital;
  const minimum = days(env, 'LIASSE_DGP_MIN_DAYS_AFTER_COMPLETION', 50);
  if (minimum !== undefined) dgp.minimumDaysAfterCompletion = minimum;
  return {
    dgp,
    riskDays: days(env, 'LIASSE_DGP_RISK_DAYS') ?? DEFAULT_DEADLINE_SETTINGS.riskDays,
    ordonnateurRiskDays: days(env, 'LIASSE_DGP_ORDONNATEUR_RISK_DAYS') ?? DEFAULT_DEADLINE_SETTINGS.ordonnateurRiskDays,
  };
}
