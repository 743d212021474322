// The invoice lifecycle in Liasse, and its mapping to Chorus Pro statuses and to the 2026 reform's
// lifecycle codes (CDAR 200–213). This file is the one home of these rules: the state machine
// (`transition`), what each event publishes to Chorus, and the guards of CCP R2192-27.

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

/** The reform code of a Liasse status (what a CDAR message would say about the invoice now). */
export const CDAR_CODE_OF_STATUS: Record<InvoiceStatus, number> = {
  received: 203,
  to_process: 203,
  service_fait: 205,
  mandated: 204,
  sent_to_accountant: 204,
  paid: 211,
  suspended: 208,
  completed: 209,
  to_recycle: 210,
  rejected: 210,
};

export const CDAR_LABELS: Record<number, string> = {
  200: 'Déposée',
  201: 'Émise par la plateforme',
  202: 'Reçue par la plateforme',
  203: 'Mise à disposition',
  204: 'Prise en charge',
  205: 'Approuvée',
  206: 'Approuvée partiellement',
  207: 'En litige',
  208: 'Suspendue',
  209: 'Complétée',
  210: 'Refusée',
  211: 'Paiement transmis',
  212: 'Encaissée',
  213: 'Rejetée',
};

export const STATUS_LABELS: Record<InvoiceStatus, string> = {
  received: 'Reçue',
  to_process: 'À traiter',
  service_fait: 'Service fait',
  mandated: 'Mandatée',
  sent_to_accountant: 'Transmise au comptable',
  paid: 'Mise en paiement',
  suspended: 'Suspendue',
  completed: 'Complétée par le fournisseur',
  to_recycle: 'À recycler',
  rejected: 'Rejetée',
};

export const CHORUS_STATUS_LABELS: Record<ChorusStatus, string> = {
  DEPOSEE: 'Déposée',
  EN_COURS_ACHEMINEMENT: "En cours d'acheminement",
  MISE_A_DISPOSITION: 'Mise à disposition',
  A_RECYCLER: 'À recycler',
  REJETEE: 'Rejetée',
  SUSPENDUE: 'Suspendue',
  SERVICE_FAIT: 'Service fait',
  MANDATEE: 'Mandatée',
  MISE_A_DISPOSITION_COMPTABLE: 'Mise à disposition du comptable',
  COMPTABILISEE: 'Comptabilisée',
  MISE_EN_PAIEMENT: 'Mise en paiement',
  COMPLETEE: 'Complétée',
};

// ---------------------------------------------------------------------------------------------
// The state machine

/**
 * What happens to an invoice. The first five are decisions taken in Liasse; `mandated`,
 * `mandat_cancelled`, `sent_to_accountant`, `accountant_rejected` (the comptable rejected the
 * bordereau: its mandat is "à corriger"), `paid` come from the mandat chain (and Hélios);
 * `completed` and `redeposited` come from Chorus (the supplier completed a suspended invoice, or
 * recycled it).
 */
export const LIFECYCLE_EVENTS = [
  'start_processing',
  'certify_service_fait',
  'suspend',
  'reject',
  'send_to_recycle',
  'mandated',
  'mandat_cancelled',
  'sent_to_accountant',
  'accountant_rejected',
  'paid',
  'completed',
  'redeposited',
] as const;
export type LifecycleEvent = (typeof LIFECYCLE_EVENTS)[number];

/** The decisions an agent takes on an invoice (the guided choice, plus service fait). */
export type DecisionKind = 'suspend' | 'reject' | 'recycle' | 'service_fait';

export const EVENT_OF_DECISION: Record<DecisionKind, LifecycleEvent> = {
  suspend: 'suspend',
  reject: 'reject',
  recycle: 'send_to_recycle',
  service_fait: 'certify_service_fait',
};

// Statuses from which the ordonnateur may still act on the invoice before the mandat: Chorus
// accepts SUSPENDUE, REJETEE, A_RECYCLER and SERVICE_FAIT from MISE_A_DISPOSITION and COMPLETEE
// (API.md §3.3), which is what `received`, `to_process` and `completed` mirror. Not the mandat: in
// the public expense chain the ordonnateur liquidates only after certifying the service fait
// (domain.md §1.2), so `mandated` is reached from `service_fait` alone — an invoice completed by
// the supplier is certified again before its mandat.
const OPEN: Partial<Record<LifecycleEvent, InvoiceStatus>> = {
  certify_service_fait: 'service_fait',
  suspend: 'suspended',
  reject: 'rejected',
  send_to_recycle: 'to_recycle',
};

