// The invoice lifecycle in Liasse, and its mapping to Chorus Pro statuses and to the 2026 reform's
// lifecycle codes (CDAR 200–213). This file is the one home of these rules.

export const INVOICE_STATUSES = [
  'received', // integrated from Chorus, not yet looked at
  'to_process', // being reconciled
  'service_fait', // service fait certified
  'mandated', // a mandat was emitted
  'sent_to_accountant', // its bordereau went to Hélios
  'paid', // MISE_EN_PAIEMENT
  'suspended', // SUSPENDUE: waiting for the supplier
  'completed', // COMPLETEE: the supplier completed it, to process again
  'to_recycle', // A_RECYCLER: wrong routing, the supplier redeposits
  'rejected', // REJETEE: final
] as const;

export type InvoiceStatus = (typeof INVOICE_STATUSES)[number];

/** Chorus Pro recipient-side statuses (API codes), with their pivot numeric codes. */
export const CHORUS_STATUS_CODES = {
  DEPOSEE: '01',
  EN_COURS_ACHEMINEMENT: '02',
  MISE_A_DISPOSITION: '03',
  A_RECYCLER: '04',
  REJETEE: '05',
  SUSPENDUE: '06',
  SERVICE_FAIT: '07',
  MANDATEE: '08',
  MISE_A_DISPOSITION_COMPTABLE: '09',
  COMPTABILISEE: '10',
  MISE_EN_PAIEMENT: '11',
  COMPLETEE: '12',
} as const;

export type ChorusStatus = keyof typeof CHORUS_STATUS_CODES;

export function isChorusStatus(value: string): value is ChorusStatus {
  return Object.hasOwn(CHORUS_STATUS_CODES, value);
}

/** The Liasse status an invoice takes when Chorus reports `chorusStatus` (sync of a new or changed invoice). */
export function statusFromChorus(chorusStatus: string): InvoiceStatus {
  switch (chorusStatus) {
    case 'SUSPENDUE':
      return 'suspended';
    case 'COMPLETEE':
      return 'completed';
    case 'A_RECYCLER':
      return 'to_recycle';
    case 'REJETEE':
      return 'rejected';
    case 'SERVICE_FAIT':
      return 'service_fait';
    case 'MANDATEE':
      return 'mandated';
    case 'MISE_A_DISPOSITION_COMPTABLE':
    case 'COMPTABILISEE':
      return 'sent_to_accountant';
    case 'MISE_EN_PAIEMENT':
      return 'paid';
    default:
      return 'received';
  }
}

/** Reform lifecycle code (CDAR, XP Z12-012) of each Chorus status; our inference, see domain.md §4. */
export const CDAR_CODE_OF_CHORUS_STATUS: Partial<Record<ChorusStatus, number>> = {
  DEPOSEE: 200,
  EN_COURS_ACHEMINEMENT: 201,
  MISE_A_DISPOSITION: 203,
  SERVICE_FAIT: 205,
  MANDATEE: 204,
  SUSPENDUE: 208,
  COMPLETEE: 209,
  REJETEE: 210,
  A_RECYCLER: 210,
  MISE_EN_PAIEMENT: 211,
};
