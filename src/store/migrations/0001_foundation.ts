import { type Kysely, sql } from 'kysely';
import type { Dialect } from '../db.ts';

export async function up(db: Kysely<any>, _dialect: Dialect): Promise<void> {
  await db.schema
    .createTable('tenants')
    .addColumn('id', 'text', (col) => col.primaryKey())
    .addColumn('name', 'text', (col) => col.notNull())
    .addColumn('siren', 'text')
    .addColumn('kind', 'text', (col) => col.notNull().defaultTo('commune'))
    .addColumn('chorus_connection_encrypted', 'text')
    .addColumn('created_at', 'text', (col) => col.notNull())
    .addColumn('updated_at', 'text', (col) => col.notNull())
    .execute();

  await db.schema
    .createTable('structures')
    .addColumn('id', 'text', (col) => col.primaryKey())
    .addColumn('tenant_id', 'text', (col) => col.notNull().references('tenants.id'))
    .addColumn('chorus_id', 'bigint', (col) => col.notNull())
    .addColumn('siret', 'text', (col) => col.notNull())
    .addColumn('name', 'text', (col) => col.notNull())
    .addColumn('active', 'integer', (col) => col.notNull().defaultTo(1))
    .addColumn('refreshed_at', 'text', (col) => col.notNull())
    .addUniqueConstraint('structures_tenant_chorus_unique', ['tenant_id', 'chorus_id'])
    .execute();

  await db.schema
    .createTable('chorus_services')
    .addColumn('id', 'text', (col) => col.primaryKey())
    .addColumn('tenant_id', 'text', (col) => col.notNull().references('tenants.id'))
    .addColumn('structure_id', 'text', (col) => col.notNull().references('structures.id'))
    .addColumn('chorus_id', 'bigint', (col) => col.notNull())
    .addColumn('code', 'text', (col) => col.notNull())
    .addColumn('name', 'text', (col) => col.notNull())
    .addColumn('active', 'integer', (col) => col.notNull().defaultTo(1))
    .addColumn('refreshed_at', 'text', (col) => col.notNull())
    .addUniqueConstraint('chorus_services_structure_chorus_unique', ['structure_id', 'chorus_id'])
    .execute();

  await db.schema
    .createTable('invoices')
    .addColumn('id', 'text', (col) => col.primaryKey())
    .addColumn('tenant_id', 'text', (col) => col.notNull().references('tenants.id'))
    .addColumn('structure_id', 'text', (col) => col.references('structures.id'))
    .addColumn('chorus_id', 'bigint', (col) => col.notNull())
    .addColumn('chorus_status', 'text')
    .addColumn('chorus_status_at', 'text')
    .addColumn('deposited_at', 'text')
    .addColumn('made_available_at', 'text')
    .addColumn('chorus_service_code', 'text')
    .addColumn('status', 'text', (col) => col.notNull())
    .addColumn('format', 'text')
    .addColumn('profile', 'text')
    .addColumn('document_type', 'text', (col) => col.notNull().defaultTo('invoice'))
    .addColumn('type_code', 'text')
    .addColumn('number', 'text')
    .addColumn('issue_date', 'text')
    .addColumn('due_date', 'text')
    .addColumn('currency', 'text')
    .addColumn('buyer_reference', 'text')
    .addColumn('order_reference', 'text')
    .addColumn('contract_reference', 'text')
    .addColumn('seller_name', 'text')
    .addColumn('seller_siret', 'text')
    .addColumn('seller_vat_id', 'text')
    .addColumn('buyer_siret', 'text')
    .addColumn('iban', 'text')
    .addColumn('amount_ht', 'text')
    .addColumn('amount_tva', 'text')
    .addColumn('amount_ttc', 'text')
    .addColumn('amount_payable', 'text')
    .addColumn('amount_ttc_cents', 'bigint')
    .addColumn('without_metadata', 'integer', (col) => col.notNull().defaultTo(0))
    .addColumn('model_json', 'text')
    .addColumn('pivot_sha256', 'text')
    .addColumn('original_sha256', 'text')
    .addColumn('pdf_sha256', 'text')
    .addColumn('quarantined', 'integer', (col) => col.notNull().defaultTo(0))
    .addColumn('quarantine_reason', 'text')
    .addColumn('history_only', 'integer', (col) => col.notNull().defaultTo(0))
    .addColumn('created_at', 'text', (col) => col.notNull())
    .addColumn('updated_at', 'text', (col) => col.notNull())
    .addUniqueConstraint('invoices_tenant_chorus_unique', ['tenant_id', 'chorus_id'])
    .execute();
  await db.schema.createIndex('invoices_tenant_status').on('invoices').columns(['tenant_id', 'status']).execute();
  await db.schema.createIndex('invoices_tenant_seller').on('invoices').columns(['tenant_id', 'seller_siret']).execute();
  await db.schema.createIndex('invoices_tenant_number').on('invoices').columns(['tenant_id', 'number']).execute();

  await db.schema
    .createTable('invoice_lines')
    .addColumn('invoice_id', 'text', (col) => col.notNull().references('invoices.id').onDelete('cascade'))
    .addColumn('position', 'integer', (col) => col.notNull())
    .addColumn('line_id', 'text')
    .addColumn('name', 'text')
    .addColumn('quantity', 'text')
    .addColumn('unit_code', 'text')
    .addColumn('net_price', 'text')
    .addColumn('net_amount', 'text')
    .addColumn('vat_category', 'text')
    .addColumn('vat_rate', 'text')
    .addPrimaryKeyConstraint('invoice_lines_pk', ['invoice_id', 'position'])
    .execute();

  await db.schema
    .createTable('invoice_vat')
    .addColumn('invoice_id', 'text', (col) => col.notNull().references('invoices.id').onDelete('cascade'))
    .addColumn('position', 'integer', (col) => col.notNull())
    .addColumn('category', 'text')
    .addColumn('rate', 'text')
    .addColumn('taxable_amount', 'text')
    .addColumn('tax_amount', 'text')
    .addColumn('exemption_reason', 'text')
    .addPrimaryKeyConstraint('invoice_vat_pk', ['invoice_id', 'position'])
    .execute();

  await db.schema
    .createTable('invoice_files')
    .addColumn('invoice_id', 'text', (col) => col.notNull().references('invoices.id').onDelete('cascade'))
    .addColumn('position', 'integer', (col) => col.notNull())
    .addColumn('role', 'text', (col) => col.notNull())
    .addColumn('filename', 'text', (col) => col.notNull())
    .addColumn('mime_type', 'text')
    .addColumn('size', 'bigint', (col) => col.notNull())
    .addColumn('sha256', 'text', (col) => col.notNull())
    .addPrimaryKeyConstraint('invoice_files_pk', ['invoice_id', 'position'])
    .execute();

  await db.schema
    .createTable('chorus_history')
    .addColumn('id', 'text', (col) => col.primaryKey())
    .addColumn('invoice_id', 'text', (col) => col.notNull().references('invoices.id').onDelete('cascade'))
    .addColumn('status', 'text', (col) => col.notNull())
    .addColumn('at', 'text', (col) => col.notNull())
    .addColumn('comment', 'text')
    .addColumn('cycle', 'integer', (col) => col.notNull().defaultTo(1))
    .addUniqueConstraint('chorus_history_unique', ['invoice_id', 'status', 'at'])
    .execute();

  await db.schema
    .createTable('audit_log')
    .addColumn('seq', 'bigint', (col) => col.primaryKey())
    .addColumn('at', 'text', (col) => col.notNull())
    .addColumn('tenant_id', 'text')
    .addColumn('actor', 'text', (col) => col.notNull())
    .addColumn('action', 'text', (col) => col.notNull())
    .addColumn('entity', 'text', (col) => col.notNull())
    .addColumn('entity_id', 'text')
    .addColumn('data_json', 'text')
    .addColumn('prev_hash', 'text', (col) => col.notNull())
    .addColumn('hash', 'text', (col) => col.notNull())
    .execute();
  await db.schema.createIndex('audit_log_entity').on('audit_log').columns(['entity', 'entity_id']).execute();

  await db.schema
    .createTable('sequences')
    .addColumn('name', 'text', (col) => col.primaryKey())
    .addColumn('value', 'bigint', (col) => col.notNull())
    .execute();
  // The audit chain's head row: writers lock it so the chain stays linear across processes.
  await sql`insert into sequences (name, value) values ('audit_log', 0)`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const table of [
    'sequences',
    'audit_log',
    'chorus_history',
    'invoice_files',
    'invoice_vat',
    'invoice_lines',
    'invoices',
    'chorus_services',
    'structures',
    'tenants',
  ]) {
    await db.schema.dropTable(table).ifExists().execute();
  }
}