/** Allowed transitions: status → event → next status. Anything absent is refused. */
export const TRANSITIONS: Record<InvoiceStatus, Partial<Record<LifecycleEvent, InvoiceStatus>>> = {
  received: { start_processing: 'to_process', ...OPEN },
  to_process: { ...OPEN },
  completed: { start_processing: 'completed', ...OPEN },
  // After SERVICE_FAIT Chorus only accepts MANDATEE: a problem found later is handled with the
  // supplier outside Chorus (avoir) — the invoice can no longer be suspended, rejected or recycled.
  service_fait: { mandated: 'mandated' },
  // A mandat cancelled (withdrawn before sending, or annulled) goes back to service fait: Chorus
  // keeps MANDATEE, and the next mandat's MANDATEE is recognised as reached. A mandat withdrawn
  // before its MANDATEE was published goes back to where the invoice was (guard statusBeforeMandat).
  mandated: { sent_to_accountant: 'sent_to_accountant', paid: 'paid', mandat_cancelled: 'service_fait' },
  // The comptable rejecting the bordereau (PES_Acquit) sends the mandat back "à corriger": the
  // invoice is mandated again, and goes to the comptable again when the mandat is re-emitted.
  sent_to_accountant: { paid: 'paid', mandat_cancelled: 'service_fait', accountant_rejected: 'mandated' },
  paid: {},
  suspended: { completed: 'completed' },
  to_recycle: { redeposited: 'received' },
  rejected: {},
};

/** The Chorus status each event publishes with traiterFactureRecue (none for events Chorus told us about). */
export const CHORUS_STATUS_OF_EVENT: Partial<Record<LifecycleEvent, ChorusStatus>> = {
  certify_service_fait: 'SERVICE_FAIT',
  suspend: 'SUSPENDUE',
  reject: 'REJETEE',
  send_to_recycle: 'A_RECYCLER',
  mandated: 'MANDATEE',
  sent_to_accountant: 'MISE_A_DISPOSITION_COMPTABLE',
  paid: 'MISE_EN_PAIEMENT',
};

/** Statuses Hélios transmits itself for authorities whose accounts it keeps: Liasse never posts them there. */
export const HELIOS_STATUSES: readonly ChorusStatus[] = ['MISE_A_DISPOSITION_COMPTABLE', 'COMPTABILISEE', 'MISE_EN_PAIEMENT'];

/** Chorus statuses that require a motif in traiterFactureRecue. */
export const MOTIF_REQUIRED: readonly ChorusStatus[] = ['SUSPENDUE', 'REJETEE'];

/** Chorus refuses longer motifs (Pastell truncates to 255). */
export const MOTIF_MAX_LENGTH = 255;

/** Statuses in which no mandat exists yet: suspension is only allowed there (CCP R2192-27). */
export const BEFORE_MANDAT: readonly InvoiceStatus[] = ['received', 'to_process', 'completed', 'service_fait', 'suspended', 'to_recycle'];

export const FINAL_STATUSES: readonly InvoiceStatus[] = ['paid', 'rejected'];

export class LifecycleError extends Error {
  constructor(
    message: string,
    readonly code: 'transition' | 'motif' | 'second_suspension' | 'after_mandat' | 'unknown_status' | 'not_actionable',
  ) {
    super(message);
    this.name = 'LifecycleError';
  }
}

export type TransitionGuards = {
  /** The motif sent to the supplier; required for suspend and reject. */
  motif?: string | null;
  /** How many times the invoice was already suspended (all cycles together). */
  previousSuspensions?: number;
  /**
   * For mandat_cancelled from `mandated`: the status the invoice had before the mandat, given only
   * when Chorus never learnt of the mandat (its MANDATEE withdrawn unpublished). The invoice then
   * returns there; otherwise to service fait, the only status Chorus still agrees with.
   */
  statusBeforeMandat?: InvoiceStatus | string | null;
  /** invoices.document_type: a credit note is taken into account, never certified. */
  documentType?: string | null;
};

export function isInvoiceStatus(value: string): value is InvoiceStatus {
  return (INVOICE_STATUSES as readonly string[]).includes(value);
}

function asStatus(value: string): InvoiceStatus {
  if (!isInvoiceStatus(value)) throw new LifecycleError(`Statut de facture inconnu : « ${value} ».`, 'unknown_status');
  return value;
}

