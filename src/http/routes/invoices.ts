// The invoices of a collectivité: the list, one invoice with everything the screen shows, its
// files, and the decisions (service fait, suspendre, rejeter, à recycler). Every query passes the
// :tenantId of the URL, so an invoice of another collectivité is "not found" even by its id.
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { AppContext } from '../../app/context.ts';
import { decide } from '../../app/decisions/index.ts';
import { loadInvoiceDgp } from '../../app/deadlines/index.ts';
import { searchInvoices, SORTS } from '../../app/search/search.ts';
import { getInvoiceTimeline } from '../../app/timeline/index.ts';
import { groupedCatalogue } from '../../domain/decisions/index.ts';
import { getInvoiceDetail } from '../../store/invoices.ts';
import { HttpError } from '../errors.ts';
import { defineRoute } from '../routing.ts';
import { tenantParams } from './admin.ts';
import { CHORUS_STATUS_LABELS, isChorusStatus } from '../../domain/lifecycle.ts';

export const invoiceParams = tenantParams.extend({ invoiceId: z.string().min(1).max(64) });

export async function requireInvoice(context: AppContext, tenantId: string, invoiceId: string) {
  const invoice = await getInvoiceDetail(context.store.db, tenantId, invoiceId);
  if (!invoice) throw new HttpError(404, 'INVOICE_NOT_FOUND', 'Facture introuvable dans cette collectivité.');
  return invoice;
}

const flag = z.enum(['true', 'false', '1', '0']).transform((value) => value === 'true' || value === '1');
const list = z.union([z.string(), z.array(z.string())]).transform((value) => (Array.isArray(value) ? value : value.split(',')).filter(Boolean));
const isoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/);

export const invoiceListQuery = z.object({
  q: z.string().max(200).optional(),
  budget: z.string().max(40).optional(),
  exercice: z.coerce.number().int().min(1990).max(2100).optional(),
  service: z.string().max(100).optional(),
  status: list.optional(),
  chorusStatus: list.optional(),
  supplier: z.string().max(200).optional(),
  amountMin: z.string().max(30).optional(),
  amountMax: z.string().max(30).optional(),
  receivedFrom: isoDate.optional(),
  receivedTo: isoDate.optional(),
  issuedFrom: isoDate.optional(),
  issuedTo: isoDate.optional(),
  withoutMetadata: flag.optional(),
  matched: flag.optional(),
  match: z.string().max(20).optional(),
  anomaly: z.string().max(40).optional(),
  dgpRiskDays: z.coerce.number().int().min(0).max(365).optional(),
  sort: z.enum(SORTS).optional(),
  direction: z.enum(['asc', 'desc']).optional(),
  limit: z.coerce.number().int().min(1).max(200).optional(),
  after: z.string().max(500).optional(),
  facets: flag.optional(),
});

