// The single window's search: full text (accent- and case-insensitive words, the last one a prefix) over the
// invoice_search documents, filters, sorting, keyset pagination and facet counts, with the same
// results on SQLite (FTS5) and PostgreSQL (tsvector): both index the words normalize.ts produced,
// both sort on byte-ordered keys with `seq` as the tiebreaker.
//
// Cost bounded at millions of invoices (issue #5):
// - When the query only filters on facet dimensions (no text, amounts, dates, supplier, deadline),
//   total and facets are read exactly from invoice_search_facets (a few thousand rows).
// - Otherwise matches are counted up to COUNT_CAP + 1 in SQL (a COUNT over a LIMITed subquery; on
//   SQLite a text query without other filters is counted by FTS5 alone, its `tenant` column standing
//   for the tenant). Up to the cap, total and facets are exact, facets grouped by the database.
//   Beyond it, `total` is COUNT_CAP with `totalIsApproximate: true` (there are more), and facets
//   count a sample, `facetsAreApproximate: true`: the first FACET_SAMPLE results in the requested
//   order, or for a text query the FACET_SAMPLE received last. Both samples are defined by the data,
//   so both databases give the same figures.
// - Every query, text or not, is sorted by received date, newest first, unless asked otherwise. On
//   SQLite the FTS5 rowid is the text key (received date then seq, migration 0010): a page of a word
//   found in 300 000 invoices reads the posting lists backwards and stops after `limit` matches. An
//   explicit other sort is honoured, at the cost of sorting every match when they are many.
// - Pages are cut in SQL (keyset on the sort key and seq): the planner picks the filter's index and
//   sorts a small result, or walks the sort index for a large one.
import { CompiledQuery, type ExpressionBuilder, type Kysely, sql, type SqlBool, type Expression } from 'kysely';
import { Decimal } from '../../domain/money.ts';
import type { Dialect } from '../../store/db.ts';
import type { Database } from '../../store/schema.ts';
import { addDays, todayInParis } from '../../domain/dgp.ts';
import { foldText, fts5Query, queryWords, tsQuery } from './normalize.ts';
import { TEXT_KEY_SEQ, tenantToken, textKey } from './text-key.ts';

export type SearchFilters = {
  budget?: string;
  exercice?: number;
  /** Internal service code, or the Chorus service code when no internal service maps it. */
  service?: string;
  status?: string[];
  chorusStatus?: string[];
  /** A SIRET (14 digits) or the beginning of the supplier's name. */
  supplier?: string;
  /** Euros, decimal strings ("1200", "1 200,50"). */
  amountMin?: string;
  amountMax?: string;
  /** Received (made available) date range, YYYY-MM-DD, inclusive. */
  receivedFrom?: string;
  receivedTo?: string;
  issuedFrom?: string;
  issuedTo?: string;
  withoutMetadata?: boolean;
  /** true: matched or confirmed; false: anything else. */
  matched?: boolean;
  /** confirmed | matched | suggested | none | pending */
  matchState?: string;
  /** true / false, or one anomaly code (duplicate, iban_unknown, …). */
  anomaly?: boolean | string;
  /** Payment deadline at risk: délai global de paiement expiring within this many days (or passed), unpaid. */
  dgpRiskDays?: number;
  documentType?: 'invoice' | 'creditNote';
};

export const SORTS = ['received', 'issue', 'amount', 'supplier'] as const;
export type SortKey = (typeof SORTS)[number];

export type SearchQuery = {
  text?: string;
  filters?: SearchFilters;
  /** Sort key and direction; default received date, newest first. */
  sort?: SortKey;
  direction?: 'asc' | 'desc';
  limit?: number;
  /** The nextCursor of the previous page. */
  after?: string | null;
  /** Set false to skip facets (a next page does not need them). */
  facets?: boolean;
  /** Today (YYYY-MM-DD) for the deadline filter; defaults to today in France. */
  today?: string;
  /** Matches counted exactly up to this number (default COUNT_CAP); beyond, the total is a lower bound. */
  countCap?: number;
};

