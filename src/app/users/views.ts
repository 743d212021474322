// Saved views of the invoice list (a person's own shortcuts: "mes factures en retard", …).
import type { Kysely } from 'kysely';
import { newId } from '../../domain/ids.ts';
import { type Actor, requirePermission } from '../../domain/roles.ts';
import { appendAudit } from '../../store/audit.ts';
import type { Database } from '../../store/schema.ts';
import { auditActor } from './users.ts';

export type SavedView = { id: string; name: string; query: Record<string, unknown>; createdAt: string };

export async function listSavedViews(db: Kysely<Database>, actor: Actor, tenantId: string): Promise<SavedView[]> {
  requirePermission(actor, 'invoice.read');
  const rows = await db
    .selectFrom('saved_views')
    .selectAll()
    .where('user_id', '=', actor.id)
    .where('tenant_id', '=', tenantId)
    .orderBy('name')
    .execute();
  return rows.map((row) => ({ id: row.id, name: row.name, query: JSON.parse(row.query_json) as Record<string, unknown>, createdAt: row.created_at }));
}

export async function saveView(
  db: Kysely<Database>,
  actor: Actor,
  tenantId: string,
  input: { name: string; query: Record<string, unknown> },
): Promise<SavedView> {
  requirePermission(actor, 'invoice.read');
  const view: SavedView = { id: newId(), name: input.name.trim(), query: input.query, createdAt: new Date().toISOString() };
  await db.transaction().execute(async (trx) => {
    // Same name: the new query replaces the old one.
    await trx.deleteFrom('saved_views').where('user_id', '=', actor.id).where('tenant_id', '=', tenantId).where('name', '=', view.name).execute();
    await trx
      .insertInto('saved_views')
      .values({ id: view.id, user_id: actor.id, tenant_id: tenantId, name: view.name, query_json: JSON.stringify(view.query), created_at: view.createdAt })
      .execute();
    await appendAudit(trx, { tenantId, actor: auditActor(actor), action: 'view.save', entity: 'saved_view', entityId: view.id, data: { name: view.name } });
  });
  return view;
}

export async function deleteSavedView(db: Kysely<Database>, actor: Actor, tenantId: string, viewId: string): Promise<void> {
  requirePermission(actor, 'invoice.read');
  await db.transaction().execute(async (trx) => {
    await trx.deleteFrom('saved_views').where('id', '=', viewId).where('user_id', '=', actor.id).where('tenant_id', '=', tenantId).execute();
    await appendAudit(trx, { tenantId, actor: auditActor(actor), action: 'view.delete', entity: 'saved_view', entityId: viewId });
  });
}
