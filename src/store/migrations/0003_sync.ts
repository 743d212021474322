// Sync and background jobs (issue #4): the per-structure sync cursor, the per-tenant sync lease,
// a log of sync runs, and the SQLite job queue (PostgreSQL installations use pg-boss instead, but
// the tables exist on both so a store can switch provider).
import { type Kysely, sql } from 'kysely';
import type { Dialect } from '../db.ts';

export async function up(db: Kysely<any>, _dialect: Dialect): Promise<void> {
  await db.schema
    .createTable('sync_cursors')
    .addColumn('tenant_id', 'text', (col) => col.notNull().references('tenants.id'))
    .addColumn('structure_id', 'text', (col) => col.notNull().references('structures.id'))
    // Upper bound (ISO instant) of the last state-change window whose invoices are all stored.
    .addColumn('window_end', 'text', (col) => col.notNull())
    .addColumn('updated_at', 'text', (col) => col.notNull())
    .addPrimaryKeyConstraint('sync_cursors_pk', ['tenant_id', 'structure_id'])
    .execute();

  // One row per tenant while a sync runs: the holder renews `expires_at`; a crashed holder's lease
  // is taken over once expired, or at once when its pid is gone on the same host.
  await db.schema
    .createTable('sync_leases')
    .addColumn('tenant_id', 'text', (col) => col.primaryKey().references('tenants.id'))
    .addColumn('holder', 'text', (col) => col.notNull())
    .addColumn('hostname', 'text', (col) => col.notNull())
    .addColumn('pid', 'integer', (col) => col.notNull())
    .addColumn('acquired_at', 'text', (col) => col.notNull())
    .addColumn('expires_at', 'text', (col) => col.notNull())
    .execute();

  await db.schema
    .createTable('sync_runs')
    .addColumn('id', 'text', (col) => col.primaryKey())
    .addColumn('tenant_id', 'text', (col) => col.notNull().references('tenants.id'))
    .addColumn('started_at', 'text', (col) => col.notNull())
    .addColumn('finished_at', 'text')
    // running | done | failed | interrupted
    .addColumn('status', 'text', (col) => col.notNull())
    .addColumn('history_only', 'integer', (col) => col.notNull().defaultTo(0))
    .addColumn('summary_json', 'text')
    .addColumn('error', 'text')
    .execute();
  await db.schema.createIndex('sync_runs_tenant_started').on('sync_runs').columns(['tenant_id', 'started_at']).execute();

  await db.schema
    .createTable('jobs')
    .addColumn('id', 'text', (col) => col.primaryKey())
    .addColumn('name', 'text', (col) => col.notNull())
    .addColumn('payload_json', 'text', (col) => col.notNull())
    // queued | running | done | failed
    .addColumn('status', 'text', (col) => col.notNull())
    .addColumn('singleton_key', 'text')
    .addColumn('run_at', 'text', (col) => col.notNull())
    .addColumn('attempts', 'integer', (col) => col.notNull().defaultTo(0))
    .addColumn('retry_limit', 'integer', (col) => col.notNull().defaultTo(3))
    .addColumn('locked_by', 'text')
    .addColumn('locked_until', 'text')
    .addColumn('last_error', 'text')
    .addColumn('created_at', 'text', (col) => col.notNull())
    .addColumn('updated_at', 'text', (col) => col.notNull())
    .addColumn('finished_at', 'text')
    .execute();
  await db.schema.createIndex('jobs_status_run_at').on('jobs').columns(['status', 'run_at']).execute();
  // A singleton key admits one live (queued or running) job per name: racing enqueues dedupe here.
  await sql`create unique index jobs_live_singleton on jobs (name, singleton_key) where singleton_key is not null and status in ('queued', 'running')`.execute(db);

  // Recurring jobs: the instance that moves `next_run_at` forward (compare-and-set) enqueues the run.
  await db.schema
    .createTable('job_schedules')
    .addColumn('name', 'text', (col) => col.primaryKey())
    .addColumn('every_minutes', 'integer', (col) => col.notNull())
    .addColumn('next_run_at', 'text', (col) => col.notNull())
    .addColumn('updated_at', 'text', (col) => col.notNull())
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const table of ['job_schedules', 'jobs', 'sync_runs', 'sync_leases', 'sync_cursors']) {
    await db.schema.dropTable(table).ifExists().execute();
  }
}
