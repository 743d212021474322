// Sessions live in the database, never in process memory: any instance behind a load balancer
// resolves any session. The cookie carries a random token; the table keeps only its sha256.
import { createHash, randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database } from '../../store/schema.ts';
import { appendAudit } from '../../store/audit.ts';
import { type Grant, grantsOf } from './users.ts';

/** A session ends after 12 hours without use, and after 7 days in any case. */
export const SESSION_IDLE_MS = 12 * 3600_000;
export const SESSION_ABSOLUTE_MS = 7 * 24 * 3600_000;
/** last_seen_at is written at most this often, so reads do not turn into writes. */
const TOUCH_EVERY_MS = 5 * 60_000;

export type SessionUser = {
  sessionId: string;
  csrfToken: string;
  expiresAt: string;
  user: { id: string; username: string; displayName: string };
  grants: Grant[];
};

export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

export async function createSession(db: Kysely<Database>, userId: string): Promise<{ token: string; csrfToken: string; expiresAt: string }> {
  const token = randomBytes(32).toString('base64url');
  const csrfToken = randomBytes(24).toString('base64url');
  const now = Date.now();
  const expiresAt = new Date(now + SESSION_IDLE_MS).toISOString();
  await db.transaction().execute(async (trx) => {
    await trx
      .insertInto('sessions')
      .values({
        id: hashToken(token),
        user_id: userId,
        csrf_token: csrfToken,
        created_at: new Date(now).toISOString(),
        last_seen_at: new Date(now).toISOString(),
        expires_at: expiresAt,
      })
      .execute();
    await appendAudit(trx, { tenantId: null, actor: `user:${userId}`, action: 'user.login', entity: 'user', entityId: userId });
  });
  return { token, csrfToken, expiresAt };
}

/** The user behind a cookie token, or null when the session is unknown, expired or the user disabled. */
export async function resolveSession(db: Kysely<Database>, token: string | undefined): Promise<SessionUser | null> {
  if (!token || token.length > 200) return null;
  const id = hashToken(token);
  const row = await db
    .selectFrom('sessions')
    .innerJoin('users', 'users.id', 'sessions.user_id')
    .select([
      'sessions.id',
      'sessions.csrf_token',
      'sessions.created_at',
      'sessions.last_seen_at',
      'sessions.expires_at',
      'users.id as user_id',
      'users.username',
      'users.display_name',
      'users.active',
    ])
    .where('sessions.id', '=', id)
    .executeTakeFirst();
  if (!row) return null;
  const now = Date.now();
  if (Date.parse(row.expires_at) <= now || row.active !== 1) {
    await db.deleteFrom('sessions').where('id', '=', id).execute();
    return null;
  }
  let expiresAt = row.expires_at;
  if (now - Date.parse(row.last_seen_at) > TOUCH_EVERY_MS) {
    const absolute = Date.parse(row.created_at) + SESSION_ABSOLUTE_MS;
    expiresAt = new Date(Math.min(absolute, now + SESSION_IDLE_MS)).toISOString();
    await db.updateTable('sessions').set({ last_seen_at: new Date(now).toISOString(), expires_at: expiresAt }).where('id', '=', id).execute();
  }
  return {
    sessionId: id,
    csrfToken: row.csrf_token,
    expiresAt,
    user: { id: row.user_id, username: row.username, displayName: row.display_name },
    grants: await grantsOf(db, row.user_id),
  };
}

export async function endSession(db: Kysely<Database>, sessionId: string, userId: string): Promise<void> {
  await db.transaction().execute(async (trx) => {
    await trx.deleteFrom('sessions').where('id', '=', sessionId).execute();
    await appendAudit(trx, { tenantId: null, actor: `user:${userId}`, action: 'user.logout', entity: 'user', entityId: userId });
  });
}

/** Housekeeping, run by the scheduled workers: expired sessions and old login failures. */
export async function purgeExpired(db: Kysely<Database>, now = new Date()): Promise<void> {
  await db.deleteFrom('sessions').where('expires_at', '<=', now.toISOString()).execute();
  await db.deleteFrom('login_failures').where('at', '<', new Date(now.getTime() - 24 * 3600_000).toISOString()).execute();
}
