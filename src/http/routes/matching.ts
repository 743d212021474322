// Rapprocher: an invoice's candidates with their reasons and anomalies, confirming an allocation,
// and running the automatic matching over pending invoices (bulk action).
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { AppContext } from '../../app/context.ts';
import { confirmAllocation, getMatch, runMatching } from '../../app/match/run.ts';
import { auditActor } from '../../app/users/users.ts';
import { defineRoute } from '../routing.ts';
import { tenantParams } from './admin.ts';
import { invoiceParams, requireInvoice } from './invoices.ts';

export function register(app: FastifyInstance, context: AppContext): void {
  const store = context.store;

  defineRoute(app, context, {
    method: 'GET',
    url: '/api/tenants/:tenantId/invoices/:invoiceId/matching',
    access: { kind: 'tenant', permission: 'invoice.read' },
    summary: 'Rapprochement : engagements candidats (score, raisons), anomalies, engagement retenu',
    tags: ['rapprochement'],
    params: invoiceParams,
    handler: async ({ tenantId, params }) => {
      const invoice = await requireInvoice(context, tenantId, params.invoiceId);
      const match = await getMatch(store.db, tenantId, invoice.id);
      if (!match) return { status: 'none', confirmed: false, engagement: null, score: 0, reasons: [], candidates: [], anomalies: [], allocations: [] };
      return {
        ...match,
        allocations: match.confirmed && match.engagement ? [{ engagementId: match.engagement.id, numero: match.engagement.numero }] : [],
      };
    },
  });

  defineRoute(app, context, {
    method: 'POST',
    url: '/api/tenants/:tenantId/invoices/:invoiceId/reconcile',
    access: { kind: 'tenant', permission: 'invoice.reconcile' },
    summary: 'Rapprocher la facture : confirmer l’engagement proposé, en choisir un autre, ou répartir sur plusieurs',
    tags: ['rapprochement'],
    params: invoiceParams,
    body: z.object({
      engagementId: z.string().min(1).max(64).optional(),
      choices: z
        .array(z.object({ engagementId: z.string().min(1).max(64), amountTtc: z.string().regex(/^\d+(\.\d{1,2})?$/).optional(), amountHt: z.string().regex(/^\d+(\.\d{1,2})?$/).optional() }))
        .max(50)
        .optional(),
    }),
    handler: async ({ tenantId, params, body, actor }) => {
      const invoice = await requireInvoice(context, tenantId, params.invoiceId);
      const choices = body.choices ?? (body.engagementId ? [{ engagementId: body.engagementId }] : undefined);
      return confirmAllocation(store, tenantId, invoice.id, { choices, actor: auditActor(actor) });
    },
  });

  defineRoute(app, context, {
    method: 'POST',
    url: '/api/tenants/:tenantId/matching/run',
    access: { kind: 'tenant', permission: 'invoice.reconcile' },
    summary: 'Lancer le rapprochement automatique sur les factures en attente (ou celles indiquées)',
    tags: ['rapprochement'],
    params: tenantParams,
    body: z.object({ invoiceIds: z.array(z.string().min(1).max(64)).max(1000).optional() }),
    handler: async ({ tenantId, body, actor }) => {
      const results = await runMatching(store, tenantId, { invoiceIds: body.invoiceIds, actor: auditActor(actor) });
      return { items: results };
    },
  });
}
