// Saved views of the invoice list: a name and a query, per user and collectivité.
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { AppContext } from '../../app/context.ts';
import { deleteSavedView, listSavedViews, saveView } from '../../app/users/views.ts';
import { defineRoute } from '../routing.ts';
import { tenantParams } from './admin.ts';

export function register(app: FastifyInstance, context: AppContext): void {
  const db = context.store.db;
  defineRoute(app, context, {
    method: 'GET',
    url: '/api/tenants/:tenantId/views',
    access: { kind: 'tenant', permission: 'invoice.read' },
    summary: 'Vues enregistrées de la liste des factures',
    tags: ['factures'],
    params: tenantParams,
    handler: async ({ tenantId, actor }) => ({ items: await listSavedViews(db, actor, tenantId) }),
  });
  defineRoute(app, context, {
    method: 'POST',
    url: '/api/tenants/:tenantId/views',
    access: { kind: 'tenant', permission: 'invoice.read' },
    summary: 'Enregistrer une vue',
    tags: ['factures'],
    params: tenantParams,
    body: z.object({ name: z.string().trim().min(1).max(100), query: z.record(z.string(), z.unknown()) }),
    handler: async ({ tenantId, actor, body }) => saveView(db, actor, tenantId, body),
  });
  defineRoute(app, context, {
    method: 'DELETE',
    url: '/api/tenants/:tenantId/views/:viewId',
    access: { kind: 'tenant', permission: 'invoice.read' },
    summary: 'Supprimer une vue enregistrée',
    tags: ['factures'],
    params: tenantParams.extend({ viewId: z.string().min(1).max(64) }),
    handler: async ({ tenantId, actor, params }) => {
      await deleteSavedView(db, actor, tenantId, params.viewId);
      return { ok: true };
    },
  });
}
