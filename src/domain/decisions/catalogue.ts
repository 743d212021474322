// The catalogue of reasons for sending an invoice back to its supplier, with the wording the
// supplier reads on Chorus Pro (the motif of traiterFactureRecue). Reasons are listed under the
// decision an agent usually reaches for (group), and each says which decision the guided choice
// proposes (proposes): a routing problem proposes A_RECYCLER, a missing document SUSPENDUE, wrong
// billing data REJETEE — suppliers report that most rejections were not justified (domain.md §1.3).
import { type DecisionKind, MOTIF_MAX_LENGTH } from '../lifecycle.ts';

export type ReturnDecision = Exclude<DecisionKind, 'service_fait'>;

export type DecisionReason = {
  code: string;
  /** Where the reason is listed in the guided choice. */
  group: ReturnDecision;
  /** The decision the guided choice proposes for this reason. */
  proposes: ReturnDecision;
  /** Short label for the agent. */
  label: string;
  /** The sentence sent to the supplier as the Chorus motif. */
  wording: string;
  /** A free comment is required (the "other" reasons). */
  commentRequired?: boolean;
};

export const DECISION_REASONS: readonly DecisionReason[] = [
  // --- Routing (A_RECYCLER): the supplier corrects SIRET, service or engagement and redeposits,
  //     keeping the same invoice number.
  {
    code: 'SERVICE_ERRONE',
    group: 'recycle',
    proposes: 'recycle',
    label: 'Code service erroné',
    wording: 'Le code service indiqué ne correspond pas au service destinataire : merci de recycler la facture avec le bon code service.',
  },
  {
    code: 'SIRET_DESTINATAIRE_ERRONE',
    group: 'recycle',
    proposes: 'recycle',
    label: 'Destinataire (SIRET) erroné',
    wording: "La facture n'est pas adressée à la bonne structure (SIRET destinataire) : merci de la recycler vers le bon destinataire.",
  },
  {
    code: 'ENGAGEMENT_ABSENT',
    group: 'recycle',
    proposes: 'recycle',
    label: "Numéro d'engagement absent",
    wording: "Le numéro d'engagement (bon de commande) est obligatoire pour ce service : merci de recycler la facture en l'indiquant.",
  },
  {
    code: 'ENGAGEMENT_ERRONE',
    group: 'recycle',
    proposes: 'recycle',
    label: "Numéro d'engagement erroné",
    wording: "Le numéro d'engagement indiqué est inconnu ou ne correspond pas à votre commande : merci de recycler la facture avec le bon numéro.",
  },
  {
    code: 'AUTRE_ACHEMINEMENT',
    group: 'recycle',
    proposes: 'recycle',
    label: "Autre erreur d'acheminement",
    wording: "Les données d'acheminement de la facture sont à corriger :",
    commentRequired: true,
  },
  // --- Missing documents or mentions (SUSPENDUE, once, before the mandat): the supplier completes.
  {
    code: 'PJ_MANQUANTE',
    group: 'suspend',
    proposes: 'suspend',
    label: 'Pièce justificative manquante',
    wording: 'Une pièce justificative nécessaire au paiement est manquante : merci de compléter la facture.',
  },
  {
    code: 'ATTESTATION_MANQUANTE',
    group: 'suspend',
    proposes: 'suspend',
    label: 'Attestation ou certificat manquant',
    wording: "Une attestation requise (sous-traitance, situation de travaux, certificat) est manquante : merci de compléter la facture.",
  },
  {
    code: 'RIB_MANQUANT',
    group: 'suspend',
    proposes: 'suspend',
    label: 'RIB manquant ou illisible',
    wording: 'Le RIB est manquant ou illisible : merci de compléter la facture avec un RIB à votre nom.',
  },
  {
    code: 'MENTION_OBLIGATOIRE_MANQUANTE',
    group: 'suspend',
    proposes: 'suspend',
    label: 'Mention obligatoire manquante',
    wording: 'Une mention obligatoire de la facture est manquante ou incohérente : merci de compléter la facture.',
  },
  {
    code: 'AUTRE_SUSPENSION',
    group: 'suspend',
    proposes: 'suspend',
    label: 'Autre élément à compléter',
    wording: 'La facture doit être complétée :',
    commentRequired: true,
  },
  // --- Wrong billing data (REJETEE, final): the supplier issues a new invoice with a new number.
  {
    code: 'MONTANT_ERRONE',
    group: 'reject',
    proposes: 'reject',
    label: 'Montant erroné',
    wording: 'Le montant facturé ne correspond pas à la commande ou au service fait : merci d’émettre une nouvelle facture (ou un avoir).',
  },
  {
    code: 'PRIX_NON_CONFORME',
    group: 'reject',
    proposes: 'reject',
    label: 'Prix non conformes au marché',
    wording: 'Les prix facturés ne sont pas conformes au marché : merci d’émettre une nouvelle facture.',
  },
  {
    code: 'PRESTATION_NON_REALISEE',
    group: 'reject',
    proposes: 'reject',
    label: 'Prestation non réalisée',
    wording: "La prestation facturée n'a pas été réalisée ou livrée : la facture est rejetée.",
  },
  {
    code: 'DOUBLON',
    group: 'reject',
    proposes: 'reject',
    label: 'Facture en double',
    wording: 'Cette facture a déjà été reçue : elle est rejetée en tant que doublon.',
  },
  {
    code: 'TVA_ERRONEE',
    group: 'reject',
    proposes: 'reject',
    label: 'TVA erronée',
    wording: "Le taux ou le montant de TVA est erroné : merci d’émettre une nouvelle facture.",
  },
  {
    code: 'FOURNISSEUR_INCONNU',
    group: 'reject',
    proposes: 'reject',
    label: 'Aucune commande à ce fournisseur',
    wording: "Aucune commande n'a été passée auprès de votre entreprise pour cette prestation : la facture est rejetée.",
  },
  {
    code: 'AUTRE_REJET',
    group: 'reject',
    proposes: 'reject',
    label: 'Autre motif de rejet',
    wording: 'La facture est rejetée :',
    commentRequired: true,
  },
  // Listed under reject because that is where agents look for them, but the guided choice
  // proposes the lighter return: Chorus lets the supplier fix these without a new invoice.
  {
    code: 'MAUVAIS_SERVICE',
    group: 'reject',
    proposes: 'recycle',
    label: 'Facture adressée au mauvais service',
    wording: "La facture n'est pas adressée au bon service : merci de la recycler avec le bon code service.",
  },
  {
    code: 'BON_DE_COMMANDE_INCONNU',
    group: 'reject',
    proposes: 'recycle',
    label: 'Bon de commande inconnu',
    wording: "Le numéro de bon de commande indiqué est inconnu : merci de recycler la facture avec le bon numéro d'engagement.",
  },
  {
    code: 'JUSTIFICATIF_ABSENT',
    group: 'reject',
    proposes: 'suspend',
    label: 'Justificatif absent',
    wording: 'Un justificatif nécessaire au paiement est absent : merci de compléter la facture.',
  },
];

