// Tableau de bord, Référentiel (lists and CSV import) and the collectivité's administration data.
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { AppContext } from '../../app/context.ts';
import { isPublicationOf, loadDashboard } from '../../app/dashboard/index.ts';
import { abandonPublication, retryPublication } from '../../app/publish/outbox.ts';
import { importCsv, importJson, REFERENTIAL_KINDS } from '../../app/referential/import.ts';
import { listBudgets, listEngagements, listTiers } from '../../app/referential/queries.ts';
import { chorusClientForTenant, getTenant } from '../../app/tenants.ts';
import { auditActor } from '../../app/users/users.ts';
import { HttpError } from '../errors.ts';
import { defineRoute } from '../routing.ts';
import { tenantParams } from './admin.ts';

export function register(app: FastifyInstance, context: AppContext): void {
  const db = context.store.db;

  defineRoute(app, context, {
    method: 'GET',
    url: '/api/tenants/:tenantId/dashboard',
    access: { kind: 'tenant', permission: 'invoice.read' },
    summary: 'Tableau de bord : à traiter par budget et service, risque DGP, délais et volumes par mois, échecs de publication',
    tags: ['tableau de bord'],
    params: tenantParams,
    handler: async ({ tenantId }) => loadDashboard(context, tenantId),
  });

  const publicationParams = tenantParams.extend({ publicationId: z.string().min(1).max(64) });
  const requirePublication = async (tenantId: string, publicationId: string) => {
    if (!(await isPublicationOf(context, tenantId, publicationId))) throw new HttpError(404, 'NOT_FOUND', 'Publication introuvable.');
  };

  defineRoute(app, context, {
    method: 'POST',
    url: '/api/tenants/:tenantId/publications/:publicationId/retry',
    access: { kind: 'tenant', permission: 'invoice.decide' },
    summary: 'Relancer une publication de statut vers Chorus Pro en échec',
    tags: ['tableau de bord'],
    params: publicationParams,
    handler: async ({ tenantId, params, actor }) => {
      await requirePublication(tenantId, params.publicationId);
      return retryPublication(db, params.publicationId, actor);
    },
  });

  defineRoute(app, context, {
    method: 'POST',
    url: '/api/tenants/:tenantId/publications/:publicationId/abandon',
    access: { kind: 'tenant', permission: 'invoice.decide' },
    summary: 'Abandonner une publication de statut en échec (motif obligatoire, gardé dans l’historique de la facture)',
    tags: ['tableau de bord'],
    params: publicationParams,
    body: z.object({ reason: z.string().trim().min(1, 'Le motif de l’abandon est obligatoire.').max(500) }),
    handler: async ({ tenantId, params, body, actor }) => {
      await requirePublication(tenantId, params.publicationId);
      return abandonPublication(db, params.publicationId, actor, body.reason);
    },
  });

  defineRoute(app, context, {
    method: 'GET',
    url: '/api/tenants/:tenantId/referential',
    access: { kind: 'tenant', permission: 'invoice.read' },
    summary: 'Budgets (avec exercices) et services de la collectivité',
    tags: ['référentiel'],
    params: tenantParams,
    handler: async ({ tenantId }) => listBudgets(db, tenantId),
  });

  defineRoute(app, context, {
    method: 'GET',
    url: '/api/tenants/:tenantId/referential/tiers',
    access: { kind: 'tenant', permission: 'invoice.read' },
    summary: 'Tiers (200 premiers, filtre sur le nom ou le SIRET)',
    tags: ['référentiel'],
    params: tenantParams,
    query: z.object({ q: z.string().max(100).optional() }),
    handler: async ({ tenantId, query }) => ({ items: await listTiers(db, tenantId, query.q ?? '') }),
  });

  defineRoute(app, context, {
    method: 'GET',
    url: '/api/tenants/:tenantId/referential/engagements',
    access: { kind: 'tenant', permission: 'invoice.read' },
    summary: 'Engagements (200 premiers, filtre sur le numéro, l’objet ou le tiers)',
    tags: ['référentiel'],
    params: tenantParams,
    query: z.object({ q: z.string().max(100).optional() }),
    handler: async ({ tenantId, query }) => ({ items: await listEngagements(db, tenantId, query.q ?? '') }),
  });

  defineRoute(app, context, {
    method: 'POST',
    url: '/api/tenants/:tenantId/referential/:kind/import',
    access: { kind: 'tenant', permission: 'referential.write' },
    summary: 'Importer budgets, tiers ou engagements : fichier CSV (multipart, champ « file ») ou tableau JSON',
    tags: ['référentiel'],
    params: tenantParams.extend({ kind: z.enum(REFERENTIAL_KINDS) }),
    multipart: true,
    handler: async ({ tenantId, params, actor, request }) => {
      if (request.isMultipart()) {
        const file = await request.file();
        if (!file) throw new HttpError(400, 'FILE_REQUIRED', 'Joignez un fichier CSV (champ « file »).');
        return importCsv(db, tenantId, params.kind, await file.toBuffer(), { actor: auditActor(actor), source: file.filename });
      }
      return importJson(db, tenantId, params.kind, request.body, { actor: auditActor(actor), source: 'api' });
    },
  });

  defineRoute(app, context, {
    method: 'POST',
    url: '/api/tenants/:tenantId/chorus/test',
    access: { kind: 'tenant', permission: 'admin.manage' },
    summary: 'Tester la connexion Chorus Pro de la collectivité (jeton, compte technique, structures)',
    tags: ['administration'],
    params: tenantParams,
    handler: async ({ tenantId }) => {
      const tenant = await getTenant(db, tenantId);
      if (!tenant.hasChorusConnection) throw new HttpError(422, 'NO_CONNECTION', 'Aucune connexion Chorus Pro n’est configurée pour cette collectivité.');
      const client = await chorusClientForTenant(context, tenantId, { maxRetries: 0, timeoutMs: 15_000 });
      return client.check();
    },
  });
}
