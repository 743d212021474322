// Matching results and the single window's search index (see src/store/tables/matching.ts).
// Full text: the application normalises the text itself (lower case ASCII words, accents removed,
// see src/app/search/normalize.ts) so SQLite FTS5 and PostgreSQL tsvector index the very same
// tokens and answer the same queries. SQLite keeps the words in a contentless FTS5 table keyed by
// invoice_search.seq; PostgreSQL in a tsvector column under a GIN index.
// Facet counts live in invoice_search_facets, maintained by triggers on invoice_search; a trigger on
// invoices copies status changes made by any writer (workflow, sync) into invoice_search.
import { type Kysely, sql } from 'kysely';
import type { Dialect } from '../db.ts';

const FACET_DIMENSIONS = [
  'tenant_id',
  'status',
  'chorus_status',
  'budget_code',
  'exercice',
  'service_code',
  'match_state',
  'anomaly',
  'without_metadata',
] as const;

export async function up(db: Kysely<any>, dialect: Dialect): Promise<void> {
  const postgres = dialect === 'postgres';
  // Byte order for keyset comparisons: the same order as SQLite's BINARY collation.
  const binary = (col: any) => (postgres ? col.modifyEnd(sql`collate "C"`) : col);

  await db.schema
    .createTable('invoice_matches')
    .addColumn('invoice_id', 'text', (col) => col.primaryKey().references('invoices.id').onDelete('cascade'))
    .addColumn('tenant_id', 'text', (col) => col.notNull().references('tenants.id'))
    .addColumn('status', 'text', (col) => col.notNull())
    .addColumn('engagement_id', 'text', (col) => col.references('engagements.id'))
    .addColumn('score', 'integer', (col) => col.notNull().defaultTo(0))
    .addColumn('result_json', 'text', (col) => col.notNull())
    .addColumn('anomaly_codes', 'text', (col) => col.notNull().defaultTo(''))
    .addColumn('computed_at', 'text', (col) => col.notNull())
    .execute();
  await db.schema.createIndex('invoice_matches_tenant_status').on('invoice_matches').columns(['tenant_id', 'status']).execute();

  await db.schema
    .createTable('invoice_search')
    .addColumn('seq', postgres ? 'bigint' : 'integer', (col) =>
      postgres ? col.primaryKey().generatedByDefaultAsIdentity() : col.primaryKey(),
    )
    .addColumn('invoice_id', 'text', (col) => col.notNull().unique().references('invoices.id').onDelete('cascade'))
    .addColumn('tenant_id', 'text', (col) => col.notNull())
    .addColumn('status', 'text', (col) => col.notNull())
    .addColumn('chorus_status', 'text', (col) => col.notNull().defaultTo(''))
    .addColumn('supplier_siret', 'text', (col) => col.notNull().defaultTo(''))
    .addColumn('supplier_key', 'text', (col) => binary(col.notNull().defaultTo('')))
    .addColumn('supplier_name', 'text', (col) => col.notNull().defaultTo(''))
    .addColumn('number', 'text', (col) => binary(col.notNull().defaultTo('')))
    .addColumn('amount_ttc_cents', 'bigint')
    .addColumn('issue_date', 'text', (col) => binary(col))
    .addColumn('received_date', 'text', (col) => binary(col))
    .addColumn('without_metadata', 'integer', (col) => col.notNull().defaultTo(0))
    .addColumn('document_type', 'text', (col) => col.notNull().defaultTo('invoice'))
    .addColumn('budget_code', 'text', (col) => col.notNull().defaultTo(''))
    .addColumn('exercice', 'integer', (col) => col.notNull().defaultTo(0))
    .addColumn('service_code', 'text', (col) => col.notNull().defaultTo(''))
    .addColumn('match_state', 'text', (col) => col.notNull().defaultTo('pending'))
    .addColumn('engagement_numero', 'text', (col) => col.notNull().defaultTo(''))
    .addColumn('anomaly', 'integer', (col) => col.notNull().defaultTo(0))
    .addColumn('anomaly_codes', 'text', (col) => col.notNull().defaultTo(''))
    .addColumn('dgp_expiry', 'text', (col) => binary(col))
    .addColumn('document', 'text', (col) => col.notNull().defaultTo(''))
    .addColumn('indexed_at', 'text', (col) => col.notNull())
    .execute();
  // One index per sort key, and per frequent filter followed by the default sort, so that a page
  // is read in index order and stops after `limit` rows.
  const indexes: [string, string[]][] = [
    ['received', ['tenant_id', 'received_date', 'seq']],
    ['issue', ['tenant_id', 'issue_date', 'seq']],
    ['amount', ['tenant_id', 'amount_ttc_cents', 'seq']],
    ['supplier_key', ['tenant_id', 'supplier_key', 'seq']],
    ['status', ['tenant_id', 'status', 'received_date', 'seq']],
    ['match', ['tenant_id', 'match_state', 'received_date', 'seq']],
    ['budget', ['tenant_id', 'budget_code', 'exercice', 'received_date', 'seq']],
    ['siret', ['tenant_id', 'supplier_siret', 'received_date', 'seq']],
    ['anomaly', ['tenant_id', 'anomaly', 'received_date', 'seq']],
    ['dgp', ['tenant_id', 'dgp_expiry']],
  ];
  for (const [name, columns] of indexes) {
    await db.schema.createIndex(`invoice_search_${name}`).on('invoice_search').columns(columns).execute();
  }

  await db.schema
    .createTable('invoice_search_facets')
    .addColumn('tenant_id', 'text', (col) => col.notNull())
    .addColumn('status', 'text', (col) => col.notNull())
    .addColumn('chorus_status', 'text', (col) => col.notNull())
    .addColumn('budget_code', 'text', (col) => col.notNull())
    .addColumn('exercice', 'integer', (col) => col.notNull())
    .addColumn('service_code', 'text', (col) => col.notNull())
    .addColumn('match_state', 'text', (col) => col.notNull())
    .addColumn('anomaly', 'integer', (col) => col.notNull())
    .addColumn('without_metadata', 'integer', (col) => col.notNull())
    .addColumn('n', 'bigint', (col) => col.notNull())
    .addPrimaryKeyConstraint('invoice_search_facets_pk', [...FACET_DIMENSIONS])
    .execute();

  const dims = FACET_DIMENSIONS.join(', ');
  const newDims = FACET_DIMENSIONS.map((name) => `new.${name}`).join(', ');
  const oldMatch = FACET_DIMENSIONS.map((name) => `${name} = old.${name}`).join(' and ');
  const changed = FACET_DIMENSIONS.map((name) => `old.${name} is distinct from new.${name}`).join(' or ');
  const increment = `insert into invoice_search_facets (${dims}, n) values (${newDims}, 1)
      on conflict (${dims}) do update set n = invoice_search_facets.n + 1`;
  const decrement = `update invoice_search_facets set n = n - 1 where ${oldMatch}`;

  if (postgres) {
    await sql.raw(`alter table invoice_search add column tsv tsvector not null default ''::tsvector`).execute(db);
    await sql.raw(`create index invoice_search_tsv on invoice_search using gin (tsv)`).execute(db);
    await sql
      .raw(
        `create function invoice_search_facets_keep() returns trigger language plpgsql as $$
        begin
          if tg_op = 'INSERT' then
            ${increment};
          elsif tg_op = 'DELETE' then
            ${decrement};
          elsif ${changed} then
            ${decrement};
            ${increment};
          end if;
          return null;
        end $$`,
      )
      .execute(db);
    await sql
      .raw(
        `create trigger invoice_search_facets_keep after insert or update or delete on invoice_search
         for each row execute function invoice_search_facets_keep()`,
      )
      .execute(db);
    await sql
      .raw(
        `create function invoice_search_follow_status() returns trigger language plpgsql as $$
        begin
          if old.status is distinct from new.status or old.chorus_status is distinct from new.chorus_status then
            update invoice_search set status = new.status, chorus_status = coalesce(new.chorus_status, '')
              where invoice_id = new.id;
          end if;
          return null;
        end $$`,
      )
      .execute(db);
    await sql
      .raw(
        `create trigger invoice_search_follow_status after update on invoices
         for each row execute function invoice_search_follow_status()`,
      )
      .execute(db);
  } else {
    await sql
      .raw(
        `create virtual table invoice_search_fts using fts5(document, content='', contentless_delete=1,
         tokenize = 'unicode61 remove_diacritics 2')`,
      )
      .execute(db);
    await sql.raw(`create trigger invoice_search_facets_insert after insert on invoice_search begin ${increment}; end`).execute(db);
    await sql
      .raw(
        `create trigger invoice_search_facets_delete after delete on invoice_search begin
           ${decrement};
           delete from invoice_search_fts where rowid = old.seq;
         end`,
      )
      .execute(db);
    await sql
      .raw(
        `create trigger invoice_search_facets_update after update on invoice_search when ${changed} begin
           ${decrement};
           ${increment};
         end`,
      )
      .execute(db);
    await sql
      .raw(
        `create trigger invoice_search_follow_status after update of status, chorus_status on invoices
         when old.status is not new.status or old.chorus_status is not new.chorus_status begin
           update invoice_search set status = new.status, chorus_status = coalesce(new.chorus_status, '')
             where invoice_id = new.id;
         end`,
      )
      .execute(db);
  }
}

export async function down(db: Kysely<any>, dialect: Dialect): Promise<void> {
  if (dialect === 'postgres') {
    await sql.raw('drop trigger if exists invoice_search_follow_status on invoices').execute(db);
    await sql.raw('drop function if exists invoice_search_follow_status()').execute(db);
  } else {
    await sql.raw('drop trigger if exists invoice_search_follow_status').execute(db);
    await sql.raw('drop table if exists invoice_search_fts').execute(db);
  }
  await db.schema.dropTable('invoice_search_facets').ifExists().execute();
  await db.schema.dropTable('invoice_search').ifExists().execute();
  if (dialect === 'postgres') await sql.raw('drop function if exists invoice_search_facets_keep()').execute(db);
  await db.schema.dropTable('invoice_matches').ifExists().execute();
}
