// Amounts in the reasons, written the French way: "1 240 €", "1 240,50 €".
import { Decimal } from '../money.ts';
import type { MatchEngagement, MatchInput, VatRegime } from './types.ts';

/** Integer cents of a decimal string, null when absent or unreadable. */
export function amountIn(value: string | null): bigint | null {
  const parsed = Decimal.tryParse(value);
  return parsed ? parsed.toCents() : null;
}

export function euros(cents: bigint): string {
  const value = Decimal.fromCents(cents);
  return `${value.toFrench(cents % 100n === 0n ? 0 : 2)}\u00a0€`;
}

/** The invoice amount and the engagement's remaining, in the base its budget mandates. */
export function comparableAmounts(
  input: MatchInput,
  engagement: MatchEngagement,
): { base: VatRegime; amountCents: bigint | null; remainingCents: bigint } {
  const { invoice } = input;
  const wantsHt = engagement.budget.vatRegime === 'HT';
  if (wantsHt && engagement.remainingHtCents !== null && invoice.amountHt !== null) {
    return { base: 'HT', amountCents: amountIn(invoice.amountHt), remainingCents: BigInt(engagement.remainingHtCents) };
  }
  return { base: 'TTC', amountCents: amountIn(invoice.amountTtc), remainingCents: BigInt(engagement.remainingTtcCents) };
}

