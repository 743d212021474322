// Matching an invoice to the engagement(s) it pays: candidates ranked by a score out of 100, each
// with the reasons a gestionnaire reads, an automatic match only when one candidate is clearly
// right, suggestions otherwise, the spread over several engagements, and the classic traps flagged.
//
// Score (capped to 0..100): engagement number identical 50, equivalent 40, one typing error 35;
// supplier = engagement's tiers 25 (same SIREN, other establishment 15; another tiers −15);
// remaining amount covers the invoice 15; service identical 5; exercice open 5 (closed −10);
// marché identical 5; budget of the receiving structure 3 (another structure −5); engagement not
// open −20. Automatic ("matched"): number found, supplier = tiers, amount covered, engagement and
// exercice open, ahead of the next candidate by AUTO_MARGIN, and no anomaly that needs a person.
import { normalizeEngagementNumber, type NumberMatchKind } from './engagement-number.ts';
import { detectAnomalies } from './anomalies.ts';
import { comparableAmounts, euros } from './format.ts';
import type {
  Anomaly,
  AnomalyCode,
  Candidate,
  MatchEngagement,
  MatchInput,
  MatchResult,
  MatchStatus,
  SplitPart,
  VatRegime,
} from './types.ts';

export const AUTO_MARGIN = 15;
/** Below this a candidate is not worth showing as a suggestion. */
export const SUGGESTION_THRESHOLD = 30;
/** Anomalies after which a person must look, even when everything else agrees. */
const BLOCKING: ReadonlySet<AnomalyCode> = new Set([
  'duplicate',
  'iban_unknown',
  'credit_note_without_original',
  'ht_ttc_inconsistent',
  'unknown_supplier',
  'engagement_exhausted',
]);

const NUMBER_POINTS: Record<NumberMatchKind, number> = { exact: 50, equivalent: 40, typo: 35 };

type Scored = Candidate & { source: MatchEngagement; base: VatRegime; amountCents: bigint | null; remainingCents: bigint };

function sameText(a: string | null, b: string | null): boolean {
  return a !== null && b !== null && normalizeEngagementNumber(a) !== '' && normalizeEngagementNumber(a) === normalizeEngagementNumber(b);
}

function scoreCandidate(input: MatchInput, engagement: MatchEngagement, numberMatch: NumberMatchKind | null, reference: string | null): Scored {
  const { invoice, tiers } = input;
  const reasons: string[] = [];
  let score = 0;
  if (numberMatch) {
    score += NUMBER_POINTS[numberMatch];
    reasons.push(
      numberMatch === 'exact'
        ? "n° d'engagement identique"
        : numberMatch === 'equivalent'
          ? `n° d'engagement équivalent (« ${reference} » ≈ ${engagement.numero})`
          : `n° d'engagement à une faute de frappe près (« ${reference} » ≈ ${engagement.numero})`,
    );
  } else {
    reasons.push(invoice.orderReference ? `n° d'engagement différent (« ${invoice.orderReference} »)` : "pas de n° d'engagement sur la facture");
  }

  let supplierAgrees = false;
  if (engagement.tiers && invoice.sellerSiret && engagement.tiers.siret === invoice.sellerSiret) {
    score += 25;
    supplierAgrees = true;
    reasons.push(`SIRET = tiers ${engagement.tiers.name}`);
  } else if (engagement.tiers && invoice.sellerSiret && engagement.tiers.siret.slice(0, 9) === invoice.sellerSiret.slice(0, 9)) {
    score += 15;
    reasons.push(`même SIREN que le tiers ${engagement.tiers.name} (autre établissement)`);
  } else if (engagement.tiers) {
    score -= 15;
    reasons.push(`engagement d'un autre tiers : ${engagement.tiers.name} (SIRET ${engagement.tiers.siret})`);
  } else if (tiers === null) {
    reasons.push('engagement sans tiers');
  }

  const { base, amountCents, remainingCents } = comparableAmounts(input, engagement);
  let amountFits = false;
  if (amountCents === null) {
    reasons.push('montant de la facture inconnu');
  } else if (invoice.documentType === 'creditNote') {
    reasons.push(`avoir de ${euros(amountCents)} ${base}`);
  } else if (remainingCents >= amountCents) {
    score += 15;
    amountFits = true;
    reasons.push(`reste ${euros(remainingCents)} ≥ ${euros(amountCents)} ${base}`);
  } else {
    reasons.push(`reste ${euros(remainingCents)} < ${euros(amountCents)} ${base}`);
  }

  if (invoice.serviceCode && (engagement.chorusServiceCodes.includes(invoice.serviceCode) || engagement.serviceCode === invoice.serviceCode)) {
    score += 5;
    reasons.push('service identique');
  }
  if (engagement.exerciceOpen) {
    score += 5;
    reasons.push('exercice ouvert');
  } else {
    score -= 10;
    reasons.push(`exercice ${engagement.exercice} clos`);
  }
  if (sameText(invoice.contractReference, engagement.marche)) {
    score += 5;
    reasons.push('marché identique');
  }
  if (invoice.buyerSiret && engagement.budget.siret) {
    if (invoice.buyerSiret === engagement.budget.siret) {
      score += 3;
      reasons.push(`budget ${engagement.budget.code} de la structure destinataire`);
    } else {
      score -= 5;
      reasons.push(`budget ${engagement.budget.code} rattaché à un autre SIRET (${engagement.budget.siret})`);
    }
  }
  if (engagement.status !== 'open') {
    score -= 20;
    reasons.push(engagement.status === 'cancelled' ? 'engagement annulé' : 'engagement soldé');
  }
  return {
    engagement: { id: engagement.id, numero: engagement.numero, exercice: engagement.exercice, budget: engagement.budget.code },
    score: Math.max(0, Math.min(100, score)),
    reasons,
    numberMatch,
    supplierAgrees,
    amountFits,
    source: engagement,
    base,
    amountCents,
    remainingCents,
  };
}

