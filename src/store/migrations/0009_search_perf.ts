// Search at a million invoices (issue #5):
// - invoice_search.dgp_state: the state of the délai global de paiement computed at indexing by
//   src/domain/dgp.ts (running | suspended | paid | '' unknown). Only a running delay has an expiry
//   that does not move with the calendar, so the risk filter reads (tenant, dgp_state = running,
//   dgp_expiry ≤ day) from one index that also carries the status it excludes.
// - invoice_search_facets gains anomaly_codes as a dimension: "anomaly = duplicate" is then
//   answered, total and facets, from the counts table instead of counting a tenth of the invoices.
// - invoice_search_narrow (SQLite): every filter, sort and facet column keyed by seq, without the
//   document. A text query reads its matches from FTS5 by rowid and then one row each: from this
//   index the row is a hundred bytes instead of the whole document (half the time at 10 000 rows).
// The counts table is rebuilt from invoice_search, and its triggers recreated with the new list.
import { type Kysely, sql } from 'kysely';
import type { Dialect } from '../db.ts';

const OLD_DIMENSIONS = ['tenant_id', 'status', 'chorus_status', 'budget_code', 'exercice', 'service_code', 'match_state', 'anomaly', 'without_metadata'];
const NEW_DIMENSIONS = [...OLD_DIMENSIONS, 'anomaly_codes'];
/** Kept in step with search.ts: the columns its text queries read or filter on. */
export const NARROW_COLUMNS = [
  'seq', 'tenant_id', 'received_date', 'issue_date', 'amount_ttc_cents', 'supplier_key', 'supplier_siret', 'status', 'chorus_status',
  'budget_code', 'exercice', 'service_code', 'match_state', 'anomaly', 'without_metadata', 'anomaly_codes', 'dgp_state', 'dgp_expiry',
  'document_type',
] as const;

async function facetTable(db: Kysely<any>, dimensions: string[]): Promise<void> {
  let table = db.schema
    .createTable('invoice_search_facets')
    .addColumn('tenant_id', 'text', (col) => col.notNull())
    .addColumn('status', 'text', (col) => col.notNull())
    .addColumn('chorus_status', 'text', (col) => col.notNull())
    .addColumn('budget_code', 'text', (col) => col.notNull())
    .addColumn('exercice', 'integer', (col) => col.notNull())
    .addColumn('service_code', 'text', (col) => col.notNull())
    .addColumn('match_state', 'text', (col) => col.notNull())
    .addColumn('anomaly', 'integer', (col) => col.notNull())
    .addColumn('without_metadata', 'integer', (col) => col.notNull());
  if (dimensions.includes('anomaly_codes')) table = table.addColumn('anomaly_codes', 'text', (col) => col.notNull());
  await table
    .addColumn('n', 'bigint', (col) => col.notNull())
    .addPrimaryKeyConstraint('invoice_search_facets_pk', dimensions as never)
    .execute();
  const dims = dimensions.join(', ');
  await sql
    .raw(`insert into invoice_search_facets (${dims}, n) select ${dims}, count(*) from invoice_search group by ${dims}`)
    .execute(db);
}

/** The counts table and the triggers that keep it, for a list of dimensions (as in 0004). */
async function keepFacets(db: Kysely<any>, dialect: Dialect, dimensions: string[]): Promise<void> {
  const dims = dimensions.join(', ');
  const newDims = dimensions.map((name) => `new.${name}`).join(', ');
  const oldMatch = dimensions.map((name) => `${name} = old.${name}`).join(' and ');
  const changed = dimensions.map((name) => `old.${name} is distinct from new.${name}`).join(' or ');
  const increment = `insert into invoice_search_facets (${dims}, n) values (${newDims}, 1)
      on conflict (${dims}) do update set n = invoice_search_facets.n + 1`;
  const decrement = `update invoice_search_facets set n = n - 1 where ${oldMatch}`;
  if (dialect === 'postgres') {
    await sql
      .raw(
        `create or replace function invoice_search_facets_keep() returns trigger language plpgsql as $$
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
    return;
  }
  await sql.raw('drop trigger if exists invoice_search_facets_insert').execute(db);
  await sql.raw('drop trigger if exists invoice_search_facets_delete').execute(db);
  await sql.raw('drop trigger if exists invoice_search_facets_update').execute(db);
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
}

async function rebuildFacets(db: Kysely<any>, dialect: Dialect, dimensions: string[]): Promise<void> {
  if (dialect === 'sqlite') {
    // Dropped first: the old triggers name the old columns.
    for (const name of ['insert', 'delete', 'update']) await sql.raw(`drop trigger if exists invoice_search_facets_${name}`).execute(db);
  }
  await db.schema.dropTable('invoice_search_facets').execute();
  await facetTable(db, dimensions);
  await keepFacets(db, dialect, dimensions);
}

export async function up(db: Kysely<any>, dialect: Dialect): Promise<void> {
  const postgres = dialect === 'postgres';
  await db.schema.alterTable('invoice_search').addColumn('dgp_state', 'text', (col) => col.notNull().defaultTo('')).execute();
  await db.schema.dropIndex('invoice_search_dgp').execute();
  await db.schema
    .createIndex('invoice_search_dgp_risk')
    .on('invoice_search')
    .columns(['tenant_id', 'dgp_state', 'dgp_expiry', 'status', 'seq'])
    .execute();
  if (!postgres) {
    await db.schema.createIndex('invoice_search_narrow').on('invoice_search').columns([...NARROW_COLUMNS]).execute();
  }
  await rebuildFacets(db, dialect, NEW_DIMENSIONS);
  if (postgres) await sql`analyze invoice_search`.execute(db);
}

export async function down(db: Kysely<any>, dialect: Dialect): Promise<void> {
  if (dialect === 'sqlite') await db.schema.dropIndex('invoice_search_narrow').ifExists().execute();
  await rebuildFacets(db, dialect, OLD_DIMENSIONS);
  await db.schema.dropIndex('invoice_search_dgp_risk').execute();
  await db.schema.createIndex('invoice_search_dgp').on('invoice_search').columns(['tenant_id', 'dgp_expiry']).execute();
  await db.schema.alterTable('invoice_search').dropColumn('dgp_state').execute();
}
