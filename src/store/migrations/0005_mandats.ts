import type { Kysely } from 'kysely';
import type { Dialect } from '../db.ts';

export async function up(db: Kysely<any>, _dialect: Dialect): Promise<void> {
  await db.schema
    .createTable('bordereaux')
    .addColumn('id', 'text', (col) => col.primaryKey())
    .addColumn('tenant_id', 'text', (col) => col.notNull().references('tenants.id'))
    .addColumn('budget_id', 'text', (col) => col.notNull().references('budgets.id'))
    .addColumn('exercice', 'integer', (col) => col.notNull())
    .addColumn('numero', 'integer', (col) => col.notNull())
    .addColumn('typ_bord', 'text', (col) => col.notNull())
    .addColumn('status', 'text', (col) => col.notNull())
    .addColumn('mandat_count', 'integer', (col) => col.notNull())
    .addColumn('total_ht', 'text', (col) => col.notNull())
    .addColumn('total_tva', 'text', (col) => col.notNull())
    .addColumn('total_ttc', 'text', (col) => col.notNull())
    .addColumn('total_ht_cents', 'bigint', (col) => col.notNull())
    .addColumn('total_tva_cents', 'bigint', (col) => col.notNull())
    .addColumn('total_ttc_cents', 'bigint', (col) => col.notNull())
    .addColumn('pes_filename', 'text')
    .addColumn('pes_sha256', 'text')
    .addColumn('pes_size', 'bigint')
    .addColumn('channel', 'text')
    .addColumn('transmission_id', 'text')
    .addColumn('transmission_status', 'text')
    .addColumn('rejection_reason', 'text')
    .addColumn('created_by', 'text', (col) => col.notNull())
    .addColumn('created_at', 'text', (col) => col.notNull())
    .addColumn('updated_at', 'text', (col) => col.notNull())
    .addColumn('sent_at', 'text')
    .addColumn('acknowledged_at', 'text')
    .addUniqueConstraint('bordereaux_number_unique', ['budget_id', 'exercice', 'typ_bord', 'numero'])
    .addUniqueConstraint('bordereaux_pes_filename_unique', ['pes_filename'])
    .execute();

  await db.schema
    .createTable('mandats')
    .addColumn('id', 'text', (col) => col.primaryKey())
    .addColumn('tenant_id', 'text', (col) => col.notNull().references('tenants.id'))
    .addColumn('budget_id', 'text', (col) => col.notNull().references('budgets.id'))
    .addColumn('exercice', 'integer', (col) => col.notNull())
    .addColumn('numero', 'integer', (col) => col.notNull())
    .addColumn('kind', 'text', (col) => col.notNull())
    .addColumn('status', 'text', (col) => col.notNull())
    .addColumn('bordereau_id', 'text', (col) => col.references('bordereaux.id'))
    .addColumn('tiers_id', 'text', (col) => col.notNull().references('tiers.id'))
    .addColumn('invoice_id', 'text', (col) => col.references('invoices.id'))
    .addColumn('original_mandat_id', 'text', (col) => col.references('mandats.id'))
    .addColumn('objet', 'text', (col) => col.notNull())
    .addColumn('service_code', 'text')
    .addColumn('typ_pce', 'text', (col) => col.notNull())
    .addColumn('nat_pce', 'text', (col) => col.notNull())
    .addColumn('mode_reglement', 'text', (col) => col.notNull())
    .addColumn('iban', 'text')
    .addColumn('bic', 'text')
    .addColumn('account_holder', 'text')
    .addColumn('invoice_numbers', 'text')
    .addColumn('vat_regime', 'text', (col) => col.notNull())
    .addColumn('amount_ht', 'text', (col) => col.notNull())
    .addColumn('amount_tva', 'text', (col) => col.notNull())
    .addColumn('amount_ttc', 'text', (col) => col.notNull())
    .addColumn('amount_ht_cents', 'bigint', (col) => col.notNull())
    .addColumn('amount_tva_cents', 'bigint', (col) => col.notNull())
    .addColumn('amount_ttc_cents', 'bigint', (col) => col.notNull())
    .addColumn('liquidated_cents', 'bigint', (col) => col.notNull())
    .addColumn('dgp_start', 'text')
    .addColumn('dgp_expiry', 'text')
    .addColumn('dgp_days', 'integer')
    .addColumn('reason', 'text')
    .addColumn('correction_reason', 'text')
    .addColumn('created_by', 'text', (col) => col.notNull())
    .addColumn('created_at', 'text', (col) => col.notNull())
    .addColumn('updated_at', 'text', (col) => col.notNull())
    .addColumn('sent_at', 'text')
    .addColumn('acknowledged_at', 'text')
    .addUniqueConstraint('mandats_number_unique', ['budget_id', 'exercice', 'numero'])
    .execute();
  await db.schema.createIndex('mandats_tenant_status').on('mandats').columns(['tenant_id', 'status']).execute();
  await db.schema.createIndex('mandats_invoice').on('mandats').columns(['invoice_id']).execute();
  await db.schema.createIndex('mandats_bordereau').on('mandats').columns(['bordereau_id']).execute();

  await db.schema
    .createTable('mandat_lines')
    .addColumn('mandat_id', 'text', (col) => col.notNull().references('mandats.id'))
    .addColumn('line_no', 'integer', (col) => col.notNull())
    .addColumn('invoice_id', 'text', (col) => col.references('invoices.id'))
    .addColumn('engagement_id', 'text', (col) => col.notNull().references('engagements.id'))
    .addColumn('invoice_number', 'text')
    .addColumn('section', 'text')
    .addColumn('chapitre', 'text')
    .addColumn('nature', 'text', (col) => col.notNull())
    .addColumn('fonction', 'text')
    .addColumn('operation', 'text')
    .addColumn('amount_ht', 'text', (col) => col.notNull())
    .addColumn('amount_tva', 'text', (col) => col.notNull())
    .addColumn('amount_ttc', 'text', (col) => col.notNull())
    .addColumn('amount_ht_cents', 'bigint', (col) => col.notNull())
    .addColumn('amount_tva_cents', 'bigint', (col) => col.notNull())
    .addColumn('amount_ttc_cents', 'bigint', (col) => col.notNull())
    .addColumn('liquidated_cents', 'bigint', (col) => col.notNull())
    .addPrimaryKeyConstraint('mandat_lines_pk', ['mandat_id', 'line_no'])
    .execute();
  await db.schema.createIndex('mandat_lines_invoice').on('mandat_lines').columns(['invoice_id']).execute();
  await db.schema.createIndex('mandat_lines_engagement').on('mandat_lines').columns(['engagement_id']).execute();

  await db.schema
    .createTable('mandat_pjs')
    .addColumn('id', 'text', (col) => col.primaryKey())
    .addColumn('tenant_id', 'text', (col) => col.notNull().references('tenants.id'))
    .addColumn('mandat_id', 'text', (col) => col.notNull().references('mandats.id'))
    .addColumn('position', 'integer', (col) => col.notNull())
    .addColumn('invoice_id', 'text', (col) => col.references('invoices.id'))
    .addColumn('role', 'text', (col) => col.notNull())
    .addColumn('filename', 'text', (col) => col.notNull())
    .addColumn('mime_type', 'text', (col) => col.notNull())
    .addColumn('size', 'bigint', (col) => col.notNull())
    .addColumn('sha256', 'text', (col) => col.notNull())
    .addColumn('id_unique', 'text', (col) => col.notNull().unique())
    .addColumn('description', 'text', (col) => col.notNull())
    .addColumn('superseded_at', 'text')
    .addColumn('created_at', 'text', (col) => col.notNull())
    .execute();
  await db.schema.createIndex('mandat_pjs_mandat').on('mandat_pjs').columns(['mandat_id']).execute();

  await db.schema
    .createTable('bordereau_mandats')
    .addColumn('bordereau_id', 'text', (col) => col.notNull().references('bordereaux.id'))
    .addColumn('mandat_id', 'text', (col) => col.notNull().references('mandats.id'))
    .addColumn('position', 'integer', (col) => col.notNull())
    .addPrimaryKeyConstraint('bordereau_mandats_pk', ['bordereau_id', 'mandat_id'])
    .execute();

  await db.schema
    .createTable('acquits')
    .addColumn('id', 'text', (col) => col.primaryKey())
    .addColumn('tenant_id', 'text', (col) => col.references('tenants.id'))
    .addColumn('bordereau_id', 'text', (col) => col.references('bordereaux.id'))
    .addColumn('nom_fic', 'text', (col) => col.notNull())
    .addColumn('accepted', 'integer', (col) => col.notNull())
    .addColumn('sha256', 'text', (col) => col.notNull())
    .addColumn('summary_json', 'text', (col) => col.notNull())
    .addColumn('imported_by', 'text', (col) => col.notNull())
    .addColumn('imported_at', 'text', (col) => col.notNull())
    .addUniqueConstraint('acquits_sha256_bordereau_unique', ['sha256', 'bordereau_id'])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const table of ['acquits', 'bordereau_mandats', 'mandat_pjs', 'mandat_lines', 'mandats', 'bordereaux']) {
    await db.schema.dropTable(table).ifExists().execute();
  }
}
