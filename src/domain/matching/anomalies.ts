// The traps a gestionnaire must see before liquidating: a duplicate, a changed IBAN, a credit note
// that corrects nothing known, HT and TTC mixed up, a supplier absent from the tiers, an engagement
// with nothing left. Each anomaly carries a code (filters, API) and a French message (screens).
import { normalizeEngagementNumber } from './engagement-number.ts';
import { amountIn, comparableAmounts, euros } from './format.ts';
import type { Anomaly, MatchEngagement, MatchInput, SiblingInvoice } from './types.ts';

export function normalizeIban(value: string): string {
  return value.replace(/[\s-]/g, '').toUpperCase();
}

function maskIban(iban: string): string {
  return iban.length > 8 ? `${iban.slice(0, 4)}…${iban.slice(-4)}` : iban;
}

function normalizedNumber(value: string | null): string {
  return value ? normalizeEngagementNumber(value) : '';
}

/** "F-2025-00012-B" re-deposits "F-2025-00012": one number extends the other (at least 4 characters). */
function numberExtends(a: string, b: string): boolean {
  if (a === '' || b === '' || a === b) return false;
  const [short, long] = a.length < b.length ? [a, b] : [b, a];
  return short.length >= 4 && long.startsWith(short);
}

/**
 * True when `other` was deposited before the invoice (the invoice is then the duplicate): Chorus
 * numbers invoices in deposit order; the received instant decides only between equal numbers.
 */
function isEarlier(input: MatchInput, other: SiblingInvoice): boolean {
  if (other.chorusId !== input.chorusId) return other.chorusId < input.chorusId;
  return (other.receivedAt ?? '') < (input.receivedAt ?? '');
}

function label(other: SiblingInvoice): string {
  return `${other.number ?? 'sans n°'} (Chorus ${other.chorusId})`;
}

export function detectAnomalies(input: MatchInput, engagement: MatchEngagement | null, splitCovers: boolean): Anomaly[] {
  const { invoice, tiers } = input;
  const anomalies: Anomaly[] = [];
  const live = input.siblings.filter((other) => other.id !== invoice.id && other.status !== 'rejected');

  // Duplicates: flagged on the later of the two, so the original can still be matched.
  if (invoice.sellerSiret) {
    const number = normalizedNumber(invoice.number);
    const sameNumber = live.find(
      (other) => number !== '' && other.documentType === invoice.documentType && normalizedNumber(other.number) === number && isEarlier(input, other),
    );
    const ttc = amountIn(invoice.amountTtc);
    const sameAmountAndDate = sameNumber
      ? undefined
      : live.find(
          (other) =>
            other.documentType === invoice.documentType &&
            ttc !== null &&
            amountIn(other.amountTtc) === ttc &&
            ((invoice.issueDate !== null && other.issueDate === invoice.issueDate) || numberExtends(number, normalizedNumber(other.number))) &&
            isEarlier(input, other),
        );
    if (sameNumber) {
      anomalies.push({ code: 'duplicate', message: `doublon : même fournisseur et même n° que la facture ${label(sameNumber)}` });
    } else if (sameAmountAndDate && ttc !== null) {
      anomalies.push({
        code: 'duplicate',
        message:
          sameAmountAndDate.issueDate === invoice.issueDate
            ? `doublon probable : même fournisseur, même montant (${euros(ttc)} TTC) et même date que la facture ${label(sameAmountAndDate)}`
            : `doublon probable : même fournisseur, même montant (${euros(ttc)} TTC) et n° dérivé de la facture ${label(sameAmountAndDate)}`,
      });
    }
  }

  // Chorus names the depositor even for a PDF without metadata: its SIRET is enough to check.
  if ((invoice.sellerSiret || (invoice.sellerName && !invoice.withoutMetadata)) && tiers === null) {
    anomalies.push({
      code: 'unknown_supplier',
      message: invoice.sellerSiret
        ? `fournisseur inconnu : SIRET ${invoice.sellerSiret} absent des tiers`
        : `fournisseur inconnu : ${invoice.sellerName} (sans SIRET)`,
    });
  }

  if (invoice.iban && tiers && tiers.ibans.length > 0) {
    const iban = normalizeIban(invoice.iban);
    const known = tiers.ibans.map(normalizeIban);
    if (!known.includes(iban)) {
      anomalies.push({
        code: 'iban_unknown',
        message: `IBAN ${maskIban(iban)} absent des IBAN connus du tiers ${tiers.name} (${known.map(maskIban).join(', ')})`,
      });
    }
  }

  if (invoice.documentType === 'creditNote') {
    const references = invoice.precedingInvoices.map(normalizedNumber).filter((number) => number !== '');
    if (references.length === 0) {
      anomalies.push({ code: 'credit_note_without_original', message: "avoir sans référence à la facture d'origine" });
    } else {
      const found = references.some((reference) =>
        input.siblings.some((other) => other.documentType === 'invoice' && normalizedNumber(other.number) === reference),
      );
      if (!found) {
        anomalies.push({
          code: 'credit_note_without_original',
          message: `avoir : facture d'origine ${invoice.precedingInvoices.join(', ')} introuvable chez ce fournisseur`,
        });
      }
    }
  }

  const ht = amountIn(invoice.amountHt);
  const tva = amountIn(invoice.amountTva);
  const ttc = amountIn(invoice.amountTtc);
  if (ht !== null && tva !== null && ttc !== null && (ht + tva - ttc > 1n || ttc - ht - tva > 1n)) {
    anomalies.push({
      code: 'ht_ttc_inconsistent',
      message: `HT + TVA ≠ TTC : ${euros(ht)} + ${euros(tva)} ≠ ${euros(ttc)}`,
    });
  } else if (engagement && ht !== null && ttc !== null && ht !== ttc) {
    // The supplier invoiced as TTC what was engaged HT (or the reverse): the amounts give it away.
    if (engagement.amountHtCents !== null && engagement.amountHtCents !== engagement.amountTtcCents && BigInt(engagement.amountHtCents) === ttc) {
      anomalies.push({
        code: 'ht_ttc_inconsistent',
        message: `confusion HT/TTC ? le TTC facturé (${euros(ttc)}) égale le montant HT engagé de ${engagement.numero}`,
      });
    } else if (engagement.amountHtCents !== null && engagement.amountHtCents !== engagement.amountTtcCents && BigInt(engagement.amountTtcCents) === ht) {
      anomalies.push({
        code: 'ht_ttc_inconsistent',
        message: `confusion HT/TTC ? le HT facturé (${euros(ht)}) égale le montant TTC engagé de ${engagement.numero}`,
      });
    }
  }

  const confusion = anomalies.some((anomaly) => anomaly.code === 'ht_ttc_inconsistent' && anomaly.message.startsWith('confusion'));
  if (engagement && invoice.documentType === 'invoice' && !splitCovers && !confusion) {
    const { base, amountCents, remainingCents } = comparableAmounts(input, engagement);
    if (amountCents !== null && remainingCents < amountCents) {
      anomalies.push({
        code: 'engagement_exhausted',
        message:
          remainingCents <= 0n
            ? `engagement ${engagement.numero} épuisé : reste ${euros(remainingCents)}, facture ${euros(amountCents)} ${base}`
            : `engagement ${engagement.numero} insuffisant : reste ${euros(remainingCents)} < ${euros(amountCents)} ${base}`,
      });
    }
  }
  return anomalies;
}
