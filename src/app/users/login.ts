// Password login, rate-limited through the database (failures are rows, so every instance counts
// the same ones): at most 5 failures per account and 50 per address in 15 minutes.
import type { Kysely } from 'kysely';
import { newId } from '../../domain/ids.ts';
import type { Database } from '../../store/schema.ts';
import { dummyPasswordHash, verifyPassword } from './passwords.ts';
import { createSession } from './sessions.ts';
import { findUserByUsername, normaliseUsername } from './users.ts';

export const LOGIN_WINDOW_MS = 15 * 60_000;
export const MAX_FAILURES_PER_USER = 5;
export const MAX_FAILURES_PER_ADDRESS = 50;

export type LoginResult =
  | { ok: true; userId: string; token: string; csrfToken: string; expiresAt: string }
  | { ok: false; reason: 'invalid' }
  | { ok: false; reason: 'rate_limited'; retryAfterSeconds: number };

async function recentFailures(db: Kysely<Database>, key: string, since: string): Promise<{ count: number; oldest: string | null }> {
  const row = await db
    .selectFrom('login_failures')
    .select((eb) => [eb.fn.countAll<number>().as('count'), eb.fn.min('at').as('oldest')])
    .where('key', '=', key)
    .where('at', '>', since)
    .executeTakeFirst();
  return { count: Number(row?.count ?? 0), oldest: (row?.oldest as string | null | undefined) ?? null };
}

export async function login(
  db: Kysely<Database>,
  input: { username: string; password: string; address: string },
  now: Date = new Date(),
): Promise<LoginResult> {
  const username = normaliseUsername(input.username);
  const userKey = `user:${username}`;
  const addressKey = `ip:${input.address}`;
  const since = new Date(now.getTime() - LOGIN_WINDOW_MS).toISOString();
  const [perUser, perAddress] = await Promise.all([recentFailures(db, userKey, since), recentFailures(db, addressKey, since)]);
  const limited = [
    perUser.count >= MAX_FAILURES_PER_USER ? perUser.oldest : null,
    perAddress.count >= MAX_FAILURES_PER_ADDRESS ? perAddress.oldest : null,
  ].filter((value): value is string => value !== null);
  if (limited.length > 0) {
    const until = Math.max(...limited.map((oldest) => Date.parse(oldest) + LOGIN_WINDOW_MS));
    return { ok: false, reason: 'rate_limited', retryAfterSeconds: Math.max(1, Math.ceil((until - now.getTime()) / 1000)) };
  }
  const user = await findUserByUsername(db, username);
  // Hash even for an unknown user, so the answer time does not tell which accounts exist.
  const valid = user ? user.active === 1 && (await verifyPassword(input.password, user.password_hash)) : await verifyPassword(input.password, await dummyPasswordHash()) && false;
  if (!user || !valid) {
    const at = now.toISOString();
    await db
      .insertInto('login_failures')
      .values([
        { id: newId(), key: userKey, at },
        { id: newId(), key: addressKey, at },
      ])
      .execute();
    return { ok: false, reason: 'invalid' };
  }
  await db.deleteFrom('login_failures').where('key', '=', userKey).execute();
  const session = await createSession(db, user.id);
  return { ok: true, userId: user.id, ...session };
}