export type SearchItem = {
  invoiceId: string;
  number: string;
  supplierName: string;
  supplierSiret: string;
  amountTtc: string | null;
  issueDate: string | null;
  receivedDate: string | null;
  status: string;
  chorusStatus: string | null;
  budget: string | null;
  exercice: number | null;
  service: string | null;
  match: string;
  engagement: string | null;
  anomalies: string[];
  withoutMetadata: boolean;
  documentType: string;
  dgpExpiry: string | null;
};

export type Facets = Record<
  'status' | 'chorusStatus' | 'budget' | 'exercice' | 'service' | 'match' | 'anomaly' | 'anomalyCode' | 'withoutMetadata',
  Record<string, number>
>;
export type SearchResult = {
  /** Number of matches; a lower bound (COUNT_CAP) when totalIsApproximate. */
  total: number;
  /** True when there are more than `total` matches (counting stopped at the cap). */
  totalIsApproximate: boolean;
  items: SearchItem[];
  facets: Facets;
  /** True when the facets count a sample of the matches rather than all of them (see the header). */
  facetsAreApproximate: boolean;
  nextCursor: string | null;
};

/** Matches counted exactly; beyond, the total is reported as at least this. */
export const COUNT_CAP = 10_000;
/** Results the facets count when the matches are more than the cap (non-text queries). */
export const FACET_SAMPLE = 1_000;

export class SearchError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SearchError';
  }
}

const SORT_COLUMNS = { received: 'received_date', issue: 'issue_date', amount: 'amount_ttc_cents', supplier: 'supplier_key' } as const;
const NUMERIC_ORDERS: readonly SortKey[] = ['amount'];
const FACET_COLUMNS = ['status', 'chorus_status', 'budget_code', 'exercice', 'service_code', 'match_state', 'anomaly', 'without_metadata'] as const;
const FACET_NAMES: Record<(typeof FACET_COLUMNS)[number], keyof Facets> = {
  status: 'status',
  chorus_status: 'chorusStatus',
  budget_code: 'budget',
  exercice: 'exercice',
  service_code: 'service',
  match_state: 'match',
  anomaly: 'anomaly',
  without_metadata: 'withoutMetadata',
};
/** What a candidate row carries: its sort keys and facet dimensions, never the document. */
const CANDIDATE_COLUMNS = ['seq', 'received_date', 'issue_date', 'amount_ttc_cents', 'supplier_key', ...FACET_COLUMNS, 'anomaly_codes'] as const;
const ITEM_COLUMNS = [
  'seq',
  'invoice_id',
  'number',
  'supplier_name',
  'supplier_siret',
  'supplier_key',
  'amount_ttc_cents',
  'issue_date',
  'received_date',
  'status',
  'chorus_status',
  'budget_code',
  'exercice',
  'service_code',
  'match_state',
  'engagement_numero',
  'anomaly_codes',
  'without_metadata',
  'document_type',
  'dgp_expiry',
] as const;
const MATCHED_STATES = ['matched', 'confirmed'];
const UNMATCHED_STATES = ['suggested', 'none', 'pending'];
const DONE_STATUSES = ['paid', 'rejected', 'mandated', 'sent_to_accountant'];
export const MAX_LIMIT = 200;

function cents(value: string, name: string): number {
  const parsed = Decimal.tryParse(value.replace(/[\s\u00a0\u202f€]/g, ''));
  if (!parsed) throw new SearchError(`${name} « ${value} » n'est pas un montant`);
  return Number(parsed.toCents());
}

function anomalyCode(value: string): string {
  return value.replace(/[^a-z_]/g, '');
}

/** True when every filter is a facet dimension: the facet table answers total and counts. */
function cubeAnswers(query: SearchQuery): boolean {
  const f = query.filters ?? {};
  return (
    queryWords(query.text ?? '').length === 0 &&
    f.supplier === undefined &&
    f.amountMin === undefined &&
    f.amountMax === undefined &&
    f.receivedFrom === undefined &&
    f.receivedTo === undefined &&
    f.issuedFrom === undefined &&
    f.issuedTo === undefined &&
    f.dgpRiskDays === undefined &&
    f.documentType === undefined
  );
}