const BY_CODE = new Map(DECISION_REASONS.map((reason) => [reason.code, reason]));

export const DECISION_LABELS: Record<DecisionKind, string> = {
  suspend: 'Suspendre (pièce ou mention à compléter)',
  reject: 'Rejeter (nouvelle facture nécessaire)',
  recycle: "Renvoyer au recyclage (erreur d'acheminement)",
  service_fait: 'Certifier le service fait',
};

export class DecisionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DecisionError';
  }
}

export function findReason(code: string): DecisionReason | undefined {
  return BY_CODE.get(code.trim().toUpperCase());
}

export function reasonsForGroup(group: ReturnDecision): DecisionReason[] {
  return DECISION_REASONS.filter((reason) => reason.group === group);
}

/** The catalogue grouped as the guided choice shows it. */
export function groupedCatalogue(): Record<ReturnDecision, DecisionReason[]> {
  return { suspend: reasonsForGroup('suspend'), reject: reasonsForGroup('reject'), recycle: reasonsForGroup('recycle') };
}

export function resolveReasons(codes: readonly string[]): DecisionReason[] {
  const reasons: DecisionReason[] = [];
  for (const code of codes) {
    const reason = findReason(code);
    if (!reason) {
      throw new DecisionError(`Motif inconnu : « ${code} ». Motifs possibles : ${DECISION_REASONS.map((item) => item.code).join(', ')}.`);
    }
    if (!reasons.includes(reason)) reasons.push(reason);
  }
  return reasons;
}

/**
 * The decision the guided choice proposes for these reasons. Wrong billing data needs a new
 * invoice, whatever else is wrong (reject); otherwise a routing problem is fixed by recycling
 * (A_RECYCLER), and a missing document by suspending. `canSuspend` false (already suspended once,
 * or mandated) turns a suspension into a rejection.
 */
