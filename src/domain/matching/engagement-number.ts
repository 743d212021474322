// Engagement numbers as people type them: "EJ-2025/00123", "2025 123", "ej2025-0123". Matching
// compares them three ways, strongest first: the normalised form (upper case, no separators: the
// engagements.numero_normalized column), a loose key (leading letters dropped, leading zeros of each
// number dropped), and one typing error (a character added, missing, changed or two swapped).

export type NumberMatchKind = 'exact' | 'equivalent' | 'typo';

/** Upper case, accents removed, only letters and digits: what engagements.numero_normalized holds. */
export function normalizeEngagementNumber(value: string): string {
  return value
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .toUpperCase()
    .replace(/[^A-Z0-9]/g, '');
}

/** "EJ-2025/00123" and "2025-123" share the loose key "2025.123". Null when there is no digit. */
export function looseEngagementKey(value: string): string | null {
  const runs = value
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .toUpperCase()
    .match(/[A-Z]+|[0-9]+/g);
  if (!runs || !runs.some((run) => /\d/.test(run))) return null;
  let start = 0;
  while (start < runs.length && /^[A-Z]+$/.test(runs[start]!)) start += 1;
  return runs
    .slice(start)
    .map((run) => (/^\d+$/.test(run) ? run.replace(/^0+(?=\d)/, '') : run))
    .join('.');
}

/** Optimal string alignment distance (Levenshtein plus adjacent transposition), stopping above `max`. */
export function typingDistance(a: string, b: string, max = 2): number {
  if (Math.abs(a.length - b.length) > max) return max + 1;
  const rows = a.length + 1;
  const cols = b.length + 1;
  const d: number[][] = Array.from({ length: rows }, (_, i) => Array.from({ length: cols }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i < rows; i += 1) {
    let rowMin = Number.POSITIVE_INFINITY;
    for (let j = 1; j < cols; j += 1) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let value = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) value = Math.min(value, d[i - 2]![j - 2]! + 1);
      d[i]![j] = value;
      rowMin = Math.min(rowMin, value);
    }
    if (rowMin > max) return max + 1;
  }
  return d[a.length]![b.length]!;
}

/** Numbers shorter than this are not corrected: one error in "123" makes another valid number. */
const MIN_TYPO_LENGTH = 6;

function deletions(value: string): string[] {
  const out = new Set<string>();
  for (let index = 0; index < value.length; index += 1) out.add(value.slice(0, index) + value.slice(index + 1));
  return [...out];
}

export type NumberHit<T> = { engagement: T; kind: NumberMatchKind; reference: string };

/**
 * An in-memory index of the engagement numbers of one authority, answering "which engagements
 * does this reference designate?" in constant time per reference (symmetric-deletion index for the
 * typing errors), so that matching a whole backlog costs one load of the engagements.
 */
export class EngagementNumberIndex<T extends { numero: string }> {
  private readonly exact = new Map<string, T[]>();
  private readonly loose = new Map<string, T[]>();
  private readonly deleted = new Map<string, T[]>();

  constructor(engagements: Iterable<T> = []) {
    for (const engagement of engagements) this.add(engagement);
  }

  add(engagement: T): void {
    const normalized = normalizeEngagementNumber(engagement.numero);
    if (normalized === '') return;
    push(this.exact, normalized, engagement);
    const key = looseEngagementKey(engagement.numero);
    if (key) push(this.loose, key, engagement);
    if (normalized.length >= MIN_TYPO_LENGTH) {
      push(this.deleted, normalized, engagement);
      for (const variant of deletions(normalized)) push(this.deleted, variant, engagement);
    }
  }

  /** Engagements designated by one reference, best kind only. */
  findOne(reference: string): NumberHit<T>[] {
    const normalized = normalizeEngagementNumber(reference);
    if (normalized === '') return [];
    const exact = this.exact.get(normalized);
    if (exact) return exact.map((engagement) => ({ engagement, kind: 'exact', reference }));
    const key = looseEngagementKey(reference);
    const loose = key ? this.loose.get(key) : undefined;
    if (loose) return loose.map((engagement) => ({ engagement, kind: 'equivalent', reference }));
    if (normalized.length < MIN_TYPO_LENGTH) return [];
    const seen = new Set<T>();
    const hits: NumberHit<T>[] = [];
    for (const variant of [normalized, ...deletions(normalized)]) {
      for (const engagement of this.deleted.get(variant) ?? []) {
        if (seen.has(engagement)) continue;
        seen.add(engagement);
        if (typingDistance(normalized, normalizeEngagementNumber(engagement.numero), 1) <= 1) {
          hits.push({ engagement, kind: 'typo', reference });
        }
      }
    }
    return hits;
  }

  /**
   * Engagements designated by an invoice's order reference (BT-13), which may name several
   * ("2025-0012 / 2025-0013", "EJ1; EJ2"): the whole reference first, else each of its parts.
   */
  find(reference: string | null | undefined): NumberHit<T>[] {
    if (!reference || reference.trim() === '') return [];
    const whole = this.findOne(reference);
    if (whole.some((hit) => hit.kind === 'exact')) return whole;
    const parts = splitReferences(reference);
    if (parts.length > 1) {
      const byPart = parts.flatMap((part) => this.findOne(part));
      if (byPart.length > 0 && byPart.filter((hit) => hit.kind === 'exact').length >= 2) return byPart;
      if (whole.length === 0 && byPart.length > 0) return byPart;
    }
    return whole;
  }
}

/** Splits a reference naming several engagements; separators: , ; + & " et " and runs of spaces. */
export function splitReferences(reference: string): string[] {
  return reference
    .split(/\s*[,;+&]\s*|\s+et\s+|\s+/i)
    .map((part) => part.trim())
    .filter((part) => part !== '');
}

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) {
    if (!list.includes(value)) list.push(value);
  } else map.set(key, [value]);
}
