// The collectivités a user sees, and the administration of one collectivité: its users and roles.
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { AppContext } from '../../app/context.ts';
import { getTenant } from '../../app/tenants.ts';
import { createUser, findUserByUsername, grantRole, listTenantUsers, revokeGrant } from '../../app/users/users.ts';
import { ROLES } from '../../domain/roles.ts';
import { HttpError } from '../errors.ts';
import { defineRoute } from '../routing.ts';

export const tenantParams = z.object({ tenantId: z.string().min(1).max(64) });

export function register(app: FastifyInstance, context: AppContext): void {
  const db = context.store.db;

  defineRoute(app, context, {
    method: 'GET',
    url: '/api/tenants',
    access: { kind: 'session' },
    summary: 'Les collectivités accordées à l’utilisateur, avec son rôle dans chacune',
    tags: ['collectivités'],
    handler: async ({ session }) => ({ items: session!.grants }),
  });

  defineRoute(app, context, {
    method: 'GET',
    url: '/api/tenants/:tenantId',
    access: { kind: 'tenant', permission: 'invoice.read' },
    summary: 'Une collectivité',
    tags: ['collectivités'],
    params: tenantParams,
    handler: async ({ tenantId, actor }) => ({ ...(await getTenant(db, tenantId)), role: actor.roles[0] }),
  });

  defineRoute(app, context, {
    method: 'GET',
    url: '/api/tenants/:tenantId/users',
    access: { kind: 'tenant', permission: 'admin.manage' },
    summary: 'Utilisateurs de la collectivité et leur rôle',
    tags: ['administration'],
    params: tenantParams,
    handler: async ({ tenantId, actor }) => ({ items: await listTenantUsers(db, actor, tenantId), roles: ROLES }),
  });

  defineRoute(app, context, {
    method: 'POST',
    url: '/api/tenants/:tenantId/users',
    access: { kind: 'tenant', permission: 'admin.manage' },
    summary: 'Créer un utilisateur (ou reprendre un compte existant) et lui donner un rôle sur la collectivité',
    tags: ['administration'],
    params: tenantParams,
    body: z.object({
      username: z.string().min(2).max(64),
      displayName: z.string().max(200).optional(),
      password: z.string().max(1000).optional(),
      role: z.enum(ROLES),
    }),
    handler: async ({ tenantId, actor, body }) => {
      let user = await findUserByUsername(db, body.username);
      let userId = user?.id;
      if (!userId) {
        if (!body.password) throw new HttpError(400, 'PASSWORD_REQUIRED', 'Un mot de passe est nécessaire pour un nouvel utilisateur.');
        userId = (await createUser(db, actor, { username: body.username, displayName: body.displayName, password: body.password })).id;
      }
      await grantRole(db, actor, { userId, tenantId, role: body.role });
      return { id: userId };
    },
  });

  defineRoute(app, context, {
    method: 'PUT',
    url: '/api/tenants/:tenantId/users/:userId/role',
    access: { kind: 'tenant', permission: 'admin.manage' },
    summary: 'Changer le rôle d’un utilisateur sur la collectivité',
    tags: ['administration'],
    params: tenantParams.extend({ userId: z.string().min(1).max(64) }),
    body: z.object({ role: z.enum(ROLES) }),
    handler: async ({ tenantId, actor, params, body }) => {
      await grantRole(db, actor, { userId: params.userId, tenantId, role: body.role });
      return { ok: true };
    },
  });

  defineRoute(app, context, {
    method: 'DELETE',
    url: '/api/tenants/:tenantId/users/:userId/role',
    access: { kind: 'tenant', permission: 'admin.manage' },
    summary: 'Retirer l’accès d’un utilisateur à la collectivité',
    tags: ['administration'],
    params: tenantParams.extend({ userId: z.string().min(1).max(64) }),
    handler: async ({ tenantId, actor, params }) => {
      if (params.userId === actor.id) throw new HttpError(422, 'SELF_REVOKE', 'Vous ne pouvez pas retirer votre propre accès.');
      await revokeGrant(db, actor, { userId: params.userId, tenantId });
      return { ok: true };
    },
  });
}
