// The mandat number as the outside world reads it. A mandat's `numero` restarts at 1 for each
// (budget, exercice) — the comptable's series — so on its own it is ambiguous: "1" is the first
// mandat of every budget every year. Chorus Pro (numeroDPMandat of traiterFactureRecue), the
// invoice timeline and the screens get the exercice and the budget code with it. No length limit is
// documented (API.md: a string; CPPStatutPivot_V1_19 IdMandatDP: xs:string): kept short anyway.

export type MandatNumberParts = { exercice: number | string; budgetCode: string; numero: number | string };

/** "2025-BP-12": exercice, budget code, number in the series. The one place this is built. */
export function mandatReference(parts: MandatNumberParts): string {
  const code = parts.budgetCode.trim().replace(/\s+/g, '_');
  return `${Number(parts.exercice)}-${code}-${Number(parts.numero)}`;
}
