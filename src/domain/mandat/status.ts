// Mandat and bordereau states, and what the screens call them. The one home of these rules.

export const MANDAT_STATUSES = ['pending', 'in_bordereau', 'sent', 'accepted', 'to_correct', 'cancelled'] as const;
export type MandatStatus = (typeof MANDAT_STATUSES)[number];

export const MANDAT_STATUS_LABELS: Record<MandatStatus, string> = {
  pending: 'À mettre en bordereau',
  in_bordereau: 'En bordereau',
  sent: 'Transmis au comptable',
  accepted: 'Accepté par le comptable',
  to_correct: 'À corriger',
  cancelled: 'Annulé',
};

export const BORDEREAU_STATUSES = ['ready', 'sent', 'accepted', 'rejected', 'partially_rejected'] as const;
export type BordereauStatus = (typeof BORDEREAU_STATUSES)[number];

export const BORDEREAU_STATUS_LABELS: Record<BordereauStatus, string> = {
  ready: 'Prêt à transmettre',
  sent: 'Transmis',
  accepted: 'Accepté',
  rejected: 'Rejeté',
  partially_rejected: 'Partiellement rejeté',
};

export type MandatKind = 'ordinaire' | 'annulation';

/** PES codes (NOTES.md §3): bordereau ordinaire / annulation-réduction. */
export const TYP_BORD = { ordinaire: '01', annulation: '02' } as const;

/**
 * A mandat that went out in a PES file keeps its number for ever and is never deleted: it can only
 * be reduced or cancelled by an annulation/réduction mandat. Before that, it can be withdrawn.
 */
export function wasSent(status: string): boolean {
  return status === 'sent' || status === 'accepted' || status === 'to_correct';
}

/** Mandats a new ordinary bordereau gathers: new ones and those the accountant sent back corrected. */
export const BORDEREAU_ELIGIBLE_STATUSES: readonly MandatStatus[] = ['pending', 'to_correct'];
