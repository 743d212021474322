// Mandat amounts: split an invoice's HT/TVA/TTC over its engagement allocations, and say what each
// engagement is charged according to the budget's VAT regime (HT when the budget recovers VAT,
// else TTC). Amounts always come from the invoice: nothing here lets a user change them.
import { Decimal } from '../money.ts';

export type VatRegime = 'HT' | 'TTC';

export function vatRegimeOf(value: string): VatRegime {
  return value.trim().toUpperCase() === 'HT' ? 'HT' : 'TTC';
}

export type InvoiceTotals = { ht: string; tva: string; ttc: string };

export type AllocationAmounts = { engagementId: string; amountTtcCents: number; amountHtCents: number | null };

export type LineAmounts = {
  engagementId: string;
  htCents: number;
  tvaCents: number;
  ttcCents: number;
  /** What the engagement is charged (liquidated): HT or TTC per the regime. */
  chargedCents: number;
};

export function cents(value: string): number {
  return Number(Decimal.parse(value).toCents());
}

export function centsToString(value: number): string {
  return Decimal.fromCents(value).toString(2);
}

/**
 * One line per allocation. HT comes from the allocation when the matching gave it; otherwise the
 * invoice HT is spread in proportion of TTC, the last line taking the rounding remainder so the lines
 * always add up to the invoice exactly.
 */
export function splitInvoiceAmounts(totals: InvoiceTotals, allocations: readonly AllocationAmounts[], regime: VatRegime): LineAmounts[] {
  const invoiceHt = cents(totals.ht);
  const invoiceTtc = cents(totals.ttc);
  let htLeft = invoiceHt;
  return allocations.map((allocation, index) => {
    const ttcCents = allocation.amountTtcCents;
    let htCents: number;
    if (allocation.amountHtCents !== null) htCents = allocation.amountHtCents;
    else if (index === allocations.length - 1) htCents = htLeft;
    else if (invoiceTtc === 0) htCents = 0;
    else {
      htCents = Number(
        Decimal.fromCents(ttcCents).mul(Decimal.fromCents(invoiceHt)).div(Decimal.fromCents(invoiceTtc), 2).toCents(),
      );
    }
    htLeft -= htCents;
    const tvaCents = ttcCents - htCents;
    return { engagementId: allocation.engagementId, htCents, tvaCents, ttcCents, chargedCents: regime === 'HT' ? htCents : ttcCents };
  });
}

export type MandatTotals = { htCents: number; tvaCents: number; ttcCents: number; chargedCents: number };

export function sumLines(lines: readonly LineAmounts[]): MandatTotals {
  return lines.reduce(
    (total, line) => ({
      htCents: total.htCents + line.htCents,
      tvaCents: total.tvaCents + line.tvaCents,
      ttcCents: total.ttcCents + line.ttcCents,
      chargedCents: total.chargedCents + line.chargedCents,
    }),
    { htCents: 0, tvaCents: 0, ttcCents: 0, chargedCents: 0 },
  );
}

/**
 * What the PES line carries (NOTES.md §2, InfoLignePce): in a budget that recovers VAT, MtHT and
 * MtTVA; otherwise the TTC is the expense, sent as MtHT without MtTVA, and the invoice HT in MtFactHT.
 */
export function pesLineAmounts(line: { htCents: number; tvaCents: number; ttcCents: number }, regime: VatRegime): {
  mtHt: string;
  mtTva: string | null;
  mtFactHt: string | null;
} {
  if (regime === 'HT') return { mtHt: centsToString(line.htCents), mtTva: centsToString(line.tvaCents), mtFactHt: null };
  return { mtHt: centsToString(line.ttcCents), mtTva: null, mtFactHt: line.htCents !== line.ttcCents ? centsToString(line.htCents) : null };
}

/** Remaining on an engagement in the regime: HT when the budget recovers VAT and the HT is known. */
export function engagementRemainingCents(
  engagement: { amountTtcCents: number; amountHtCents: number | null; liquidatedTtcCents: number; liquidatedHtCents: number },
  regime: VatRegime,
): { basis: VatRegime; remainingCents: number } {
  if (regime === 'HT' && engagement.amountHtCents !== null) {
    return { basis: 'HT', remainingCents: engagement.amountHtCents - engagement.liquidatedHtCents };
  }
  return { basis: 'TTC', remainingCents: engagement.amountTtcCents - engagement.liquidatedTtcCents };
}
