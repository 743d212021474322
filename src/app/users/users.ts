// Local accounts and their roles per collectivité. A user sees only the collectivités granted to
// them, with one role in each; the HTTP layer turns (user, collectivité) into an Actor whose roles
// are those of that grant, and roles.ts decides what the actor may do.
import type { Kysely } from 'kysely';
import { newId } from '../../domain/ids.ts';
import { type Actor, requirePermission, type Role, ROLES } from '../../domain/roles.ts';
import { appendAudit } from '../../store/audit.ts';
import type { Database } from '../../store/schema.ts';
import { hashPassword, MIN_PASSWORD_LENGTH } from './passwords.ts';

export type UserSummary = { id: string; username: string; displayName: string; active: boolean };
export type Grant = { tenantId: string; tenantName: string; role: Role };

export class UserError extends Error {
  constructor(
    readonly code: 'USERNAME_TAKEN' | 'USERNAME_INVALID' | 'PASSWORD_TOO_SHORT' | 'ROLE_INVALID' | 'USER_NOT_FOUND' | 'TENANT_NOT_FOUND',
    message: string,
  ) {
    super(message);
    this.name = 'UserError';
  }
}

export function auditActor(actor: Actor): string {
  return actor.kind === 'user' ? `user:${actor.id}` : actor.kind === 'cli' ? 'cli' : `system:${actor.id}`;
}

export function normaliseUsername(username: string): string {
  return username.trim().toLowerCase();
}

export function isRole(value: string): value is Role {
  return (ROLES as readonly string[]).includes(value);
}

export type CreateUserInput = {
  username: string;
  displayName?: string | undefined;
  password: string;
  /** Only the demo creates the `demo`/`demo` account: a short password is refused otherwise. */
  allowWeakPassword?: boolean;
};

export async function createUser(db: Kysely<Database>, actor: Actor, input: CreateUserInput): Promise<UserSummary> {
  requirePermission(actor, 'admin.manage');
  const username = normaliseUsername(input.username);
  if (!/^[a-z0-9][a-z0-9._@-]{1,63}$/.test(username)) {
    throw new UserError('USERNAME_INVALID', 'Identifiant invalide : 2 à 64 caractères parmi lettres, chiffres, « . _ @ - ».');
  }
  if (!input.allowWeakPassword && input.password.length < MIN_PASSWORD_LENGTH) {
    throw new UserError('PASSWORD_TOO_SHORT', `Le mot de passe doit compter au moins ${MIN_PASSWORD_LENGTH} caractères.`);
  }
  const passwordHash = await hashPassword(input.password);
  const now = new Date().toISOString();
  const user = { id: newId(), username, displayName: input.displayName?.trim() || username, active: true };
  await db.transaction().execute(async (trx) => {
    const existing = await trx.selectFrom('users').select('id').where('username', '=', username).executeTakeFirst();
    if (existing) throw new UserError('USERNAME_TAKEN', `L'identifiant « ${username} » est déjà utilisé.`);
    await trx
      .insertInto('users')
      .values({ id: user.id, username, display_name: user.displayName, password_hash: passwordHash, active: 1, created_at: now, updated_at: now })
      .execute();
    await appendAudit(trx, { tenantId: null, actor: auditActor(actor), action: 'user.create', entity: 'user', entityId: user.id, data: { username } });
  });
  return user;
}

export async function setPassword(db: Kysely<Database>, actor: Actor, userId: string, password: string): Promise<void> {
  if (!(actor.kind === 'user' && actor.id === userId)) requirePermission(actor, 'admin.manage');
  if (password.length < MIN_PASSWORD_LENGTH) {
    throw new UserError('PASSWORD_TOO_SHORT', `Le mot de passe doit compter au moins ${MIN_PASSWORD_LENGTH} caractères.`);
  }
  const passwordHash = await hashPassword(password);
  await db.transaction().execute(async (trx) => {
    const result = await trx
      .updateTable('users')
      .set({ password_hash: passwordHash, updated_at: new Date().toISOString() })
      .where('id', '=', userId)
      .executeTakeFirst();
    if (Number(result.numUpdatedRows) === 0) throw new UserError('USER_NOT_FOUND', 'Utilisateur introuvable.');
    // A changed password ends the other sessions.
    await trx.deleteFrom('sessions').where('user_id', '=', userId).execute();
    await appendAudit(trx, { tenantId: null, actor: auditActor(actor), action: 'user.password', entity: 'user', entityId: userId });
  });
}