export function register(app: FastifyInstance, context: AppContext): void {
  const db = context.store.db;

  defineRoute(app, context, {
    method: 'GET',
    url: '/api/tenants/:tenantId/invoices',
    access: { kind: 'tenant', permission: 'invoice.read' },
    summary: 'Rechercher les factures : texte intégral, filtres, tri, pagination par curseur, facettes',
    tags: ['factures'],
    params: tenantParams,
    query: invoiceListQuery,
    handler: async ({ tenantId, query }) => {
      const anomaly = query.anomaly === undefined ? undefined : query.anomaly === 'true' ? true : query.anomaly === 'false' ? false : query.anomaly;
      return searchInvoices(context.store, tenantId, {
        text: query.q,
        filters: {
          budget: query.budget,
          exercice: query.exercice,
          service: query.service,
          status: query.status,
          chorusStatus: query.chorusStatus,
          supplier: query.supplier,
          amountMin: query.amountMin,
          amountMax: query.amountMax,
          receivedFrom: query.receivedFrom,
          receivedTo: query.receivedTo,
          issuedFrom: query.issuedFrom,
          issuedTo: query.issuedTo,
          withoutMetadata: query.withoutMetadata,
          matched: query.matched,
          matchState: query.match,
          anomaly,
          dgpRiskDays: query.dgpRiskDays,
        },
        sort: query.sort,
        direction: query.direction,
        limit: query.limit ?? 50,
        after: query.after ?? null,
        facets: query.facets ?? true,
      });
    },
  });

  defineRoute(app, context, {
    method: 'GET',
    url: '/api/tenants/:tenantId/invoices/:invoiceId',
    access: { kind: 'tenant', permission: 'invoice.read' },
    summary: 'Une facture : données, lignes, TVA, pièces, historique Chorus, délai de paiement, chronologie',
    tags: ['factures'],
    params: invoiceParams,
    handler: async ({ tenantId, params }) => {
      const invoice = await requireInvoice(context, tenantId, params.invoiceId);
      const [dgp, timeline] = await Promise.all([loadInvoiceDgp(db, invoice.id).catch(() => null), getInvoiceTimeline(db, invoice.id)]);
      const { model, ...rest } = invoice;
      return {
        ...rest,
        dgp,
        timeline,
        chorusStatusLabel: chorusStatusLabel(invoice.chorusStatus),
        // The structured view of XML-only invoices needs the seller and buyer blocks and notes.
        parties: model ? { seller: model.seller, buyer: model.buyer, payee: model.payee, payment: model.payment, notes: model.notes } : null,
        hasPdf: invoice.attachments.some((file) => file.mimeType === 'application/pdf' || /\.pdf$/i.test(file.filename)),
      };
    },
  });

  defineRoute(app, context, {
    method: 'GET',
    url: '/api/tenants/:tenantId/invoices/:invoiceId/files/:position',
    access: { kind: 'tenant', permission: 'invoice.read' },
    summary: 'Un fichier de la facture (PDF, original, pièce jointe), par sa position',
    tags: ['factures'],
    params: invoiceParams.extend({ position: z.coerce.number().int().min(0) }),
    query: z.object({ download: z.enum(['1', '0']).optional() }),
    produces: 'application/octet-stream',
    handler: async ({ tenantId, params, query, reply }) => {
      const invoice = await requireInvoice(context, tenantId, params.invoiceId);
      const file = invoice.attachments.find((candidate) => candidate.position === params.position);
      if (!file) throw new HttpError(404, 'FILE_NOT_FOUND', 'Fichier introuvable.');
      const safeName = file.filename.replace(/[^\w.\- ]+/g, '_');
      void reply
        .type(file.mimeType ?? 'application/octet-stream')
        .header('content-length', String(file.size))
        .header('content-disposition', `${query.download === '1' ? 'attachment' : 'inline'}; filename="${safeName}"; filename*=UTF-8''${encodeURIComponent(file.filename)}`);
      return reply.send(context.blobs.createReadStream(file.sha256));
    },
  });

  defineRoute(app, context, {
    method: 'GET',
    url: '/api/tenants/:tenantId/decision-reasons',
    access: { kind: 'tenant', permission: 'invoice.read' },
    summary: 'Le catalogue des motifs (suspendre, rejeter, à recycler) avec le libellé envoyé au fournisseur',
    tags: ['factures'],
    params: tenantParams,
    handler: async () => groupedCatalogue(),
  });

  const decisionBody = z.object({ reasons: z.array(z.string().min(1).max(64)).max(20).default([]), comment: z.string().max(1000).nullish() });
  for (const [path, decision, summary] of [
    ['service-fait', 'service_fait', 'Certifier le service fait'],
    ['suspend', 'suspend', 'Suspendre la facture (motif obligatoire)'],
    ['reject', 'reject', 'Rejeter la facture (motif obligatoire)'],
    ['recycle', 'recycle', 'Renvoyer la facture au recyclage (A_RECYCLER)'],
  ] as const) {
    defineRoute(app, context, {
      method: 'POST',
      url: `/api/tenants/:tenantId/invoices/:invoiceId/${path}`,
      access: { kind: 'tenant', permission: decision === 'service_fait' ? 'invoice.certify_service_fait' : 'invoice.decide' },
      summary,
      tags: ['factures'],
      params: invoiceParams,
      body: decisionBody,
      handler: async ({ tenantId, params, body, actor }) => {
        const invoice = await requireInvoice(context, tenantId, params.invoiceId);
        return decide(db, { invoiceId: invoice.id, decision, reasons: body.reasons, comment: body.comment ?? null, actor, tenantId });
      },
    });
  }
}

/** The French label of a Chorus status for screens; an unknown code is shown as it is. */
function chorusStatusLabel(code: string | null): string | null {
  if (code === null) return null;
  return isChorusStatus(code) ? CHORUS_STATUS_LABELS[code] : code;
}
