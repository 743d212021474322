import type { Kysely } from 'kysely';
import type { Dialect } from '../db.ts';

export async function up(db: Kysely<any>, _dialect: Dialect): Promise<void> {
  await db.schema
    .createTable('publish_outbox')
    .addColumn('id', 'text', (col) => col.primaryKey())
    .addColumn('tenant_id', 'text', (col) => col.notNull().references('tenants.id'))
    .addColumn('invoice_id', 'text', (col) => col.notNull().references('invoices.id'))
    .addColumn('seq', 'integer', (col) => col.notNull())
    .addColumn('chorus_id', 'bigint', (col) => col.notNull())
    .addColumn('status', 'text', (col) => col.notNull())
    .addColumn('motif', 'text')
    .addColumn('numero_dp_mandat', 'text')
    .addColumn('state', 'text', (col) => col.notNull())
    .addColumn('resolution', 'text')
    .addColumn('attempts', 'integer', (col) => col.notNull().defaultTo(0))
    .addColumn('next_attempt_at', 'text', (col) => col.notNull())
    .addColumn('lease_owner', 'text')
    .addColumn('lease_until', 'text')
    .addColumn('history_baseline', 'text')
    .addColumn('last_error', 'text')
    .addColumn('actor', 'text', (col) => col.notNull())
    .addColumn('created_at', 'text', (col) => col.notNull())
    .addColumn('updated_at', 'text', (col) => col.notNull())
    .addColumn('done_at', 'text')
    .addUniqueConstraint('publish_outbox_invoice_seq_unique', ['invoice_id', 'seq'])
    .execute();
  // The worker's claim query: open rows by state and due date.
  await db.schema.createIndex('publish_outbox_open').on('publish_outbox').columns(['state', 'next_attempt_at']).execute();

  await db.schema
    .createTable('publish_attempts')
    .addColumn('id', 'text', (col) => col.primaryKey())
    .addColumn('outbox_id', 'text', (col) => col.notNull().references('publish_outbox.id'))
    .addColumn('tenant_id', 'text', (col) => col.notNull())
    .addColumn('invoice_id', 'text', (col) => col.notNull())
    .addColumn('attempt', 'integer', (col) => col.notNull())
    .addColumn('worker', 'text', (col) => col.notNull())
    .addColumn('started_at', 'text', (col) => col.notNull())
    .addColumn('finished_at', 'text', (col) => col.notNull())
    .addColumn('outcome', 'text', (col) => col.notNull())
    .addColumn('http_status', 'integer')
    .addColumn('code_retour', 'integer')
    .addColumn('message', 'text')
    .execute();
  await db.schema.createIndex('publish_attempts_invoice').on('publish_attempts').columns(['invoice_id']).execute();

  await db.schema
    .createTable('publish_settings')
    .addColumn('tenant_id', 'text', (col) => col.primaryKey().references('tenants.id'))
    .addColumn('helios_keeps_accounts', 'integer', (col) => col.notNull().defaultTo(1))
    .addColumn('updated_at', 'text', (col) => col.notNull())
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const table of ['publish_settings', 'publish_attempts', 'publish_outbox']) {
    await db.schema.dropTable(table).ifExists().execute();
  }
}
