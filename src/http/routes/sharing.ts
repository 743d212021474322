// Share links: a gestionnaire creates a read-only, expiring link to an invoice's dossier; the public
// page opens it (the token is the only credential; every opening is logged by openShareLink).
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { AppContext } from '../../app/context.ts';
import { createShareLink, listShareLinks, openShareLink, openShareLinkFile, revokeShareLink, ShareLinkError, shareLinkUrl } from '../../app/sharing/index.ts';
import { HttpError } from '../errors.ts';
import { defineRoute } from '../routing.ts';
import { invoiceParams, requireInvoice } from './invoices.ts';

const tokenParams = z.object({ token: z.string().min(20).max(200) });

function refused(error: unknown): never {
  if (error instanceof ShareLinkError) throw new HttpError(error.reason === 'expired' || error.reason === 'revoked' ? 410 : 404, 'SHARE_UNAVAILABLE', error.message);
  throw error;
}

export function register(app: FastifyInstance, context: AppContext): void {
  const db = context.store.db;

  defineRoute(app, context, {
    method: 'POST',
    url: '/api/tenants/:tenantId/invoices/:invoiceId/share',
    access: { kind: 'tenant', permission: 'share.create' },
    summary: 'Créer un lien de partage en lecture seule (30 jours par défaut) vers le dossier de la facture',
    tags: ['partage'],
    params: invoiceParams,
    body: z.object({ days: z.number().int().min(1).max(365).optional(), recipient: z.string().max(200).nullish() }),
    handler: async ({ tenantId, params, body, actor }) => {
      const invoice = await requireInvoice(context, tenantId, params.invoiceId);
      const { link, token } = await createShareLink(db, { invoiceId: invoice.id, days: body.days, recipient: body.recipient ?? null }, actor);
      return { link, url: shareLinkUrl(token) };
    },
  });

  defineRoute(app, context, {
    method: 'GET',
    url: '/api/tenants/:tenantId/invoices/:invoiceId/shares',
    access: { kind: 'tenant', permission: 'invoice.read' },
    summary: 'Les liens de partage de la facture',
    tags: ['partage'],
    params: invoiceParams,
    handler: async ({ tenantId, params }) => {
      const invoice = await requireInvoice(context, tenantId, params.invoiceId);
      return { items: await listShareLinks(db, { invoiceId: invoice.id, tenantId }) };
    },
  });

  defineRoute(app, context, {
    method: 'DELETE',
    url: '/api/tenants/:tenantId/invoices/:invoiceId/shares/:shareId',
    access: { kind: 'tenant', permission: 'share.create' },
    summary: 'Révoquer un lien de partage',
    tags: ['partage'],
    params: invoiceParams.extend({ shareId: z.string().min(1).max(64) }),
    handler: async ({ tenantId, params, actor }) => {
      const invoice = await requireInvoice(context, tenantId, params.invoiceId);
      const links = await listShareLinks(db, { invoiceId: invoice.id, tenantId });
      if (!links.some((link) => link.id === params.shareId)) throw new HttpError(404, 'NOT_FOUND', 'Lien de partage introuvable.');
      return revokeShareLink(db, params.shareId, actor);
    },
  });

  defineRoute(app, context, {
    method: 'GET',
    url: '/api/share/:token',
    access: { kind: 'public' },
    summary: 'Le dossier partagé (public : le jeton du lien est la seule autorisation ; ouverture journalisée)',
    tags: ['partage'],
    params: tokenParams,
    handler: async ({ params, request }) => {
      const shared = await openShareLink(db, params.token, { ip: request.ip, userAgent: request.headers['user-agent'] ?? null }).catch(refused);
      const { invoice, files, timeline } = shared.dossier;
      return {
        expiresAt: shared.link.expiresAt,
        invoice: {
          number: invoice.number,
          supplier: { name: invoice.sellerName, siret: invoice.sellerSiret },
          totals: { ht: invoice.amountHt, tva: invoice.amountTva, ttc: invoice.amountTtc },
          issueDate: invoice.issueDate,
          status: invoice.status,
        },
        files: files.map((file) => ({ id: file.sha256, filename: file.filename, size: file.size })),
        timeline: timeline.map((entry) => ({ at: entry.at, title: entry.title })),
      };
    },
  });

  defineRoute(app, context, {
    method: 'GET',
    url: '/api/share/:token/files/:fileId',
    access: { kind: 'public' },
    summary: 'Un fichier du dossier partagé',
    tags: ['partage'],
    params: tokenParams.extend({ fileId: z.string().regex(/^[0-9a-f]{64}$/) }),
    produces: 'application/octet-stream',
    handler: async ({ params, request, reply }) => {
      const file = await openShareLinkFile(db, context.blobs, params.token, params.fileId, { ip: request.ip, userAgent: request.headers['user-agent'] ?? null }).catch(refused);
      void reply
        .type(file.mimeType ?? 'application/octet-stream')
        .header('content-disposition', `attachment; filename="${file.filename.replace(/[^\w.\- ]+/g, '_')}"`);
      return reply.send(file.stream);
    },
  });
}