type Eb = ExpressionBuilder<Database, 'invoice_search'> | ExpressionBuilder<Database, 'invoice_search_facets'>;

/** Conditions on facet dimensions, valid on both invoice_search and invoice_search_facets. */
function dimensionConditions(eb: Eb, tenantId: string, f: SearchFilters): Expression<SqlBool>[] {
  const e = eb as ExpressionBuilder<Database, 'invoice_search'>;
  const out: Expression<SqlBool>[] = [e('tenant_id', '=', tenantId)];
  if (f.budget !== undefined) out.push(e('budget_code', '=', f.budget));
  if (f.exercice !== undefined) out.push(e('exercice', '=', f.exercice));
  if (f.service !== undefined) out.push(e('service_code', '=', f.service));
  if (f.status?.length) out.push(e('status', 'in', f.status));
  if (f.chorusStatus?.length) out.push(e('chorus_status', 'in', f.chorusStatus));
  if (f.withoutMetadata !== undefined) out.push(e('without_metadata', '=', f.withoutMetadata ? 1 : 0));
  if (f.matched !== undefined) out.push(e('match_state', 'in', f.matched ? MATCHED_STATES : UNMATCHED_STATES));
  if (f.matchState !== undefined) out.push(e('match_state', '=', f.matchState));
  if (typeof f.anomaly === 'boolean') out.push(e('anomaly', '=', f.anomaly ? 1 : 0));
  if (typeof f.anomaly === 'string') {
    // anomaly = 1 first: on invoice_search the (tenant, anomaly, …) index narrows the rows the LIKE reads.
    out.push(e('anomaly', '=', 1));
    out.push(e('anomaly_codes', 'like', `% ${anomalyCode(f.anomaly)} %`));
  }
  return out;
}

/**
 * How the text condition is written: `match` lets the database choose (PostgreSQL's GIN, SQLite's
 * rowid list), `none` when the caller joins the FTS5 table itself. (Probing FTS5 once per row of a
 * sort index costs about a millisecond a row: never.)
 */
type TextMode = 'match' | 'none';

function conditions(eb: ExpressionBuilder<Database, 'invoice_search'>, dialect: Dialect, tenantId: string, query: SearchQuery, textMode: TextMode): Expression<SqlBool>[] {
  const f = query.filters ?? {};
  const out = dimensionConditions(eb, tenantId, f);
  const words = queryWords(query.text ?? '');
  if (words.length > 0 && textMode !== 'none') {
    if (dialect === 'postgres') out.push(sql<SqlBool>`tsv @@ to_tsquery('simple', ${tsQuery(words)})`);
    else out.push(sql<SqlBool>`seq in (select rowid from invoice_search_fts where invoice_search_fts match ${fts5Query(words)})`);
  }
  if (f.supplier !== undefined) {
    const siret = f.supplier.replace(/\s/g, '');
    if (/^\d{14}$/.test(siret)) out.push(eb('supplier_siret', '=', siret));
    else {
      const prefix = foldText(f.supplier);
      // A byte range rather than LIKE: same meaning and index use on both databases ('{' follows 'z').
      if (prefix !== '') out.push(eb.and([eb('supplier_key', '>=', prefix), eb('supplier_key', '<', `${prefix}{`)]));
    }
  }
  if (f.amountMin !== undefined) out.push(eb('amount_ttc_cents', '>=', cents(f.amountMin, 'montant minimum')));
  if (f.amountMax !== undefined) {
    out.push(eb('amount_ttc_cents', '<=', cents(f.amountMax, 'montant maximum')));
    out.push(eb('amount_ttc_cents', '>=', 0));
  }
  if (f.receivedFrom !== undefined) out.push(eb('received_date', '>=', f.receivedFrom));
  if (f.receivedTo !== undefined) out.push(eb.and([eb('received_date', '<=', f.receivedTo), eb('received_date', '<>', '')]));
  if (f.issuedFrom !== undefined) out.push(eb('issue_date', '>=', f.issuedFrom));
  if (f.issuedTo !== undefined) out.push(eb.and([eb('issue_date', '<=', f.issuedTo), eb('issue_date', '<>', '')]));
  if (f.dgpRiskDays !== undefined) {
    // Expiry stored at indexing by the deadlines module's rule (dgp-hook.ts); only a running delay
    // has a fixed expiry: a suspended one is frozen, a paid one is over.
    const today = query.today ?? todayInParis();
    out.push(eb('dgp_state', '=', 'running'));
    out.push(eb('dgp_expiry', '<=', addDays(today, f.dgpRiskDays)));
    out.push(eb('status', 'not in', DONE_STATUSES));
  }
  if (f.documentType !== undefined) out.push(eb('document_type', '=', f.documentType));
  return out;
}

