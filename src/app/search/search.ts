// The single window's search: full text (accent- and case-insensitive words, the last one a prefix) over the
// invoice_search documents, filters, sorting, keyset pagination and facet counts, with the same
// results on SQLite (FTS5) and PostgreSQL (tsvector): both index the words normalize.ts produced,
// both sort on byte-ordered keys with `seq` as the tiebreaker.
//
// Facets describe the current result set. When the query only filters on facet dimensions (no
// text, amounts, dates, supplier, anomaly code or deadline), total and facets are read from
// invoice_search_facets (a few thousand rows) instead of counting millions of invoices.
import { type ExpressionBuilder, type Kysely, sql, type SqlBool, type Expression } from 'kysely';
import { Decimal } from '../../domain/money.ts';
import type { Dialect } from '../../store/db.ts';
import type { Database } from '../../store/schema.ts';
import { foldText, fts5Query, queryWords, tsQuery } from './normalize.ts';

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
  /** Today (YYYY-MM-DD) for the deadline filter; defaults to the current UTC date. */
  today?: string;
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

export type Facets = Record<'status' | 'chorusStatus' | 'budget' | 'exercice' | 'service' | 'match' | 'anomaly' | 'withoutMetadata', Record<string, number>>;
export type SearchResult = { total: number; items: SearchItem[]; facets: Facets; nextCursor: string | null };

export class SearchError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SearchError';
  }
}

const SORT_COLUMNS = { received: 'received_date', issue: 'issue_date', amount: 'amount_ttc_cents', supplier: 'supplier_key' } as const;
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
const MATCHED_STATES = ['matched', 'confirmed'];
const UNMATCHED_STATES = ['suggested', 'none', 'pending'];
const DONE_STATUSES = ['paid', 'rejected', 'mandated', 'sent_to_accountant'];
export const MAX_LIMIT = 200;

function cents(value: string, name: string): number {
  const parsed = Decimal.tryParse(value.replace(/[\s\u00a0\u202f€]/g, ''));
  if (!parsed) throw new SearchError(`${name} « ${value} » n'est pas un montant`);
  return Number(parsed.toCents());
}

function addDays(date: string, days: number): string {
  const value = new Date(`${date}T00:00:00Z`);
  value.setUTCDate(value.getUTCDate() + days);
  return value.toISOString().slice(0, 10);
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
    (f.anomaly === undefined || typeof f.anomaly === 'boolean') &&
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
  return out;
}

