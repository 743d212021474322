// Mandater and the bordereaux: mandats from reconciled invoices, bordereaux of pending mandats, the
// PES file, sending it to the accountant and following the acknowledgement.
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { AppContext } from '../../app/context.ts';
import { createBordereau, generateBordereauPes, getBordereau, listBordereaux, sendBordereau } from '../../app/mandate/bordereaux.ts';
import { pollBordereau } from '../../app/mandate/acquits.ts';
import { createMandat, getMandat, listMandats, previewMandat } from '../../app/mandate/mandats.ts';
import { channelFromConfig } from '../../teletransmission/index.ts';
import { defineRoute } from '../routing.ts';
import { tenantParams } from './admin.ts';
import { requireInvoice } from './invoices.ts';

export function register(app: FastifyInstance, context: AppContext): void {
  const db = context.store.db;
  const bordereauParams = tenantParams.extend({ bordereauId: z.string().min(1).max(64) });

  defineRoute(app, context, {
    method: 'GET',
    url: '/api/tenants/:tenantId/mandats',
    access: { kind: 'tenant', permission: 'invoice.read' },
    summary: 'Les mandats (filtres : statut, budget, exercice, facture)',
    tags: ['mandats'],
    params: tenantParams,
    query: z.object({
      status: z.string().max(40).optional(),
      budget: z.string().max(40).optional(),
      exercice: z.coerce.number().int().optional(),
      invoiceId: z.string().max(64).optional(),
    }),
    handler: async ({ tenantId, query }) => ({
      items: await listMandats(db, tenantId, { status: query.status, budgetCode: query.budget, exercice: query.exercice, invoiceId: query.invoiceId }),
    }),
  });

  const invoiceIdList = z
    .union([z.string().min(1).max(64), z.array(z.string().min(1).max(64)).min(1).max(200)])
    .transform((value) => (Array.isArray(value) ? value : [value]));

  defineRoute(app, context, {
    method: 'GET',
    url: '/api/tenants/:tenantId/mandats/preview',
    access: { kind: 'tenant', permission: 'invoice.read' },
    summary: 'Le mandat pré-rempli de factures rapprochées et ses contrôles, sans rien enregistrer (invoiceId répété)',
    tags: ['mandats'],
    params: tenantParams,
    query: z.object({ invoiceId: invoiceIdList }),
    handler: async ({ tenantId, query, actor }) => {
      for (const invoiceId of query.invoiceId) await requireInvoice(context, tenantId, invoiceId);
      return previewMandat(context, tenantId, actor, { invoiceIds: query.invoiceId });
    },
  });

  defineRoute(app, context, {
    method: 'GET',
    url: '/api/tenants/:tenantId/mandats/:mandatId',
    access: { kind: 'tenant', permission: 'invoice.read' },
    summary: 'Un mandat',
    tags: ['mandats'],
    params: tenantParams.extend({ mandatId: z.string().min(1).max(64) }),
    handler: async ({ tenantId, params }) => getMandat(db, tenantId, params.mandatId),
  });

  defineRoute(app, context, {
    method: 'POST',
    url: '/api/tenants/:tenantId/mandats',
    access: { kind: 'tenant', permission: 'mandat.create' },
    summary: 'Créer le mandat d’une ou plusieurs factures rapprochées (contrôles avant enregistrement)',
    tags: ['mandats'],
    params: tenantParams,
    body: z.object({ invoiceIds: z.array(z.string().min(1).max(64)).min(1).max(200) }),
    handler: async ({ tenantId, body, actor }) => {
      for (const invoiceId of body.invoiceIds) await requireInvoice(context, tenantId, invoiceId);
      return createMandat(context, tenantId, actor, { invoiceIds: body.invoiceIds });
    },
  });

  defineRoute(app, context, {
    method: 'GET',
    url: '/api/tenants/:tenantId/bordereaux',
    access: { kind: 'tenant', permission: 'invoice.read' },
    summary: 'Les bordereaux',
    tags: ['bordereaux'],
    params: tenantParams,
    query: z.object({ budget: z.string().max(40).optional(), exercice: z.coerce.number().int().optional(), status: z.string().max(40).optional() }),
    handler: async ({ tenantId, query }) => ({
      items: await listBordereaux(db, tenantId, { budgetCode: query.budget, exercice: query.exercice, status: query.status }),
    }),
  });

  defineRoute(app, context, {
    method: 'GET',
    url: '/api/tenants/:tenantId/bordereaux/:bordereauId',
    access: { kind: 'tenant', permission: 'invoice.read' },
    summary: 'Un bordereau, ses mandats, son PES et sa transmission',
    tags: ['bordereaux'],
    params: bordereauParams,
    handler: async ({ tenantId, params }) => getBordereau(db, tenantId, params.bordereauId),
  });

  defineRoute(app, context, {
    method: 'POST',
    url: '/api/tenants/:tenantId/bordereaux',
    access: { kind: 'tenant', permission: 'bordereau.sign' },
    summary: 'Composer le bordereau des mandats en attente d’un budget et d’un exercice',
    tags: ['bordereaux'],
    params: tenantParams,
    body: z.object({ budget: z.string().min(1).max(40), exercice: z.number().int().min(2000).max(2100) }),
    handler: async ({ tenantId, body, actor }) => createBordereau(context, tenantId, actor, { budgetCode: body.budget, exercice: body.exercice }),
  });

  defineRoute(app, context, {
    method: 'POST',
    url: '/api/tenants/:tenantId/bordereaux/:bordereauId/pes',
    access: { kind: 'tenant', permission: 'bordereau.sign' },
    summary: 'Générer le fichier PES V2 (PES_Aller) du bordereau',
    tags: ['bordereaux'],
    params: bordereauParams,
    handler: async ({ tenantId, params, actor }) => {
      const pes = await generateBordereauPes(context, tenantId, actor, { bordereauId: params.bordereauId });
      return { fileName: pes.fileName, sha256: pes.sha256, size: pes.size };
    },
  });

  defineRoute(app, context, {
    method: 'GET',
    url: '/api/tenants/:tenantId/bordereaux/:bordereauId/pes',
    access: { kind: 'tenant', permission: 'invoice.read' },
    summary: 'Télécharger le fichier PES du bordereau',
    tags: ['bordereaux'],
    params: bordereauParams,
    produces: 'application/xml',
    handler: async ({ tenantId, params, reply }) => {
      const bordereau = await getBordereau(db, tenantId, params.bordereauId);
      if (!bordereau.pesSha256 || !bordereau.pesFile) return reply.code(404).send({ error: { code: 'PES_NOT_GENERATED', message: 'Le PES de ce bordereau n’a pas encore été généré.' } });
      void reply.type('application/xml').header('content-disposition', `attachment; filename="${bordereau.pesFile.replace(/[^\w.-]/g, '_')}"`);
      return reply.send(context.blobs.createReadStream(bordereau.pesSha256));
    },
  });

  defineRoute(app, context, {
    method: 'POST',
    url: '/api/tenants/:tenantId/bordereaux/:bordereauId/send',
    access: { kind: 'tenant', permission: 'bordereau.sign' },
    summary: 'Transmettre le bordereau au comptable (tiers de télétransmission)',
    tags: ['bordereaux'],
    params: bordereauParams,
    handler: async ({ tenantId, params, actor }) => sendBordereau(context, tenantId, actor, { bordereauId: params.bordereauId, channel: channelFromConfig(context.config) }),
  });

  defineRoute(app, context, {
    method: 'POST',
    url: '/api/tenants/:tenantId/bordereaux/:bordereauId/poll',
    access: { kind: 'tenant', permission: 'bordereau.sign' },
    summary: 'Interroger la télétransmission et importer l’acquittement du bordereau s’il est arrivé',
    tags: ['bordereaux'],
    params: bordereauParams,
    handler: async ({ tenantId, params, actor }) => {
      const current = await getBordereau(db, tenantId, params.bordereauId);
      const result = await pollBordereau(context, tenantId, actor, { bordereauId: params.bordereauId, channel: channelFromConfig(context.config, process.env, current.channel ?? undefined) });
      return { status: result.status, acquit: result.acquit, bordereau: result.bordereau };
    },
  });
}