function rank(candidates: Scored[]): Scored[] {
  return candidates.sort(
    (a, b) => b.score - a.score || a.engagement.numero.localeCompare(b.engagement.numero) || a.engagement.id.localeCompare(b.engagement.id),
  );
}

/** Fills engagements in order until the invoice amount is covered; null when it cannot be. */
function fill(engagements: Scored[], amountCents: bigint): SplitPart[] | null {
  let left = amountCents;
  const parts: SplitPart[] = [];
  for (const candidate of engagements) {
    if (left <= 0n) break;
    if (candidate.remainingCents <= 0n) continue;
    const take = candidate.remainingCents < left ? candidate.remainingCents : left;
    parts.push({ engagementId: candidate.source.id, numero: candidate.source.numero, amountCents: Number(take), base: candidate.base });
    left -= take;
  }
  return left === 0n && parts.length > 1 ? parts : null;
}

function describeSplit(parts: SplitPart[]): string {
  const list = parts.map((part) => `${part.numero} (${euros(BigInt(part.amountCents))})`).join(' + ');
  return `réparti sur ${parts.length} engagements : ${list} ${parts[0]!.base}`;
}

export function matchInvoice(input: MatchInput): MatchResult {
  const { invoice } = input;
  const byId = new Map<string, Scored>();
  for (const hit of input.numberHits) {
    const scored = scoreCandidate(input, hit.engagement, hit.kind, hit.reference);
    const previous = byId.get(hit.engagement.id);
    if (!previous || previous.score < scored.score) byId.set(hit.engagement.id, scored);
  }
  for (const engagement of input.tiersEngagements) {
    if (byId.has(engagement.id) || engagement.status !== 'open') continue;
    byId.set(engagement.id, scoreCandidate(input, engagement, null, null));
  }
  const ranked = rank([...byId.values()]);
  const best = ranked[0];
  const second = ranked[1];

  // Several engagements quoted, all of this supplier and this budget: the invoice is split.
  const quoted = ranked.filter((candidate) => candidate.numberMatch === 'exact' && candidate.supplierAgrees);
  let split: SplitPart[] | null = null;
  let splitIsQuoted = false;
  if (best && best.amountCents !== null && invoice.documentType === 'invoice') {
    const sameBudget = (candidate: Scored) => candidate.source.budget.id === best.source.budget.id;
    const quotedOrder = input.numberHits
      .map((hit) => quoted.find((candidate) => candidate.source.id === hit.engagement.id))
      .filter((candidate, index, all): candidate is Scored => candidate !== undefined && all.indexOf(candidate) === index);
    if (quotedOrder.length >= 2 && quotedOrder.every(sameBudget)) {
      split = fill(quotedOrder, best.amountCents);
      splitIsQuoted = split !== null;
    }
    if (!split && best.numberMatch && !best.amountFits && best.supplierAgrees) {
      // The quoted engagement is short: complete with the supplier's other open engagements of the budget.
      const others = ranked.filter((candidate) => candidate !== best && sameBudget(candidate) && candidate.supplierAgrees && candidate.source.status === 'open');
      split = fill([best, ...others], best.amountCents);
    }
  }

  const anomalies: Anomaly[] = detectAnomalies(input, best && (best.numberMatch || best.supplierAgrees) ? best.source : null, splitIsQuoted);
  const blocked = anomalies.some((anomaly) => BLOCKING.has(anomaly.code));

  let status: MatchStatus = 'none';
  const reasons = best ? [...best.reasons] : [];
  if (split) reasons.push(describeSplit(split));
  if (best) {
    const clear =
      best.numberMatch !== null &&
      best.supplierAgrees &&
      (best.amountFits || splitIsQuoted) &&
      best.source.status === 'open' &&
      best.source.exerciceOpen &&
      invoice.documentType === 'invoice' &&
      (!second || best.score - second.score >= AUTO_MARGIN || splitIsQuoted);
    if (clear && !blocked) status = 'matched';
    else if (best.score >= SUGGESTION_THRESHOLD || best.numberMatch !== null) status = 'suggested';
    if (clear && blocked) reasons.push('à vérifier : anomalie détectée');
    else if (status === 'suggested' && second && best.score - second.score < AUTO_MARGIN && second.score >= SUGGESTION_THRESHOLD) {
      reasons.push(`plusieurs engagements possibles (${second.engagement.numero} : ${second.score})`);
    }
  } else if (invoice.withoutMetadata) {
    reasons.push('facture sans métadonnée : rapprochement manuel');
  }

  const chosen = status === 'none' ? null : best!;
  return {
    invoiceId: invoice.id,
    status,
    engagement: chosen ? { id: chosen.engagement.id, numero: chosen.engagement.numero } : null,
    score: chosen ? chosen.score : 0,
    reasons: status === 'none' && best ? [`meilleur candidat ${best.engagement.numero} : ${best.score}`, ...reasons] : reasons,
    anomalies,
    candidates: ranked.slice(0, 5).map(({ source: _s, base: _b, amountCents: _a, remainingCents: _r, ...candidate }) => candidate),
    split,
  };
}
