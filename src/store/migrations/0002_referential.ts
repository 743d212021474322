import type { Kysely } from 'kysely';
import type { Dialect } from '../db.ts';

export async function up(db: Kysely<any>, _dialect: Dialect): Promise<void> {
  await db.schema
    .createTable('budgets')
    .addColumn('id', 'text', (col) => col.primaryKey())
    .addColumn('tenant_id', 'text', (col) => col.notNull().references('tenants.id'))
    .addColumn('code', 'text', (col) => col.notNull())
    .addColumn('label', 'text', (col) => col.notNull())
    .addColumn('siret', 'text', (col) => col.notNull())
    .addColumn('vat_regime', 'text', (col) => col.notNull().defaultTo('TTC'))
    .addColumn('nomenclature', 'text')
    .addColumn('codcol', 'text')
    .addColumn('codbud', 'text')
    .addColumn('idpost', 'text')
    .addColumn('created_at', 'text', (col) => col.notNull())
    .addColumn('updated_at', 'text', (col) => col.notNull())
    .addUniqueConstraint('budgets_tenant_code_unique', ['tenant_id', 'code'])
    .execute();

  await db.schema
    .createTable('exercices')
    .addColumn('id', 'text', (col) => col.primaryKey())
    .addColumn('tenant_id', 'text', (col) => col.notNull().references('tenants.id'))
    .addColumn('budget_id', 'text', (col) => col.notNull().references('budgets.id'))
    .addColumn('year', 'integer', (col) => col.notNull())
    .addColumn('open', 'integer', (col) => col.notNull().defaultTo(1))
    .addUniqueConstraint('exercices_budget_year_unique', ['budget_id', 'year'])
    .execute();

  await db.schema
    .createTable('services')
    .addColumn('id', 'text', (col) => col.primaryKey())
    .addColumn('tenant_id', 'text', (col) => col.notNull().references('tenants.id'))
    .addColumn('code', 'text', (col) => col.notNull())
    .addColumn('label', 'text', (col) => col.notNull())
    .addColumn('chorus_service_code', 'text')
    .addUniqueConstraint('services_tenant_code_unique', ['tenant_id', 'code'])
    .execute();

  await db.schema
    .createTable('tiers')
    .addColumn('id', 'text', (col) => col.primaryKey())
    .addColumn('tenant_id', 'text', (col) => col.notNull().references('tenants.id'))
    .addColumn('siret', 'text', (col) => col.notNull())
    .addColumn('siren', 'text')
    .addColumn('vat_id', 'text')
    .addColumn('name', 'text', (col) => col.notNull())
    .addColumn('address', 'text')
    .addColumn('ibans_json', 'text', (col) => col.notNull().defaultTo('[]'))
    .addColumn('created_at', 'text', (col) => col.notNull())
    .addColumn('updated_at', 'text', (col) => col.notNull())
    .addUniqueConstraint('tiers_tenant_siret_unique', ['tenant_id', 'siret'])
    .execute();
  await db.schema.createIndex('tiers_tenant_siren').on('tiers').columns(['tenant_id', 'siren']).execute();

  await db.schema
    .createTable('marches')
    .addColumn('id', 'text', (col) => col.primaryKey())
    .addColumn('tenant_id', 'text', (col) => col.notNull().references('tenants.id'))
    .addColumn('numero', 'text', (col) => col.notNull())
    .addColumn('tiers_id', 'text', (col) => col.references('tiers.id'))
    .addColumn('objet', 'text')
    .addUniqueConstraint('marches_tenant_numero_unique', ['tenant_id', 'numero'])
    .execute();

  await db.schema
    .createTable('engagements')
    .addColumn('id', 'text', (col) => col.primaryKey())
    .addColumn('tenant_id', 'text', (col) => col.notNull().references('tenants.id'))
    .addColumn('numero', 'text', (col) => col.notNull())
    .addColumn('numero_normalized', 'text', (col) => col.notNull())
    .addColumn('exercice', 'integer', (col) => col.notNull())
    .addColumn('budget_id', 'text', (col) => col.notNull().references('budgets.id'))
    .addColumn('tiers_id', 'text', (col) => col.references('tiers.id'))
    .addColumn('service_code', 'text')
    .addColumn('section', 'text')
    .addColumn('chapitre', 'text')
    .addColumn('nature', 'text')
    .addColumn('fonction', 'text')
    .addColumn('operation', 'text')
    .addColumn('objet', 'text')
    .addColumn('marche', 'text')
    .addColumn('amount_ttc_cents', 'bigint', (col) => col.notNull())
    .addColumn('amount_ht_cents', 'bigint')
    .addColumn('liquidated_ttc_cents', 'bigint', (col) => col.notNull().defaultTo(0))
    .addColumn('liquidated_ht_cents', 'bigint', (col) => col.notNull().defaultTo(0))
    .addColumn('status', 'text', (col) => col.notNull().defaultTo('open'))
    .addColumn('created_at', 'text', (col) => col.notNull())
    .addColumn('updated_at', 'text', (col) => col.notNull())
    .addUniqueConstraint('engagements_tenant_numero_exercice_unique', ['tenant_id', 'numero', 'exercice'])
    .execute();
  await db.schema
    .createIndex('engagements_tenant_normalized')
    .on('engagements')
    .columns(['tenant_id', 'numero_normalized'])
    .execute();
  await db.schema.createIndex('engagements_tenant_tiers').on('engagements').columns(['tenant_id', 'tiers_id']).execute();

  await db.schema
    .createTable('invoice_allocations')
    .addColumn('id', 'text', (col) => col.primaryKey())
    .addColumn('tenant_id', 'text', (col) => col.notNull().references('tenants.id'))
    .addColumn('invoice_id', 'text', (col) => col.notNull().references('invoices.id'))
    .addColumn('engagement_id', 'text', (col) => col.notNull().references('engagements.id'))
    .addColumn('amount_ttc_cents', 'bigint', (col) => col.notNull())
    .addColumn('amount_ht_cents', 'bigint')
    .addColumn('source', 'text', (col) => col.notNull())
    .addColumn('confirmed_by', 'text')
    .addColumn('created_at', 'text', (col) => col.notNull())
    .addUniqueConstraint('invoice_allocations_unique', ['invoice_id', 'engagement_id'])
    .execute();
  await db.schema
    .createIndex('invoice_allocations_engagement')
    .on('invoice_allocations')
    .columns(['engagement_id'])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const table of ['invoice_allocations', 'engagements', 'marches', 'tiers', 'services', 'exercices', 'budgets']) {
    await db.schema.dropTable(table).ifExists().execute();
  }
}