const EVENT_LABELS: Record<LifecycleEvent, string> = {
  start_processing: 'prendre en charge',
  certify_service_fait: 'certifier le service fait',
  suspend: 'suspendre',
  reject: 'rejeter',
  send_to_recycle: 'renvoyer au recyclage',
  mandated: 'mandater',
  mandat_cancelled: 'annuler le mandat',
  sent_to_accountant: 'transmettre au comptable',
  accountant_rejected: 'enregistrer le rejet du comptable sur',
  paid: 'mettre en paiement',
  completed: 'marquer complétée',
  redeposited: 'reprendre après recyclage',
};

/** Whether `event` is allowed from `from` by the table alone (guards not checked). */
export function canTransition(from: InvoiceStatus | string, event: LifecycleEvent): boolean {
  return isInvoiceStatus(from) && TRANSITIONS[from][event] !== undefined;
}

/** The events allowed from a status, for screens that offer only what is possible. */
export function allowedEvents(from: InvoiceStatus | string): LifecycleEvent[] {
  if (!isInvoiceStatus(from)) return [];
  return Object.keys(TRANSITIONS[from]) as LifecycleEvent[];
}

/**
 * THE state machine: the status after `event`, or a LifecycleError whose French message says why
 * not. Guards: a motif for suspend and reject; one suspension only, and only before the mandat.
 */
export function transition(from: InvoiceStatus | string, event: LifecycleEvent, guards: TransitionGuards = {}): InvoiceStatus {
  const status = asStatus(from);
  if (event === 'suspend') {
    if (!BEFORE_MANDAT.includes(status) || FINAL_STATUSES.includes(status)) {
      throw new LifecycleError(
        `Suspension impossible : la facture est « ${STATUS_LABELS[status]} » ; une facture ne peut être suspendue qu'avant le mandatement (CCP R2192-27).`,
        'after_mandat',
      );
    }
    if ((guards.previousSuspensions ?? 0) > 0) {
      throw new LifecycleError(
        "Suspension impossible : cette facture a déjà été suspendue une fois, et le délai de paiement ne peut être suspendu qu'une seule fois (CCP R2192-27). Rejetez-la ou renvoyez-la au recyclage.",
        'second_suspension',
      );
    }
  }
  if (event === 'certify_service_fait' && guards.documentType === 'creditNote') {
    throw new LifecycleError(
      "Service fait impossible : c'est un avoir. Un avoir se prend en compte (il réduit ou annule le mandat de la facture d'origine), il ne se certifie pas.",
      'not_actionable',
    );
  }
  const next = TRANSITIONS[status][event];
  if (next === undefined) {
    throw new LifecycleError(
      `Action impossible : on ne peut pas ${EVENT_LABELS[event]} une facture « ${STATUS_LABELS[status]} ».`,
      'transition',
    );
  }
  const chorus = CHORUS_STATUS_OF_EVENT[event];
  if (chorus && MOTIF_REQUIRED.includes(chorus) && !(guards.motif ?? '').trim()) {
    throw new LifecycleError(`Un motif est obligatoire pour ${EVENT_LABELS[event]} une facture (il est transmis au fournisseur).`, 'motif');
  }
  if (event === 'mandat_cancelled' && status === 'mandated' && guards.statusBeforeMandat) {
    const before = guards.statusBeforeMandat;
    // Only a status on the way to the mandat (service fait, or before it for mandats emitted before
    // service fait was required): anything else is not "before".
    if (isInvoiceStatus(before) && (TRANSITIONS[before].mandated !== undefined || TRANSITIONS[before].certify_service_fait !== undefined)) return before;
  }
  return next;
}

/** What the invoice record says about whether anyone may act on it (columns of `invoices`). */
export type ActionableInvoice = {
  number?: string | null;
  id?: string;
  quarantined?: number | boolean | null;
  quarantineReason?: string | null;
  historyOnly?: number | boolean | null;
};

/**
 * Why no decision and no mandat may be taken on this invoice, in French, or null when they may:
 * a quarantined invoice was not read (its amounts and parties are not known), and one taken in as
 * history on a first sync was processed before Liasse (outside it).
 */