function conditions(eb: ExpressionBuilder<Database, 'invoice_search'>, dialect: Dialect, tenantId: string, query: SearchQuery): Expression<SqlBool>[] {
  const f = query.filters ?? {};
  const out = dimensionConditions(eb, tenantId, f);
  const words = queryWords(query.text ?? '');
  if (words.length > 0) {
    out.push(
      dialect === 'postgres'
        ? sql<SqlBool>`tsv @@ to_tsquery('simple', ${tsQuery(words)})`
        : sql<SqlBool>`seq in (select rowid from invoice_search_fts where invoice_search_fts match ${fts5Query(words)})`,
    );
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
  if (typeof f.anomaly === 'string') {
    // anomaly = 1 first: the (tenant, anomaly, …) index narrows the rows the LIKE has to read.
    out.push(eb('anomaly', '=', 1));
    out.push(eb('anomaly_codes', 'like', `% ${f.anomaly.replace(/[^a-z_]/g, '')} %`));
  }
  if (f.dgpRiskDays !== undefined) {
    const today = query.today ?? new Date().toISOString().slice(0, 10);
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
    const keyOk = sort === 'amount' ? typeof key === 'number' : typeof key === 'string';
    if (keyOk && typeof seq === 'number') return [key as string | number, seq];
  } catch {
    // falls through
  }
  throw new SearchError('curseur de pagination invalide');
}

function emptyFacets(): Facets {
  return { status: {}, chorusStatus: {}, budget: {}, exercice: {}, service: {}, match: {}, anomaly: {}, withoutMetadata: {} };
}

function facetValue(column: (typeof FACET_COLUMNS)[number], value: unknown): string {
  if (column === 'anomaly' || column === 'without_metadata') return Number(value) === 1 ? 'yes' : 'no';
  if (column === 'exercice') return Number(value) === 0 ? 'none' : String(value);
  return value === '' || value === null ? 'none' : String(value);
}

function rollUp(rows: Record<string, unknown>[]): { total: number; facets: Facets } {
  const facets = emptyFacets();
  let total = 0;
  for (const row of rows) {
    const n = Number(row.n);
    if (n <= 0) continue;
    total += n;
    for (const column of FACET_COLUMNS) {
      const bucket = facets[FACET_NAMES[column]];
      const key = facetValue(column, row[column]);
      bucket[key] = (bucket[key] ?? 0) + n;
    }
  }
  // Keys in a stable order so both databases print identical JSON.
  for (const name of Object.keys(facets) as (keyof Facets)[]) {
    facets[name] = Object.fromEntries(Object.entries(facets[name]).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  }
  return { total, facets };
}

export async function searchInvoices(store: { db: Kysely<Database>; dialect: Dialect }, tenantId: string, query: SearchQuery = {}): Promise<SearchResult> {
  const { db, dialect } = store;
  const sort = query.sort ?? 'received';
  if (!SORTS.includes(sort)) throw new SearchError(`tri inconnu « ${sort} » (${SORTS.join(', ')})`);
  const direction = query.direction ?? (sort === 'supplier' ? 'asc' : 'desc');
  const limit = Math.max(1, Math.min(MAX_LIMIT, query.limit ?? 50));
  const column = SORT_COLUMNS[sort];

  let page = db
    .selectFrom('invoice_search')
    .select([
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
    ])
    .where((eb) => eb.and(conditions(eb, dialect, tenantId, query)));
  if (query.after) {
    const [key, seq] = decodeCursor(query.after, sort);
    const op = direction === 'desc' ? sql.raw('<') : sql.raw('>');
    page = page.where(sql<SqlBool>`(${sql.ref(column)}, seq) ${op} (${key}, ${seq})`);
  }
  const rows = await page.orderBy(column, direction).orderBy('seq', direction).limit(limit + 1).execute();
  const more = rows.length > limit;
  const shown = rows.slice(0, limit);
  const items: SearchItem[] = shown.map((row) => ({
    invoiceId: row.invoice_id,
    number: row.number,
    supplierName: row.supplier_name,
    supplierSiret: row.supplier_siret,
    amountTtc: Number(row.amount_ttc_cents) < 0 ? null : Decimal.fromCents(row.amount_ttc_cents).toString(2),
    issueDate: row.issue_date || null,
    receivedDate: row.received_date || null,
    status: row.status,
    chorusStatus: row.chorus_status || null,
    budget: row.budget_code || null,
    exercice: row.exercice || null,
    service: row.service_code || null,
    match: row.match_state,
    engagement: row.engagement_numero || null,
    anomalies: row.anomaly_codes.trim() === '' ? [] : row.anomaly_codes.trim().split(' '),
    withoutMetadata: row.without_metadata === 1,
    documentType: row.document_type,
    dgpExpiry: row.dgp_expiry,
  }));
  const last = shown.at(-1);
  const lastKey = last ? (sort === 'amount' ? Number(last.amount_ttc_cents) : String(last[column as 'received_date'])) : null;
  const nextCursor = more && last && lastKey !== null ? encodeCursor(lastKey, Number(last.seq)) : null;

  let total: number;
  let facets: Facets;
  if (cubeAnswers(query)) {
    const cube = await db
      .selectFrom('invoice_search_facets')
      .select([...FACET_COLUMNS, 'n'])
      .where((eb) => eb.and(dimensionConditions(eb, tenantId, query.filters ?? {})))
      .where('n', '>', 0)
      .execute();
    ({ total, facets } = rollUp(cube));
  } else if (query.facets === false) {
    const count = await db
      .selectFrom('invoice_search')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where((eb) => eb.and(conditions(eb, dialect, tenantId, query)))
      .executeTakeFirstOrThrow();
    total = Number(count.n);
    facets = emptyFacets();
  } else {
    const grouped = await db
      .selectFrom('invoice_search')
      .select([...FACET_COLUMNS, (eb) => eb.fn.countAll<number>().as('n')])
      .where((eb) => eb.and(conditions(eb, dialect, tenantId, query)))
      .groupBy([...FACET_COLUMNS])
      .execute();
    ({ total, facets } = rollUp(grouped));
  }
  if (query.facets === false) facets = emptyFacets();
  return { total, items, facets, nextCursor };
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
