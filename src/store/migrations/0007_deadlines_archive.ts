import type { Kysely } from 'kysely';
import { ECB_MAIN_REFINANCING_RATES, LEGAL_MARGIN_POINTS } from '../../domain/interest.ts';
import type { Dialect } from '../db.ts';

export async function up(db: Kysely<any>, _dialect: Dialect): Promise<void> {
  await db.schema
    .createTable('late_interest_rates')
    .addColumn('valid_from', 'text', (col) => col.primaryKey())
    .addColumn('ecb_rate', 'text', (col) => col.notNull())
    .addColumn('margin', 'text', (col) => col.notNull())
    .addColumn('updated_by', 'text', (col) => col.notNull())
    .addColumn('updated_at', 'text', (col) => col.notNull())
    .execute();
  const now = new Date().toISOString();
  // Seeded once; later half-years are added by an administrator (the table is the reference).
  await db
    .insertInto('late_interest_rates')
    .values(
      ECB_MAIN_REFINANCING_RATES.map((rate) => ({
        valid_from: rate.validFrom,
        ecb_rate: rate.ecbRate,
        margin: LEGAL_MARGIN_POINTS,
        updated_by: 'migration',
        updated_at: now,
      })),
    )
    .execute();

  await db.schema
    .createTable('alert_recipients')
    .addColumn('id', 'text', (col) => col.primaryKey())
    .addColumn('tenant_id', 'text', (col) => col.notNull().references('tenants.id'))
    .addColumn('service_code', 'text')
    .addColumn('email', 'text', (col) => col.notNull())
    .addColumn('created_at', 'text', (col) => col.notNull())
    .execute();
  await db.schema.createIndex('alert_recipients_tenant').on('alert_recipients').columns(['tenant_id', 'service_code']).execute();

  await db.schema
    .createTable('alert_digests')
    .addColumn('id', 'text', (col) => col.primaryKey())
    .addColumn('tenant_id', 'text', (col) => col.notNull().references('tenants.id'))
    .addColumn('service_code', 'text', (col) => col.notNull())
    .addColumn('day', 'text', (col) => col.notNull())
    .addColumn('recipients', 'text', (col) => col.notNull())
    .addColumn('invoice_count', 'integer', (col) => col.notNull())
    .addColumn('status', 'text', (col) => col.notNull())
    .addColumn('message_id', 'text')
    .addColumn('error', 'text')
    .addColumn('sent_at', 'text', (col) => col.notNull())
    .execute();
  await db.schema.createIndex('alert_digests_day').on('alert_digests').columns(['tenant_id', 'service_code', 'day']).execute();

  await db.schema
    .createTable('webhook_endpoints')
    .addColumn('id', 'text', (col) => col.primaryKey())
    .addColumn('tenant_id', 'text', (col) => col.notNull().references('tenants.id'))
    .addColumn('url', 'text', (col) => col.notNull())
    .addColumn('secret', 'text', (col) => col.notNull())
    .addColumn('events_json', 'text')
    .addColumn('active', 'integer', (col) => col.notNull().defaultTo(1))
    .addColumn('created_at', 'text', (col) => col.notNull())
    .execute();

  await db.schema
    .createTable('webhook_deliveries')
    .addColumn('id', 'text', (col) => col.primaryKey())
    .addColumn('tenant_id', 'text', (col) => col.notNull().references('tenants.id'))
    .addColumn('endpoint_id', 'text', (col) => col.notNull().references('webhook_endpoints.id'))
    .addColumn('event_type', 'text', (col) => col.notNull())
    .addColumn('event_id', 'text', (col) => col.notNull())
    .addColumn('payload_json', 'text', (col) => col.notNull())
    .addColumn('status', 'text', (col) => col.notNull())
    .addColumn('attempts', 'integer', (col) => col.notNull().defaultTo(0))
    .addColumn('next_attempt_at', 'text', (col) => col.notNull())
    .addColumn('last_status', 'integer')
    .addColumn('last_error', 'text')
    .addColumn('created_at', 'text', (col) => col.notNull())
    .addColumn('delivered_at', 'text')
    .addUniqueConstraint('webhook_deliveries_event_unique', ['endpoint_id', 'event_id'])
    .execute();
  await db.schema.createIndex('webhook_deliveries_due').on('webhook_deliveries').columns(['status', 'next_attempt_at']).execute();

  await db.schema
    .createTable('retention_rules')
    .addColumn('id', 'text', (col) => col.primaryKey())
    .addColumn('tenant_id', 'text', (col) => col.references('tenants.id'))
    .addColumn('document_class', 'text', (col) => col.notNull())
    .addColumn('years', 'integer', (col) => col.notNull())
    .addColumn('start', 'text', (col) => col.notNull().defaultTo('exercice_end'))
    .addColumn('final_action', 'text', (col) => col.notNull().defaultTo('destroy'))
    .addColumn('appraisal_rule_code', 'text')
    .addColumn('updated_by', 'text', (col) => col.notNull())
    .addColumn('updated_at', 'text', (col) => col.notNull())
    .addUniqueConstraint('retention_rules_unique', ['tenant_id', 'document_class'])
    .execute();

  await db.schema
    .createTable('elimination_proposals')
    .addColumn('id', 'text', (col) => col.primaryKey())
    .addColumn('tenant_id', 'text', (col) => col.notNull().references('tenants.id'))
    .addColumn('status', 'text', (col) => col.notNull())
    .addColumn('item_count', 'integer', (col) => col.notNull())
    .addColumn('created_by', 'text', (col) => col.notNull())
    .addColumn('created_at', 'text', (col) => col.notNull())
    .addColumn('decided_by', 'text')
    .addColumn('decided_at', 'text')
    .addColumn('decision_note', 'text')
    .addColumn('executed_by', 'text')
    .addColumn('executed_at', 'text')
    .execute();

  await db.schema
    .createTable('elimination_items')
    .addColumn('proposal_id', 'text', (col) => col.notNull().references('elimination_proposals.id'))
    .addColumn('entity', 'text', (col) => col.notNull())
    .addColumn('entity_id', 'text', (col) => col.notNull())
    .addColumn('document_class', 'text', (col) => col.notNull())
    .addColumn('exercice', 'integer', (col) => col.notNull())
    .addColumn('label', 'text', (col) => col.notNull())
    .addColumn('retention_end', 'text', (col) => col.notNull())
    .addColumn('files_json', 'text', (col) => col.notNull())
    .addPrimaryKeyConstraint('elimination_items_pk', ['proposal_id', 'entity', 'entity_id'])
    .execute();
  await db.schema.createIndex('elimination_items_entity').on('elimination_items').columns(['entity', 'entity_id']).execute();

  await db.schema
    .createTable('share_links')
    .addColumn('id', 'text', (col) => col.primaryKey())
    .addColumn('tenant_id', 'text', (col) => col.notNull().references('tenants.id'))
    .addColumn('invoice_id', 'text', (col) => col.notNull().references('invoices.id'))
    .addColumn('token_hash', 'text', (col) => col.notNull().unique())
    .addColumn('recipient', 'text')
    .addColumn('created_by', 'text', (col) => col.notNull())
    .addColumn('created_at', 'text', (col) => col.notNull())
    .addColumn('expires_at', 'text', (col) => col.notNull())
    .addColumn('revoked_at', 'text')
    .addColumn('revoked_by', 'text')
    .addColumn('open_count', 'integer', (col) => col.notNull().defaultTo(0))
    .addColumn('last_opened_at', 'text')
    .execute();
  await db.schema.createIndex('share_links_invoice').on('share_links').columns(['invoice_id']).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const table of [
    'share_links',
    'elimination_items',
    'elimination_proposals',
    'retention_rules',
    'webhook_deliveries',
    'webhook_endpoints',
    'alert_digests',
    'alert_recipients',
    'late_interest_rates',
  ]) {
    await db.schema.dropTable(table).ifExists().execute();
  }
}