export function actionRefusal(invoice: ActionableInvoice): string | null {
  const label = `La facture ${invoice.number ?? invoice.id ?? ''}`.trimEnd();
  if (Number(invoice.quarantined ?? 0) === 1 || invoice.quarantined === true) {
    const reason = invoice.quarantineReason?.trim();
    return `${label} est en quarantaine${reason ? ` (${reason})` : ''} : elle n'a pas pu être lue, aucune décision ni aucun mandat n'est possible. Relisez-la (liasse sync --retry-quarantined) ou traitez-la sur Chorus Pro.`;
  }
  if (Number(invoice.historyOnly ?? 0) === 1 || invoice.historyOnly === true) {
    return `${label} a été reprise comme historique lors de la première synchronisation : elle a été traitée avant Liasse, aucune décision ni aucun mandat ne s'y applique ici.`;
  }
  return null;
}

/** Same as `transition`, named for callers that only want the next status. */
export const nextStatus = transition;

/** The Chorus status an event publishes (undefined: nothing to publish). */
export function chorusStatusOfEvent(event: LifecycleEvent): ChorusStatus | undefined {
  return CHORUS_STATUS_OF_EVENT[event];
}

/**
 * The Chorus status to publish for an event, for an authority whose accounts Hélios keeps or not:
 * Hélios transmits MISE_A_DISPOSITION_COMPTABLE and MISE_EN_PAIEMENT itself.
 */
export function statusToPublish(event: LifecycleEvent, heliosKeepsAccounts: boolean): ChorusStatus | undefined {
  const chorus = CHORUS_STATUS_OF_EVENT[event];
  if (chorus && heliosKeepsAccounts && HELIOS_STATUSES.includes(chorus)) return undefined;
  return chorus;
}

// Progress within one processing cycle, to tell a Chorus status that is ahead of ours (Hélios
// paid it, someone acted on the portal) from one that is behind (our decision is not published yet).
const RANK: Record<InvoiceStatus, number> = {
  received: 0,
  to_process: 1,
  completed: 1,
  service_fait: 2,
  suspended: 2,
  to_recycle: 2,
  mandated: 3,
  sent_to_accountant: 4,
  paid: 5,
  rejected: 5,
};

/**
 * The Liasse status after the sync saw `chorusStatus` on an invoice that is `from` here; never
 * throws. The supplier completing (COMPLETEE) or recycling (back to DEPOSEE…MISE_A_DISPOSITION)
 * opens a new cycle; a Chorus status ahead of ours wins; one behind ours (a decision taken here
 * and not yet published) leaves ours alone.
 */
export function statusAfterChorus(from: InvoiceStatus | string, chorusStatus: string): InvoiceStatus {
  if (!isInvoiceStatus(from)) return statusFromChorus(chorusStatus);
  const target = statusFromChorus(chorusStatus);
  if (target === from) return from;
  if (from === 'suspended' && chorusStatus === 'COMPLETEE') return 'completed';
  if (from === 'to_recycle' && ['DEPOSEE', 'EN_COURS_ACHEMINEMENT', 'MISE_A_DISPOSITION'].includes(chorusStatus)) return 'received';
  if (FINAL_STATUSES.includes(from)) return from;
  if (chorusStatus === 'COMPLETEE' && from !== 'suspended') return RANK[from] > RANK.completed ? from : 'completed';
  // Liasse moves a mandated invoice to the comptable itself when it sends the bordereau; a mandat
  // the comptable sent back "à corriger" leaves Chorus at MISE_A_DISPOSITION_COMPTABLE while the
  // invoice waits here, mandated, for its re-emission: that Chorus status must not move it on.
  if (from === 'mandated' && chorusStatus === 'MISE_A_DISPOSITION_COMPTABLE') return from;
  return RANK[target] > RANK[from] ? target : from;
}

/** The lifecycle event a Chorus status reports, when it is one (for timelines and the sync). */
export function eventFromChorus(chorusStatus: string): LifecycleEvent | undefined {
  switch (chorusStatus) {
    case 'SERVICE_FAIT':
      return 'certify_service_fait';
    case 'SUSPENDUE':
      return 'suspend';
    case 'REJETEE':
      return 'reject';
    case 'A_RECYCLER':
      return 'send_to_recycle';
    case 'MANDATEE':
      return 'mandated';
    case 'MISE_A_DISPOSITION_COMPTABLE':
    case 'COMPTABILISEE':
      return 'sent_to_accountant';
    case 'MISE_EN_PAIEMENT':
      return 'paid';
    case 'COMPLETEE':
      return 'completed';
    default:
      return undefined;
  }
}

/** CDAR code of a Chorus status, or undefined when the reform has none for it. */
export function cdarCodeOfChorus(chorusStatus: string): number | undefined {
  return isChorusStatus(chorusStatus) ? CDAR_CODE_OF_CHORUS_STATUS[chorusStatus] : undefined;
}
