// Search at a million invoices, second step (issue #5), SQLite only (PostgreSQL keeps its tsvector
// and its indexes):
// - invoice_search.text_key, a virtual generated column: the received date as a day ordinal times 2^31
//   plus seq. Ordering by it is ordering by (received_date, seq), the list's default sort, and it is
//   the FTS5 rowid: a text query reads its matches newest received first straight from the posting
//   lists, and a page stops after `limit` matches. '' (unknown) sorts first as it does in byte order.
//   Years 1000–9999 and seq < 2^31 keep it under 2^53 (a safe JavaScript number).
// - invoice_search_fts gains a `tenant` column ("τ" + the tenant id's hex digits, one token): when
//   several tenants share the index, counting matches needs no join back to invoice_search.
// - The FTS rows are kept by triggers on invoice_search (insert, change of document, date or tenant,
//   delete), so every writer of invoice_search keeps the full text right.
// - The range filters' indexes (received date, amount, supplier name, SIRET) also carry the facet
//   dimensions and the received date: a filter with a few thousand results (a month, an amount
//   range, a supplier) is counted, grouped into facets and paged from one index range, without
//   reading a row (5 000 rows: 25 ms of row lookups become 3 ms). Same key prefix as before, so
//   keyset pages on these sorts still walk them.
// The FTS table is rebuilt from invoice_search.document.
import { type Kysely, sql } from 'kysely';
import type { Dialect } from '../db.ts';

/** Same expression as textKey() in src/app/search/text-key.ts. */
const TEXT_KEY = `case when received_date glob '[1-9][0-9][0-9][0-9]-[0-1][0-9]-[0-3][0-9]*'
  then ((cast(substr(received_date, 1, 4) as integer) - 1000) * 372 + (cast(substr(received_date, 6, 2) as integer) - 1) * 31
        + cast(substr(received_date, 9, 2) as integer)) * 2147483648 + seq
  else seq end`;
/** Same as tenantToken() in src/app/search/text-key.ts: a Greek tau, then the id's hex digits. */
const TENANT_TOKEN = (row: string) => `'\u03c4' || replace(${row}.tenant_id, '-', '')`;
const DIMENSIONS = ['tenant_id', 'status', 'chorus_status', 'budget_code', 'exercice', 'service_code', 'match_state', 'anomaly', 'without_metadata', 'anomaly_codes'];
const TOKENIZE = `tokenize = 'unicode61 remove_diacritics 2'`;
const FACETS = ['status', 'chorus_status', 'budget_code', 'exercice', 'service_code', 'match_state', 'anomaly', 'without_metadata', 'anomaly_codes'];
/** name: [old columns, new columns] (0004's key, then what the filter's facets and page read). */
const WIDE: Record<string, [string[], string[]]> = {
  received: [['tenant_id', 'received_date', 'seq'], ['tenant_id', 'received_date', 'seq', ...FACETS]],
  amount: [['tenant_id', 'amount_ttc_cents', 'seq'], ['tenant_id', 'amount_ttc_cents', 'seq', 'received_date', ...FACETS]],
  supplier_key: [['tenant_id', 'supplier_key', 'seq'], ['tenant_id', 'supplier_key', 'seq', 'received_date', ...FACETS]],
  siret: [['tenant_id', 'supplier_siret', 'received_date', 'seq'], ['tenant_id', 'supplier_siret', 'received_date', 'seq', ...FACETS]],
};

async function rangeIndexes(db: Kysely<any>, which: 0 | 1): Promise<void> {
  for (const [name, columns] of Object.entries(WIDE)) {
    await db.schema.dropIndex(`invoice_search_${name}`).ifExists().execute();
    await db.schema.createIndex(`invoice_search_${name}`).on('invoice_search').columns(columns[which]).execute();
  }
}

async function deleteTrigger(db: Kysely<any>, ftsKey: string): Promise<void> {
  // Same counts bookkeeping as 0009; only the FTS row's key changes.
  const oldMatch = DIMENSIONS.map((name) => `${name} = old.${name}`).join(' and ');
  await sql.raw('drop trigger if exists invoice_search_facets_delete').execute(db);
  await sql
    .raw(
      `create trigger invoice_search_facets_delete after delete on invoice_search begin
         update invoice_search_facets set n = n - 1 where ${oldMatch};
         delete from invoice_search_fts where rowid = old.${ftsKey};
       end`,
    )
    .execute(db);
}

export async function up(db: Kysely<any>, dialect: Dialect): Promise<void> {
  if (dialect === 'postgres') return;
  await sql.raw(`alter table invoice_search add column text_key integer generated always as (${TEXT_KEY}) virtual`).execute(db);
  await sql.raw('drop table invoice_search_fts').execute(db);
  await sql.raw(`create virtual table invoice_search_fts using fts5(tenant, document, content='', contentless_delete=1, ${TOKENIZE})`).execute(db);
  await sql
    .raw(`insert into invoice_search_fts (rowid, tenant, document) select text_key, ${TENANT_TOKEN('invoice_search')}, document from invoice_search`)
    .execute(db);
  await deleteTrigger(db, 'text_key');
  await sql
    .raw(
      `create trigger invoice_search_fts_insert after insert on invoice_search begin
         insert into invoice_search_fts (rowid, tenant, document) values (new.text_key, ${TENANT_TOKEN('new')}, new.document);
       end`,
    )
    .execute(db);
  await sql
    .raw(
      `create trigger invoice_search_fts_update after update of document, received_date, tenant_id on invoice_search begin
         delete from invoice_search_fts where rowid = old.text_key;
         insert into invoice_search_fts (rowid, tenant, document) values (new.text_key, ${TENANT_TOKEN('new')}, new.document);
       end`,
    )
    .execute(db);
  await rangeIndexes(db, 1);
}

export async function down(db: Kysely<any>, dialect: Dialect): Promise<void> {
  if (dialect === 'postgres') return;
  await rangeIndexes(db, 0);
  await sql.raw('drop trigger if exists invoice_search_fts_insert').execute(db);
  await sql.raw('drop trigger if exists invoice_search_fts_update').execute(db);
  await deleteTrigger(db, 'seq');
  await sql.raw('drop table invoice_search_fts').execute(db);
  await sql.raw(`create virtual table invoice_search_fts using fts5(document, content='', contentless_delete=1, ${TOKENIZE})`).execute(db);
  await sql.raw('insert into invoice_search_fts (rowid, document) select seq, document from invoice_search').execute(db);
  await sql.raw('alter table invoice_search drop column text_key').execute(db);
}
