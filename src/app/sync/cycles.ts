// Chorus status history → rows of chorus_history with their processing cycle. One invoice keeps one
// identity across cycles: the supplier completing a suspended invoice (COMPLETEE) or redepositing a
// recycled one (DEPOSEE after A_RECYCLER) opens cycle n+1, and that entry is the first of it.
import type { HistoStatut } from '../../chorus/types.ts';
import type { ChorusHistoryEntry } from '../../store/invoices.ts';

/**
 * Chorus instants are Paris local times written "YYYY-MM-DD HH:mm", "YYYY-MM-DDTHH:mm" or with
 * seconds; they are kept in local time (that is what the agents see in Chorus) as
 * "YYYY-MM-DDTHH:mm:ss" so they sort as text.
 */
export function normalizeChorusInstant(value: string): string {
  const match = /^(\d{4}-\d{2}-\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2}))?)?/.exec(value.trim());
  if (!match) return value.trim();
  const [, date, hours = '00', minutes = '00', seconds = '00'] = match;
  return `${date}T${hours}:${minutes}:${seconds}`;
}

export function computeCycles(history: HistoStatut[]): ChorusHistoryEntry[] {
  const ordered = history
    .map((entry) => ({ entry, at: normalizeChorusInstant(entry.histoStatutDatePassage) }))
    .sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : a.entry.histoStatutId - b.entry.histoStatutId));
  const rows: ChorusHistoryEntry[] = [];
  let cycle = 1;
  let recycled = false;
  for (const [index, { entry, at }] of ordered.entries()) {
    const status = entry.histoStatutCode;
    if (index > 0 && (status === 'COMPLETEE' || (status === 'DEPOSEE' && recycled))) {
      cycle += 1;
      recycled = false;
    }
    if (status === 'A_RECYCLER') recycled = true;
    const comment = entry.histoStatutCommentaire?.trim() ? entry.histoStatutCommentaire.trim() : null;
    rows.push({ status, at, comment, cycle });
  }
  return rows;
}