export function proposeDecision(codes: readonly string[], options: { canSuspend?: boolean } = {}): ReturnDecision | null {
  const reasons = resolveReasons(codes);
  if (reasons.length === 0) return null;
  const proposals = new Set(reasons.map((reason) => reason.proposes));
  if (proposals.has('reject')) return 'reject';
  if (proposals.has('recycle')) return 'recycle';
  return options.canSuspend === false ? 'reject' : 'suspend';
}

export type CheckedDecision = {
  reasons: DecisionReason[];
  /** The motif sent to Chorus, ≤ 255 characters. */
  motif: string;
  proposed: ReturnDecision | null;
  /** French warnings for the agent (the choice is allowed but not the one proposed). */
  warnings: string[];
};

/**
 * Checks a return decision against its reasons and builds the motif. A suspension must be for a
 * missing document or mention (CCP R2192-27), recycling for routing data (the only fields the
 * supplier may change); a rejection is always possible, with a warning when a lighter return fits.
 */
export function checkDecision(
  decision: ReturnDecision,
  codes: readonly string[],
  comment?: string | null,
  options: { canSuspend?: boolean } = {},
): CheckedDecision {
  const reasons = resolveReasons(codes);
  const note = comment?.trim() ?? '';
  if (reasons.length === 0) throw new DecisionError('Choisissez au moins un motif : il est transmis au fournisseur sur Chorus Pro.');
  for (const reason of reasons) {
    if (reason.commentRequired && !note) throw new DecisionError(`Le motif « ${reason.label} » demande un commentaire pour le fournisseur.`);
  }
  const proposed = proposeDecision(codes, options);
  const warnings: string[] = [];
  if (decision === 'suspend') {
    const wrong = reasons.filter((reason) => reason.proposes !== 'suspend');
    if (wrong.length > 0) {
      throw new DecisionError(
        `La suspension ne vaut que pour une pièce ou une mention à compléter ; « ${wrong.map((r) => r.label).join(' », « ')} » relève d'un ${
          wrong.some((r) => r.proposes === 'reject') ? 'rejet' : 'recyclage'
        }.`,
      );
    }
  } else if (decision === 'recycle') {
    const wrong = reasons.filter((reason) => reason.proposes !== 'recycle');
    if (wrong.length > 0) {
      throw new DecisionError(
        `Le recyclage ne permet au fournisseur de corriger que les données d'acheminement (SIRET, code service, engagement) ; « ${wrong
          .map((r) => r.label)
          .join(' », « ')} » ne s'y prête pas.`,
      );
    }
  } else if (proposed && proposed !== 'reject') {
    warnings.push(
      proposed === 'recycle'
        ? "Le problème porte sur l'acheminement : « À recycler » permet au fournisseur de corriger sans émettre une nouvelle facture. Le rejet est définitif."
        : 'Le problème porte sur une pièce à compléter : une suspension permet au fournisseur de compléter sans émettre une nouvelle facture. Le rejet est définitif.',
    );
  }
  const sentences = reasons.map((reason) => reason.wording);
  const text = normaliseMotif([...sentences, note].filter(Boolean).join(' '));
  const tooLong = motifLengthProblem(text, note);
  if (tooLong) throw new DecisionError(tooLong);
  return { reasons, motif: text, proposed, warnings };
}

/** The motif as it is sent: one space between words. */
export function normaliseMotif(motif: string): string {
  return motif.replace(/\s+/g, ' ').trim();
}

/**
 * Why this motif cannot be sent, in French, or null: Chorus Pro takes MOTIF_MAX_LENGTH characters
 * and a motif is never cut — the supplier would read half a sentence. Says how many characters to
 * remove. The CLI, the HTTP API and the web dialog show this same message.
 */
export function motifLengthProblem(motif: string, comment?: string | null): string | null {
  const length = normaliseMotif(motif).length;
  if (length <= MOTIF_MAX_LENGTH) return null;
  const excess = length - MOTIF_MAX_LENGTH;
  const chars = `${excess} caractère${excess > 1 ? 's' : ''}`;
  const commentLength = normaliseMotif(comment ?? '').length;
  const what = commentLength >= excess ? `raccourcissez le commentaire de ${chars}` : `retirez ${chars} (le commentaire n'y suffit pas : choisissez moins de motifs)`;
  return `Motif trop long : ${length} caractères pour ${MOTIF_MAX_LENGTH} au plus sur Chorus Pro ; ${what}.`;
}
