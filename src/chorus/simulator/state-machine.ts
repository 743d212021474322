// The invoice lifecycle of a public recipient (API.md §3.3), in ONE table. traiter/recue, the
// supplier hooks (completer, recycler), Hélios and the transverses "états possibles" endpoint all
// read it; the table-driven test walks it.
import type { ChorusStatus } from '../types.ts';
import { RECIPIENT_TARGET_STATUSES } from '../types.ts';

export type Actor = 'system' | 'recipient' | 'supplier' | 'helios';
export type MotifRule = 'required' | 'optional';

export type Transition = {
  from: readonly ChorusStatus[];
  to: ChorusStatus;
  actors: readonly Actor[];
  motif: MotifRule;
};

export const TRANSITIONS: readonly Transition[] = [
  { from: ['DEPOSEE'], to: 'EN_COURS_ACHEMINEMENT', actors: ['system'], motif: 'optional' },
  { from: ['EN_COURS_ACHEMINEMENT'], to: 'MISE_A_DISPOSITION', actors: ['system'], motif: 'optional' },
  { from: ['MISE_A_DISPOSITION', 'COMPLETEE'], to: 'SUSPENDUE', actors: ['recipient'], motif: 'required' },
  { from: ['MISE_A_DISPOSITION', 'COMPLETEE'], to: 'REJETEE', actors: ['recipient'], motif: 'required' },
  { from: ['MISE_A_DISPOSITION', 'COMPLETEE'], to: 'A_RECYCLER', actors: ['recipient'], motif: 'optional' },
  { from: ['MISE_A_DISPOSITION', 'COMPLETEE'], to: 'SERVICE_FAIT', actors: ['recipient'], motif: 'optional' },
  { from: ['MISE_A_DISPOSITION', 'COMPLETEE', 'SERVICE_FAIT'], to: 'MANDATEE', actors: ['recipient'], motif: 'optional' },
  {
    from: ['MISE_A_DISPOSITION', 'COMPLETEE', 'SERVICE_FAIT', 'MANDATEE'],
    to: 'MISE_A_DISPOSITION_COMPTABLE',
    actors: ['helios', 'recipient'],
    motif: 'optional',
  },
  { from: ['MISE_A_DISPOSITION_COMPTABLE'], to: 'COMPTABILISEE', actors: ['helios', 'recipient'], motif: 'optional' },
  {
    from: ['MANDATEE', 'MISE_A_DISPOSITION_COMPTABLE', 'COMPTABILISEE'],
    to: 'MISE_EN_PAIEMENT',
    actors: ['helios', 'recipient'],
    motif: 'optional',
  },
  { from: ['SUSPENDUE'], to: 'COMPLETEE', actors: ['supplier'], motif: 'optional' },
  { from: ['A_RECYCLER'], to: 'DEPOSEE', actors: ['supplier'], motif: 'optional' },
];

/** Statuses from which nothing moves any more. */
export const TERMINAL_STATUSES: readonly ChorusStatus[] = ['REJETEE', 'MISE_EN_PAIEMENT'];

export function findTransition(from: ChorusStatus, to: ChorusStatus, actor: Actor): Transition | null {
  return TRANSITIONS.find((row) => row.to === to && row.from.includes(from) && row.actors.includes(actor)) ?? null;
}

/** The targets an actor may reach from a status (what recupererEtatsPossiblesPourTraitement lists). */
export function possibleTargets(from: ChorusStatus, actor: Actor): ChorusStatus[] {
  return TRANSITIONS.filter((row) => row.from.includes(from) && row.actors.includes(actor)).map((row) => row.to);
}

export type TransitionDecision =
  | { ok: true; noop: boolean }
  | { ok: false; reason: 'forbidden' | 'motif-required' | 'not-a-target' };

/**
 * Decides a move. Posting the current status again is a no-op success (API.md §3.3) for the
 * recipient; a target the recipient may never post, or a move absent from the table, is refused.
 */
export function decideTransition(
  from: ChorusStatus,
  to: ChorusStatus,
  actor: Actor,
  motif?: string | null,
): TransitionDecision {
  if (actor === 'recipient' && !(RECIPIENT_TARGET_STATUSES as readonly string[]).includes(to)) {
    return { ok: false, reason: 'not-a-target' };
  }
  if (from === to) return { ok: true, noop: true };
  const row = findTransition(from, to, actor);
  if (!row) return { ok: false, reason: 'forbidden' };
  if (row.motif === 'required' && (motif == null || motif.trim() === '')) return { ok: false, reason: 'motif-required' };
  return { ok: true, noop: false };
}
