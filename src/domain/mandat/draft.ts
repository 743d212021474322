// The mandat pre-filled from what Liasse already knows — invoice(s), their engagement allocations,
// the tiers and the budget — and the checks made before it is saved. Pure: the use case loads the
// rows, this decides. Every problem is reported at once, in French, so the user fixes them together.
import { actionRefusal, canTransition, STATUS_LABELS, isInvoiceStatus } from '../lifecycle.ts';
import { Decimal } from '../money.ts';
import {
  type AllocationAmounts,
  cents,
  centsToString,
  engagementRemainingCents,
  type LineAmounts,
  splitInvoiceAmounts,
  sumLines,
  type VatRegime,
} from './amounts.ts';

export type DraftBudget = { id: string; code: string; vatRegime: VatRegime };
export type DraftExercice = { year: number; open: boolean } | null;
export type DraftTiers = { id: string; siret: string; name: string; ibans: string[] } | null;

export type DraftEngagement = {
  id: string;
  numero: string;
  exercice: number;
  budgetId: string;
  tiersId: string | null;
  serviceCode: string | null;
  section: string | null;
  chapitre: string | null;
  nature: string | null;
  fonction: string | null;
  operation: string | null;
  objet: string | null;
  amountTtcCents: number;
  amountHtCents: number | null;
  liquidatedTtcCents: number;
  liquidatedHtCents: number;
  status: string;
};

export type DraftFile = { role: string; filename: string; mimeType: string | null; size: number; sha256: string };

export type DraftInvoice = {
  id: string;
  number: string | null;
  documentType: string;
  status: string;
  sellerSiret: string | null;
  sellerName: string | null;
  amountHt: string | null;
  amountTva: string | null;
  amountTtc: string | null;
  iban: string | null;
  bic: string | null;
  paymentMeansCode: string | null;
  designation: string | null;
  files: DraftFile[];
  /** Number of a live (not cancelled) mandat already carrying this invoice. */
  mandatedBy: number | null;
  /** invoices.quarantined / history_only / quarantine_reason: such an invoice is never mandated. */
  quarantined?: number | boolean;
  quarantineReason?: string | null;
  historyOnly?: number | boolean;
  allocations: (AllocationAmounts & { engagement: DraftEngagement })[];
};

export type DraftDgp = { startDate: string | null; expiryDate: string | null; totalDays: number } | null;

export type MandatDraftInput = {
  budget: DraftBudget;
  exercice: DraftExercice;
  tiers: DraftTiers;
  invoices: DraftInvoice[];
  /** DGP of the first invoice (the mandat carries one délai: its earliest). */
  dgp: DraftDgp;
};

export type DraftLine = LineAmounts & {
  lineNo: number;
  invoiceId: string;
  invoiceNumber: string | null;
  engagement: DraftEngagement;
};

export type MandatDraft = {
  budgetId: string;
  exercice: number;
  tiersId: string;
  objet: string;
  serviceCode: string | null;
  typPce: string;
  natPce: string;
  modeReglement: string;
  iban: string | null;
  bic: string | null;
  accountHolder: string | null;
  invoiceNumbers: string[];
  vatRegime: VatRegime;
  lines: DraftLine[];
  totals: { ht: string; tva: string; ttc: string; htCents: number; tvaCents: number; ttcCents: number; chargedCents: number };
  dgp: { start: string; expiry: string; days: number } | null;
  pjs: (DraftFile & { invoiceId: string; description: string })[];
};

export type DraftProblem = { code: string; message: string };

export class MandatCheckError extends Error {
  constructor(readonly problems: DraftProblem[]) {
    super(`Le mandat ne peut pas être émis :\n${problems.map((problem) => `  - ${problem.message}`).join('\n')}`);
    this.name = 'MandatCheckError';
  }
}

/** UNTDID 4461 codes that mean a credit transfer (BT-81); no code at all defaults to a transfer. */
const TRANSFER_MEANS = new Set(['30', '31', '42', '58']);
// Why an invoice the lifecycle refuses to mandate (src/domain/lifecycle.ts decides; this only words it).
const NOT_MANDATABLE_WHY: Record<string, string> = {
  suspended: 'est suspendue : attendre le complément du fournisseur',
  to_recycle: 'est à recycler',
  rejected: 'a été rejetée',
  mandated: 'est déjà mandatée',
  sent_to_accountant: 'est déjà transmise au comptable',
  paid: 'est déjà mise en paiement',
};

export function normaliseIban(value: string): string {
  return value.replace(/\s+/g, '').toUpperCase();
}