/** Gives `role` on `tenantId` to a user (replacing the previous role there). */
export async function grantRole(db: Kysely<Database>, actor: Actor, input: { userId: string; tenantId: string; role: string }): Promise<void> {
  requirePermission(actor, 'admin.manage');
  if (!isRole(input.role)) throw new UserError('ROLE_INVALID', `Rôle inconnu « ${input.role} » (${ROLES.join(', ')}).`);
  const role = input.role;
  await db.transaction().execute(async (trx) => {
    const user = await trx.selectFrom('users').select('id').where('id', '=', input.userId).executeTakeFirst();
    if (!user) throw new UserError('USER_NOT_FOUND', 'Utilisateur introuvable.');
    const tenant = await trx.selectFrom('tenants').select('id').where('id', '=', input.tenantId).executeTakeFirst();
    if (!tenant) throw new UserError('TENANT_NOT_FOUND', 'Collectivité introuvable.');
    await trx.deleteFrom('user_grants').where('user_id', '=', input.userId).where('tenant_id', '=', input.tenantId).execute();
    await trx
      .insertInto('user_grants')
      .values({ user_id: input.userId, tenant_id: input.tenantId, role, created_at: new Date().toISOString() })
      .execute();
    await appendAudit(trx, {
      tenantId: input.tenantId,
      actor: auditActor(actor),
      action: 'user.grant',
      entity: 'user',
      entityId: input.userId,
      data: { role },
    });
  });
}

export async function revokeGrant(db: Kysely<Database>, actor: Actor, input: { userId: string; tenantId: string }): Promise<void> {
  requirePermission(actor, 'admin.manage');
  await db.transaction().execute(async (trx) => {
    await trx.deleteFrom('user_grants').where('user_id', '=', input.userId).where('tenant_id', '=', input.tenantId).execute();
    await appendAudit(trx, { tenantId: input.tenantId, actor: auditActor(actor), action: 'user.revoke', entity: 'user', entityId: input.userId });
  });
}

export async function findUserByUsername(db: Kysely<Database>, username: string) {
  return db.selectFrom('users').selectAll().where('username', '=', normaliseUsername(username)).executeTakeFirst();
}

export async function grantsOf(db: Kysely<Database>, userId: string): Promise<Grant[]> {
  const rows = await db
    .selectFrom('user_grants')
    .innerJoin('tenants', 'tenants.id', 'user_grants.tenant_id')
    .select(['user_grants.tenant_id', 'user_grants.role', 'tenants.name'])
    .where('user_grants.user_id', '=', userId)
    .orderBy('tenants.name')
    .execute();
  return rows.filter((row) => isRole(row.role)).map((row) => ({ tenantId: row.tenant_id, tenantName: row.name, role: row.role as Role }));
}

/** The users who hold a role on a collectivité (for its administration screen). */
export async function listTenantUsers(db: Kysely<Database>, actor: Actor, tenantId: string): Promise<(UserSummary & { role: Role })[]> {
  requirePermission(actor, 'admin.manage');
  const rows = await db
    .selectFrom('user_grants')
    .innerJoin('users', 'users.id', 'user_grants.user_id')
    .select(['users.id', 'users.username', 'users.display_name', 'users.active', 'user_grants.role'])
    .where('user_grants.tenant_id', '=', tenantId)
    .orderBy('users.username')
    .execute();
  return rows
    .filter((row) => isRole(row.role))
    .map((row) => ({ id: row.id, username: row.username, displayName: row.display_name, active: row.active === 1, role: row.role as Role }));
}

/** The actor a user is on one collectivité: their role there, or null without a grant. */
export function actorOnTenant(user: { id: string; displayName: string }, grants: readonly Grant[], tenantId: string): Actor | null {
  const grant = grants.find((candidate) => candidate.tenantId === tenantId);
  if (!grant) return null;
  return { kind: 'user', id: user.id, name: user.displayName, roles: [grant.role] };
}