function encodeCursor(key: string | number, seq: number): string {
  return Buffer.from(JSON.stringify([key, seq])).toString('base64url');
}

function decodeCursor(cursor: string, sort: SortKey): [string | number, number] {
  try {
    const [key, seq] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as [unknown, unknown];
    const keyOk = NUMERIC_ORDERS.includes(sort) ? typeof key === 'number' : typeof key === 'string';
    if (keyOk && typeof seq === 'number') return [key as string | number, seq];
  } catch {
    // falls through
  }
  throw new SearchError('curseur de pagination invalide');
}

function emptyFacets(): Facets {
  return { status: {}, chorusStatus: {}, budget: {}, exercice: {}, service: {}, match: {}, anomaly: {}, anomalyCode: {}, withoutMetadata: {} };
}

function facetValue(column: (typeof FACET_COLUMNS)[number], value: unknown): string {
  if (column === 'anomaly' || column === 'without_metadata') return Number(value) === 1 ? 'yes' : 'no';
  if (column === 'exercice') return Number(value) === 0 ? 'none' : String(value);
  return value === '' || value === null ? 'none' : String(value);
}

/** Facet counts of rows (counts-table rows carry `n`, candidate rows count one each). */
function rollUp(rows: readonly Record<string, unknown>[]): { total: number; facets: Facets } {
  const facets = emptyFacets();
  let total = 0;
  for (const row of rows) {
    const n = row.n === undefined ? 1 : Number(row.n);
    if (n <= 0) continue;
    total += n;
    for (const column of FACET_COLUMNS) {
      const bucket = facets[FACET_NAMES[column]];
      const key = facetValue(column, row[column]);
      bucket[key] = (bucket[key] ?? 0) + n;
    }
    // One invoice may carry several anomaly codes: it counts under each.
    for (const code of String(row.anomaly_codes ?? '').split(' ')) {
      if (code !== '') facets.anomalyCode[code] = (facets.anomalyCode[code] ?? 0) + n;
    }
  }
  // Keys in a stable order so both databases print identical JSON.
  for (const name of Object.keys(facets) as (keyof Facets)[]) {
    facets[name] = Object.fromEntries(Object.entries(facets[name]).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  }
  return { total, facets };
}

type Store = { db: Kysely<Database>; dialect: Dialect };

function sortKeyOf(sort: SortKey, row: Record<string, unknown>): string | number {
  return NUMERIC_ORDERS.includes(sort) ? Number(row[SORT_COLUMNS[sort]]) : String(row[SORT_COLUMNS[sort]] ?? '');
}


/** True when the query has conditions besides the tenant and the words. */
function hasFilters(query: SearchQuery): boolean {
  return Object.values(query.filters ?? {}).some((value) => value !== undefined);
}

const FACET_GROUP = [...FACET_COLUMNS, 'anomaly_codes'] as const;

/**
 * A SQLite text query written out (Kysely has no INDEXED BY): the FTS5 table drives (CROSS JOIN keeps
 * it the outer loop) and yields its rowids, the text keys of migration 0010, in (received_date, seq)
 * order without sorting; each match's filter, sort and facet columns come from the narrow covering
 * index of migration 0009 (a hundred bytes a row instead of the row with its document).
 */
function ftsJoin(store: Store, tenantId: string, query: SearchQuery, words: string[]): { sql: string; parameters: unknown[] } {
  const where = store.db
    .selectFrom('invoice_search')
    .select('seq')
    .where((eb) => eb.and(conditions(eb, 'sqlite', tenantId, query, 'none')))
    .compile();
  const at = where.sql.indexOf(' where ');
  return {
    sql:
      'from invoice_search_fts cross join invoice_search indexed by invoice_search_narrow ' +
      `where invoice_search_fts match ? and invoice_search.seq = invoice_search_fts.rowid % ${TEXT_KEY_SEQ} and (${where.sql.slice(at + 7)})`,
    parameters: [fts5Query(words), ...where.parameters],
  };
}

async function raw(store: Store, text: string, parameters: readonly unknown[]): Promise<Record<string, unknown>[]> {
  return (await store.db.executeQuery<Record<string, unknown>>(CompiledQuery.raw(text, [...parameters]))).rows;
}

/** True when rows of another tenant share the index (the FTS5 count then filters on the tenant column). */
async function sharedIndex(store: Store, tenantId: string): Promise<boolean> {
  const other = await store.db.selectFrom('invoice_search_facets').select('tenant_id').where('tenant_id', '<>', tenantId).where('n', '>', 0).limit(1).executeTakeFirst();
  return other !== undefined;
}

/** Matches counted up to `cap` + 1, in whatever order the best index gives. */
async function boundedCount(store: Store, tenantId: string, query: SearchQuery, words: string[], cap: number): Promise<number> {
  const { db, dialect } = store;
  if (dialect === 'sqlite' && words.length > 0) {
    if (!hasFilters(query)) {
      // Only the tenant and the words: FTS5 alone counts (a millisecond for 10 000 matches).
      const text = fts5Query(words);
      const match = (await sharedIndex(store, tenantId)) ? `"${tenantToken(tenantId)}" AND (${text})` : text;
      const [row] = await raw(store, 'select count(*) as n from (select rowid from invoice_search_fts where invoice_search_fts match ? limit ?)', [match, cap + 1]);
      return Number(row!.n);
    }
    const join = ftsJoin(store, tenantId, query, words);
    const [row] = await raw(store, `select count(*) as n from (select 1 ${join.sql} limit ?)`, [...join.parameters, cap + 1]);
    return Number(row!.n);
  }
  const inner = db
    .selectFrom('invoice_search')
    .select(sql<number>`1`.as('one'))
    .where((eb) => eb.and(conditions(eb, dialect, tenantId, query, 'match')))
    .limit(cap + 1);
  const row = await db
    .selectFrom(inner.as('matches'))
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/** Facet counts of every match, grouped by the database (the result is at most the cap). */
async function exactFacets(store: Store, tenantId: string, query: SearchQuery, words: string[]): Promise<Facets> {
  const { db, dialect } = store;
  let rows: Record<string, unknown>[];
  if (dialect === 'sqlite' && words.length > 0) {
    const join = ftsJoin(store, tenantId, query, words);
    const columns = FACET_GROUP.map((name) => `invoice_search.${name}`).join(', ');
    rows = await raw(store, `select ${columns}, count(*) as n ${join.sql} group by ${columns}`, join.parameters);
  } else {
    rows = await db
      .selectFrom('invoice_search')
      .select([...FACET_GROUP, (eb) => eb.fn.countAll<number>().as('n')])
      .where((eb) => eb.and(conditions(eb, dialect, tenantId, query, 'match')))
      .groupBy([...FACET_GROUP])
      .execute();
  }
  return rollUp(rows).facets;
}

/**
 * Facets of a sample when the matches are more than the cap: the first `size` results in the order
 * asked, or for a text query the `size` received last (the order its posting lists are read in).
 */
async function sampleFacets(store: Store, tenantId: string, query: SearchQuery, words: string[], sort: SortKey, direction: 'asc' | 'desc', size: number): Promise<Facets> {
  const { db, dialect } = store;
  let rows: Record<string, unknown>[];
  if (words.length > 0 && dialect === 'sqlite') {
    const join = ftsJoin(store, tenantId, query, words);
    const columns = FACET_GROUP.map((name) => `invoice_search.${name}`).join(', ');
    rows = await raw(store, `select ${columns} ${join.sql} order by invoice_search_fts.rowid desc limit ?`, [...join.parameters, size]);
  } else {
    const [column, order] = words.length > 0 ? (['received_date', 'desc'] as const) : ([SORT_COLUMNS[sort], direction] as const);
    rows = await db
      .selectFrom('invoice_search')
      .select([...FACET_GROUP])
      .where((eb) => eb.and(conditions(eb, dialect, tenantId, query, 'match')))
      .orderBy(column, order)
      .orderBy('seq', order)
      .limit(size)
      .execute();
  }
  return rollUp(rows).facets;
}

/** seqs of a SQLite text query's page: posting-list order for the received sort, else sorted by SQLite. */
async function ftsPage(store: Store, tenantId: string, query: SearchQuery, words: string[], sort: SortKey, direction: 'asc' | 'desc', after: [string | number, number] | null, limit: number): Promise<number[]> {
  const join = ftsJoin(store, tenantId, query, words);
  const op = direction === 'desc' ? '<' : '>';
  let text = `select invoice_search.seq ${join.sql}`;
  const parameters = [...join.parameters];
  if (sort === 'received') {
    if (after) {
      text += ` and invoice_search_fts.rowid ${op} ?`;
      parameters.push(textKey(String(after[0]), after[1]));
    }
    text += ` order by invoice_search_fts.rowid ${direction}`;
  } else {
    const column = `invoice_search.${SORT_COLUMNS[sort]}`;
    if (after) {
      text += ` and (${column}, invoice_search.seq) ${op} (?, ?)`;
      parameters.push(after[0], after[1]);
    }
    text += ` order by ${column} ${direction}, invoice_search.seq ${direction}`;
  }
  const rows = await raw(store, `${text} limit ?`, [...parameters, limit + 1]);
  return rows.map((row) => Number(row.seq));
}

export async function searchInvoices(store: Store, tenantId: string, query: SearchQuery = {}): Promise<SearchResult> {
  const { db, dialect } = store;
  if (query.sort !== undefined && !SORTS.includes(query.sort)) throw new SearchError(`tri inconnu « ${query.sort} » (${SORTS.join(', ')})`);
  const words = queryWords(query.text ?? '');
  const sort: SortKey = query.sort ?? 'received';
  const direction = query.direction ?? (sort === 'supplier' ? 'asc' : 'desc');
  const limit = Math.max(1, Math.min(MAX_LIMIT, query.limit ?? 50));
  const cap = Math.max(1, Math.floor(query.countCap ?? COUNT_CAP));
  const column = SORT_COLUMNS[sort];
  const after = query.after ? decodeCursor(query.after, sort) : null;
  const wantFacets = query.facets !== false;

  let total: number;
  let totalIsApproximate = false;
  let facets = emptyFacets();
  let facetsAreApproximate = false;

  if (cubeAnswers(query)) {
    const cube = await db
      .selectFrom('invoice_search_facets')
      .select([...FACET_COLUMNS, 'anomaly_codes', 'n'])
      .where((eb) => eb.and(dimensionConditions(eb, tenantId, query.filters ?? {})))
      .where('n', '>', 0)
      .execute();
    ({ total, facets } = rollUp(cube));
  } else {
    let grouped: Record<string, unknown>[] | null = null;
    let count: number;
    if (dialect === 'sqlite' && words.length > 0 && hasFilters(query) && wantFacets) {
      // Each match is read from the narrow index anyway to test the filters: one pass counts and groups.
      const join = ftsJoin(store, tenantId, query, words);
      const columns = FACET_GROUP.map((name) => `invoice_search.${name}`).join(', ');
      grouped = await raw(store, `select ${FACET_GROUP.join(', ')}, count(*) as n from (select ${columns} ${join.sql} limit ?) group by ${FACET_GROUP.join(', ')}`, [...join.parameters, cap + 1]);
      count = grouped.reduce((sum, row) => sum + Number(row.n), 0);
    } else count = await boundedCount(store, tenantId, query, words, cap);
    totalIsApproximate = count > cap;
    total = Math.min(count, cap);
    if (wantFacets && !totalIsApproximate) facets = grouped ? rollUp(grouped).facets : await exactFacets(store, tenantId, query, words);
    else if (wantFacets) {
      facets = await sampleFacets(store, tenantId, query, words, sort, direction, Math.min(FACET_SAMPLE, cap));
      facetsAreApproximate = true;
    }
  }

  let rows: Record<string, unknown>[];
  if (dialect === 'sqlite' && words.length > 0) {
    const seqs = await ftsPage(store, tenantId, query, words, sort, direction, after, limit);
    const bySeq = new Map<number, Record<string, unknown>>();
    if (seqs.length > 0) {
      const found = await db.selectFrom('invoice_search').select([...ITEM_COLUMNS]).where('seq', 'in', seqs).execute();
      for (const row of found) bySeq.set(Number(row.seq), row);
    }
    rows = seqs.map((seq) => bySeq.get(seq)).filter((row): row is Record<string, unknown> => row !== undefined);
  } else {
    let pageQuery = db
      .selectFrom('invoice_search')
      .select([...ITEM_COLUMNS])
      .where((eb) => eb.and(conditions(eb, dialect, tenantId, query, 'match')));
    if (after) {
      const op = direction === 'desc' ? sql.raw('<') : sql.raw('>');
      pageQuery = pageQuery.where(sql<SqlBool>`(${sql.ref(column)}, seq) ${op} (${after[0]}, ${after[1]})`);
    }
    rows = await pageQuery.orderBy(column, direction).orderBy('seq', direction).limit(limit + 1).execute();
  }

  const more = rows.length > limit;
  const shown = rows.slice(0, limit);
  const items: SearchItem[] = shown.map((row) => {
    const r = row as Database['invoice_search'] & { seq: number };
    return {
      invoiceId: r.invoice_id,
      number: r.number,
      supplierName: r.supplier_name,
      supplierSiret: r.supplier_siret,
      amountTtc: Number(r.amount_ttc_cents) < 0 ? null : Decimal.fromCents(r.amount_ttc_cents).toString(2),
      issueDate: r.issue_date || null,
      receivedDate: r.received_date || null,
      status: r.status,
      chorusStatus: r.chorus_status || null,
      budget: r.budget_code || null,
      exercice: r.exercice || null,
      service: r.service_code || null,
      match: r.match_state,
      engagement: r.engagement_numero || null,
      anomalies: r.anomaly_codes.trim() === '' ? [] : r.anomaly_codes.trim().split(' '),
      withoutMetadata: Number(r.without_metadata) === 1,
      documentType: r.document_type,
      dgpExpiry: r.dgp_expiry,
    };
  });
  const last = shown.at(-1);
  const nextCursor = more && last ? encodeCursor(sortKeyOf(sort, last), Number(last.seq)) : null;
  if (!wantFacets) {
    facets = emptyFacets();
    facetsAreApproximate = false;
  }
  return { total, totalIsApproximate, items, facets, facetsAreApproximate, nextCursor };
}

const FILTER_KEYS = [
  'budget',
  'exercice',
  'service',
  'status',
  'chorus_status',
  'supplier',
  'amount_min',
  'amount_max',
  'from',
  'to',
  'issued_from',
  'issued_to',
  'without_metadata',
  'matched',
  'match',
  'anomaly',
  'dgp_risk',
  'type',
] as const;

function yesNo(value: string, key: string): boolean {
  const v = foldText(value);
  if (['yes', 'oui', 'true', '1', 'o', 'y'].includes(v)) return true;
  if (['no', 'non', 'false', '0', 'n'].includes(v)) return false;
  throw new SearchError(`${key}=${value} : oui ou non attendu`);
}

function isoDate(value: string, key: string): string {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value)) throw new SearchError(`${key}=${value} : date AAAA-MM-JJ attendue`);
  return value;
}