/** ISO 13616 check (mod 97). */
export function isValidIban(value: string): boolean {
  const iban = normaliseIban(value);
  if (!/^[A-Z]{2}\d{2}[A-Z0-9]{1,30}$/.test(iban)) return false;
  const rearranged = iban.slice(4) + iban.slice(0, 4);
  const digits = rearranged.replace(/[A-Z]/g, (letter) => String(letter.charCodeAt(0) - 55));
  let remainder = 0;
  for (const digit of digits) remainder = (remainder * 10 + Number(digit)) % 97;
  return remainder === 1;
}

function euros(centsValue: number): string {
  return `${Decimal.fromCents(centsValue).toFrench()} €`;
}

/**
 * `partial`: also return the draft when some checks fail (as far as it can be built: a known tiers and
 * at least one reconciled line) — the preview shows the pre-filled form beside its failing checks.
 * createMandat never passes it: a draft with problems is never saved.
 */
export function buildMandatDraft(input: MandatDraftInput, options: { partial?: boolean } = {}): { draft: MandatDraft | null; problems: DraftProblem[] } {
  const problems: DraftProblem[] = [];
  const add = (code: string, message: string) => problems.push({ code, message });
  const { budget, tiers, invoices } = input;
  if (invoices.length === 0) add('no_invoice', 'Aucune facture à mandater.');

  const lines: DraftLine[] = [];
  const exercices = new Set<number>();
  for (const invoice of invoices) {
    const label = `La facture ${invoice.number ?? invoice.id}`;
    if (invoice.documentType === 'creditNote') {
      add('credit_note', `${label} est un avoir : il ne se mandate pas (réduction ou annulation du mandat d'origine).`);
    }
    const refusal = actionRefusal({ id: invoice.id, number: invoice.number, quarantined: invoice.quarantined ?? 0, quarantineReason: invoice.quarantineReason ?? null, historyOnly: invoice.historyOnly ?? 0 });
    if (refusal) add(Number(invoice.quarantined ?? 0) === 1 || invoice.quarantined === true ? 'quarantined' : 'history_only', refusal);
    if (invoice.mandatedBy !== null) add('already_mandated', `${label} est déjà portée par le mandat n° ${invoice.mandatedBy}.`);
    else if (!canTransition(invoice.status, 'mandated') && canTransition(invoice.status, 'certify_service_fait')) {
      // Liquidation after service fait only (domain.md §1.2); a credit note is refused above.
      if (invoice.documentType !== 'creditNote') {
        add('service_fait_missing', `Le service fait n'est pas certifié pour la facture ${invoice.number ?? invoice.id} : le certifier avant de mandater.`);
      }
    } else if (!canTransition(invoice.status, 'mandated')) {
      const why = NOT_MANDATABLE_WHY[invoice.status] ?? `est « ${isInvoiceStatus(invoice.status) ? STATUS_LABELS[invoice.status] : invoice.status} » : elle ne peut pas être mandatée`;
      add('invoice_status', `${label} ${why}.`);
    }
    if (invoice.allocations.length === 0) {
      add('not_reconciled', `${label} n'est rapprochée d'aucun engagement : la rapprocher avant de mandater.`);
      continue;
    }
    const ht = Decimal.tryParse(invoice.amountHt);
    const tva = Decimal.tryParse(invoice.amountTva);
    const ttc = Decimal.tryParse(invoice.amountTtc);
    if (!ht || !tva || !ttc) {
      add('invoice_amounts_missing', `${label} n'a pas de montants HT, TVA et TTC lisibles : la suspendre ou la rejeter.`);
      continue;
    }
    if (!ht.add(tva).eq(ttc)) {
      add('invoice_amounts_inconsistent', `${label} est incohérente : HT + TVA ≠ TTC. La suspendre ou la rejeter ; le montant ne se corrige pas.`);
    }
    if (ttc.isNegative() || ttc.isZero()) add('invoice_amount_not_positive', `${label} a un montant TTC nul ou négatif.`);
    const allocatedTtc = invoice.allocations.reduce((sum, allocation) => sum + allocation.amountTtcCents, 0);
    if (allocatedTtc !== cents(ttc.toString())) {
      add(
        'allocation_mismatch',
        `${label} : les imputations (${euros(allocatedTtc)}) ne couvrent pas exactement son montant TTC (${euros(cents(ttc.toString()))}). ` +
          'Le montant du mandat est celui de la facture : compléter le rapprochement, ou suspendre ou rejeter la facture.',
      );
    }
    const knownHt = invoice.allocations.every((allocation) => allocation.amountHtCents !== null);
    if (knownHt) {
      const allocatedHt = invoice.allocations.reduce((sum, allocation) => sum + (allocation.amountHtCents ?? 0), 0);
      if (allocatedHt !== cents(ht.toString())) {
        add('allocation_mismatch_ht', `${label} : les imputations HT (${euros(allocatedHt)}) diffèrent de son montant HT (${euros(cents(ht.toString()))}).`);
      }
    }
    if (tiers && invoice.sellerSiret && invoice.sellerSiret !== tiers.siret) {
      add('tiers_mismatch', `${label} est émise par le SIRET ${invoice.sellerSiret}, pas par le tiers ${tiers.name} (${tiers.siret}).`);
    }
    const split = splitInvoiceAmounts({ ht: ht.toString(), tva: tva.toString(), ttc: ttc.toString() }, invoice.allocations, budget.vatRegime);
    split.forEach((amounts, index) => {
      const engagement = invoice.allocations[index]!.engagement;
      lines.push({ ...amounts, lineNo: lines.length + 1, invoiceId: invoice.id, invoiceNumber: invoice.number, engagement });
    });
  }

  // Engagement checks: once per engagement, on the sum charged to it by this mandat.
  const chargedByEngagement = new Map<string, { engagement: DraftEngagement; charged: number }>();
  for (const line of lines) {
    const entry = chargedByEngagement.get(line.engagement.id) ?? { engagement: line.engagement, charged: 0 };
    entry.charged += line.chargedCents;
    chargedByEngagement.set(line.engagement.id, entry);
  }
  for (const { engagement, charged } of chargedByEngagement.values()) {
    const label = `L'engagement ${engagement.numero}`;
    exercices.add(engagement.exercice);
    if (engagement.budgetId !== budget.id) add('engagement_budget', `${label} n'appartient pas au budget ${budget.code}.`);
    if (engagement.status !== 'open') add('engagement_closed', `${label} est ${engagement.status === 'cancelled' ? 'annulé' : 'soldé'}.`);
    if (!engagement.nature || !/^\d{1,12}$/.test(engagement.nature)) {
      add('imputation_missing', `${label} n'a pas d'imputation par nature exploitable (compte « ${engagement.nature ?? ''} »).`);
    }
    if (engagement.fonction && !/^\d{1,10}$/.test(engagement.fonction)) add('imputation_fonction', `${label} a une fonction invalide (« ${engagement.fonction} »).`);
    if (engagement.operation && !/^\d{1,10}$/.test(engagement.operation)) add('imputation_operation', `${label} a une opération invalide (« ${engagement.operation} »).`);
    if (tiers && engagement.tiersId && engagement.tiersId !== tiers.id) add('engagement_tiers', `${label} est pris pour un autre tiers.`);
    const { basis, remainingCents } = engagementRemainingCents(engagement, budget.vatRegime);
    if (charged > remainingCents) {
      add(
        'engagement_insufficient',
        `${label} n'a plus que ${euros(remainingCents)} ${basis} disponibles, le mandat en demande ${euros(charged)}.`,
      );
    }
  }
  if (exercices.size > 1) add('exercice_mixed', 'Les engagements relèvent de plusieurs exercices : un mandat par exercice.');
  const exercice = [...exercices][0] ?? input.exercice?.year ?? 0;
  if (!input.exercice) add('exercice_unknown', `L'exercice ${exercice} n'existe pas pour le budget ${budget.code}.`);
  else if (!input.exercice.open) add('exercice_closed', `L'exercice ${input.exercice.year} du budget ${budget.code} est clos.`);

  // Tiers and bank details.
  if (!tiers) {
    add('tiers_unknown', `Le fournisseur (SIRET ${invoices[0]?.sellerSiret ?? 'inconnu'}) n'est pas un tiers connu : l'importer dans le référentiel.`);
  }
  const first = invoices[0];
  const means = first?.paymentMeansCode?.trim() || null;
  const transfer = means === null || TRANSFER_MEANS.has(means);
  let iban: string | null = null;
  let bic: string | null = null;
  if (transfer && tiers) {
    const known = tiers.ibans.map(normaliseIban);
    const invoiceIbans = [...new Set(invoices.map((invoice) => invoice.iban).filter((value): value is string => !!value).map(normaliseIban))];
    if (invoiceIbans.length > 1) add('iban_several', 'Les factures portent des IBAN différents : un mandat par compte bancaire.');
    const wanted = invoiceIbans[0];
    if (wanted) {
      if (!known.includes(wanted)) {
        add('iban_unknown', `L'IBAN de la facture (${wanted}) n'est pas connu pour le tiers ${tiers.name} : le vérifier et l'ajouter au référentiel avant de payer.`);
      }
      iban = wanted;
      bic = first?.bic?.trim().toUpperCase() || null;
    } else if (known.length > 0) iban = known[0]!;
    else add('iban_missing', `Aucune coordonnée bancaire connue pour le tiers ${tiers.name} : un virement est impossible.`);
    if (iban && !isValidIban(iban)) add('iban_invalid', `L'IBAN ${iban} est invalide.`);
    if (bic && !/^[A-Z]{6}[A-Z2-9][A-NP-Z0-9]([A-Z0-9]{3})?$/.test(bic)) bic = null; // an unusable BIC is not sent: the IBAN suffices
  }
  if (invoices.length > 1 && new Set(invoices.map((invoice) => invoice.sellerSiret)).size > 1) {
    add('tiers_several', 'Les factures viennent de fournisseurs différents : un mandat par tiers.');
  }

  let dgp: MandatDraft['dgp'] = null;
  if (invoices.some((invoice) => invoice.documentType === 'creditNote')) {
    // Refused above (credit_note); a credit note runs no payment deadline to carry.
  } else if (!input.dgp || !input.dgp.startDate || !input.dgp.expiryDate) {
    add('dgp_unknown', "La date de départ du délai global de paiement est inconnue (ni dépôt ni mise à disposition) : l'ordre de payer doit la porter.");
  } else {
    dgp = { start: input.dgp.startDate, expiry: input.dgp.expiryDate, days: input.dgp.totalDays };
  }

  if (!tiers || lines.length === 0 || (problems.length > 0 && !options.partial)) return { draft: null, problems };

  const totals = sumLines(lines);
  const numbers = invoices.map((invoice) => invoice.number).filter((value): value is string => !!value);
  const firstEngagement = lines[0]!.engagement;
  const designation = firstEngagement.objet?.trim() || first?.designation?.trim() || 'Facture';
  const objet = `${designation} - Fact. ${numbers.join(', ') || first?.id}`;
  const pjs: MandatDraft['pjs'] = [];
  for (const invoice of invoices) {
    // The original format is the justificatif, never the pivot (domain.md §1.2).
    for (const file of invoice.files.filter((candidate) => candidate.role === 'original' || candidate.role === 'attachment')) {
      pjs.push({
        ...file,
        invoiceId: invoice.id,
        description: `${file.role === 'original' ? 'Facture' : 'Pièce jointe à la facture'} ${invoice.number ?? ''} reçue via Chorus Pro`.replace(/\s+/g, ' ').trim(),
      });
    }
  }
  return {
    problems,
    draft: {
      budgetId: budget.id,
      exercice,
      tiersId: tiers.id,
      objet,
      serviceCode: firstEngagement.serviceCode,
      typPce: '01',
      natPce: firstEngagement.section === 'I' ? '02' : '01',
      modeReglement: transfer ? '03' : means === '20' ? '02' : means === '49' || means === '59' ? '10' : '01',
      iban,
      bic,
      accountHolder: iban ? tiers.name : null,
      invoiceNumbers: numbers,
      vatRegime: budget.vatRegime,
      lines,
      totals: {
        ht: centsToString(totals.htCents),
        tva: centsToString(totals.tvaCents),
        ttc: centsToString(totals.ttcCents),
        ...totals,
      },
      dgp,
      pjs,
    },
  };
}

/** Checks an annulation/réduction: positive, and not more than what the mandat still carries. */
export function checkReduction(input: { originalStatus: string; originalChargedCents: number; alreadyReducedCents: number; amountCents: number; reason: string }): DraftProblem[] {
  const problems: DraftProblem[] = [];
  if (input.originalStatus !== 'accepted' && input.originalStatus !== 'sent') {
    problems.push({ code: 'not_sent', message: "Seul un mandat transmis au comptable s'annule ou se réduit par un mandat d'annulation." });
  }
  if (!input.reason.trim()) problems.push({ code: 'reason_missing', message: "Le motif de l'annulation ou de la réduction est obligatoire." });
  const left = input.originalChargedCents - input.alreadyReducedCents;
  if (input.amountCents <= 0) problems.push({ code: 'amount_not_positive', message: 'Le montant à annuler doit être positif.' });
  else if (input.amountCents > left) {
    problems.push({ code: 'amount_too_high', message: `Le mandat ne porte plus que ${euros(left)} : on ne peut pas annuler ${euros(input.amountCents)}.` });
  }
  return problems;
}
