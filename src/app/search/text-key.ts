// The FTS5 rowid of a search row on SQLite (migration 0010): the received date as a day ordinal
// times 2^31 plus seq, so that the posting lists, read by descending rowid, give the matches in
// the list's default order (received date, newest first, seq as the tiebreaker) without sorting.
// Must agree with the generated column invoice_search.text_key.

/** seq is below 2^31: the low bits of the key. */
export const TEXT_KEY_SEQ = 2_147_483_648;

/** Ordinal of a YYYY-MM-DD date, increasing with its byte order; 0 for '' or anything else. */
function dayOrdinal(date: string): number {
  const m = /^([1-9]\d{3})-([01]\d)-([0-3]\d)/.exec(date);
  if (!m) return 0;
  return (Number(m[1]) - 1000) * 372 + (Number(m[2]) - 1) * 31 + Number(m[3]);
}

export function textKey(receivedDate: string, seq: number): number {
  return dayOrdinal(receivedDate) * TEXT_KEY_SEQ + seq;
}

/**
 * The one-token value of the FTS `tenant` column. It begins with a Greek tau, which FTS5 keeps as a
 * letter and no query word (ASCII letters and digits, normalize.ts) can begin with: queries need no
 * column filter (which costs FTS5 the decoding of every position list) to leave it out.
 */
export function tenantToken(tenantId: string): string {
  return `\u03c4${tenantId.replace(/-/g, '')}`;
}