/**
 * Filters from `key=value` pairs (the CLI's --filter, the API's query string). Keys: budget,
 * exercice, service, status, chorus_status (comma-separated lists allowed), supplier, amount_min,
 * amount_max, from, to (received), issued_from, issued_to, without_metadata (alias
 * sans_metadonnee), matched, match (state), anomaly (oui/non or a code), dgp_risk (days, or oui = 5),
 * type (invoice|creditNote).
 */
export function parseFilters(pairs: Iterable<string> | Record<string, string>): SearchFilters {
  const entries: [string, string][] = typeof (pairs as Iterable<string>)[Symbol.iterator] === 'function'
    ? [...(pairs as Iterable<string>)].map((pair) => {
        const at = pair.indexOf('=');
        if (at < 1) throw new SearchError(`filtre « ${pair} » : clé=valeur attendu`);
        return [pair.slice(0, at).trim(), pair.slice(at + 1).trim()];
      })
    : Object.entries(pairs as Record<string, string>);
  const filters: SearchFilters = {};
  for (const [rawKey, value] of entries) {
    const key = rawKey === 'sans_metadonnee' ? 'without_metadata' : rawKey === 'chorusStatus' ? 'chorus_status' : rawKey;
    if (!(FILTER_KEYS as readonly string[]).includes(key)) throw new SearchError(`filtre inconnu « ${rawKey} » (${FILTER_KEYS.join(', ')})`);
    switch (key as (typeof FILTER_KEYS)[number]) {
      case 'budget': filters.budget = value; break;
      case 'exercice':
        if (!/^\d{4}$/.test(value)) throw new SearchError(`exercice=${value} : une année attendue`);
        filters.exercice = Number(value);
        break;
      case 'service': filters.service = value; break;
      case 'status': filters.status = value.split(',').map((s) => s.trim()).filter(Boolean); break;
      case 'chorus_status': filters.chorusStatus = value.split(',').map((s) => s.trim()).filter(Boolean); break;
      case 'supplier': filters.supplier = value; break;
      case 'amount_min': cents(value, 'amount_min'); filters.amountMin = value; break;
      case 'amount_max': cents(value, 'amount_max'); filters.amountMax = value; break;
      case 'from': filters.receivedFrom = isoDate(value, key); break;
      case 'to': filters.receivedTo = isoDate(value, key); break;
      case 'issued_from': filters.issuedFrom = isoDate(value, key); break;
      case 'issued_to': filters.issuedTo = isoDate(value, key); break;
      case 'without_metadata': filters.withoutMetadata = yesNo(value, key); break;
      case 'matched': filters.matched = yesNo(value, key); break;
      case 'match': filters.matchState = value; break;
      case 'anomaly':
        filters.anomaly = /^[a-z_]+$/.test(value) && !['oui', 'non', 'yes', 'no', 'true', 'false'].includes(value) ? value : yesNo(value, key);
        break;
      case 'dgp_risk':
        if (/^\d+$/.test(value)) filters.dgpRiskDays = Number(value);
        else if (yesNo(value, key)) filters.dgpRiskDays = 5;
        break;
      case 'type':
        if (value !== 'invoice' && value !== 'creditNote') throw new SearchError(`type=${value} : invoice ou creditNote attendu`);
        filters.documentType = value;
        break;
    }
  }
  return filters;
}
