// One sync at a time per tenant, across processes and hosts: a lease row in sync_leases.
// Taking it is an INSERT … ON CONFLICT DO NOTHING, or a compare-and-set UPDATE of a stale holder
// (lease expired, or a dead pid on this same host — so a sync killed with -9 is taken over at once
// instead of after the expiry). The holder renews it every third of its duration; a holder that
// finds its lease taken over stops before writing anything more.
import os from 'node:os';
import type { Kysely } from 'kysely';
import type { Database } from '../../store/schema.ts';

export const LEASE_MS = 60_000;

export class SyncBusyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SyncBusyError';
  }
}

export class LeaseLostError extends Error {
  constructor() {
    super('La synchronisation a perdu son verrou (une autre synchronisation a repris la main) : arrêt sans autre écriture.');
    this.name = 'LeaseLostError';
  }
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export type SyncLease = {
  holder: string;
  /** Throws LeaseLostError when another process took the lease over. */
  assertHeld(): void;
  release(): Promise<void>;
};

type LeaseRow = Database['sync_leases'];

async function tryAcquire(db: Kysely<Database>, tenantId: string, holder: string, leaseMs: number): Promise<LeaseRow | null> {
  const now = new Date();
  const expires = new Date(now.getTime() + leaseMs).toISOString();
  const row: LeaseRow = { tenant_id: tenantId, holder, hostname: os.hostname(), pid: process.pid, acquired_at: now.toISOString(), expires_at: expires };
  const inserted = await db
    .insertInto('sync_leases')
    .values(row)
    .onConflict((conflict) => conflict.column('tenant_id').doNothing())
    .executeTakeFirst();
  if (Number(inserted.numInsertedOrUpdatedRows ?? 0) === 1) return null;
  const current = await db.selectFrom('sync_leases').selectAll().where('tenant_id', '=', tenantId).executeTakeFirst();
  if (!current) return tryAcquire(db, tenantId, holder, leaseMs);
  const stale = current.expires_at < now.toISOString() || (current.hostname === os.hostname() && !pidAlive(Number(current.pid)));
  if (!stale) return current;
  const taken = await db
    .updateTable('sync_leases')
    .set({ holder, hostname: row.hostname, pid: row.pid, acquired_at: row.acquired_at, expires_at: expires })
    .where('tenant_id', '=', tenantId)
    .where('holder', '=', current.holder)
    .executeTakeFirst();
  return Number(taken.numUpdatedRows) === 1 ? null : current;
}

/**
 * Takes the tenant's sync lease, waiting up to `waitMs` for a running sync to finish (calling
 * `onWait` once with who holds it). Throws SyncBusyError when it is still held after that.
 */
export async function acquireSyncLease(
  db: Kysely<Database>,
  tenantId: string,
  holder: string,
  options: { waitMs?: number; leaseMs?: number; onWait?: (message: string) => void } = {},
): Promise<SyncLease> {
  const leaseMs = options.leaseMs ?? LEASE_MS;
  const deadline = Date.now() + (options.waitMs ?? 10 * 60_000);
  let announced = false;
  for (;;) {
    const busy = await tryAcquire(db, tenantId, holder, leaseMs);
    if (!busy) break;
    const message = `Une synchronisation de cette collectivité est déjà en cours (processus ${busy.pid} sur ${busy.hostname}, depuis ${busy.acquired_at})`;
    if (Date.now() > deadline) throw new SyncBusyError(`${message} : réessayez quand elle sera terminée.`);
    if (!announced) options.onWait?.(`${message} : attente de sa fin…`);
    announced = true;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  let lost = false;
  const renew = async () => {
    const result = await db
      .updateTable('sync_leases')
      .set({ expires_at: new Date(Date.now() + leaseMs).toISOString() })
      .where('tenant_id', '=', tenantId)
      .where('holder', '=', holder)
      .executeTakeFirst()
      .catch(() => null);
    if (result && Number(result.numUpdatedRows) === 0) lost = true;
  };
  const timer = setInterval(() => void renew(), Math.max(1000, Math.floor(leaseMs / 3)));
  timer.unref();
  return {
    holder,
    assertHeld() {
      if (lost) throw new LeaseLostError();
    },
    async release() {
      clearInterval(timer);
      await db.deleteFrom('sync_leases').where('tenant_id', '=', tenantId).where('holder', '=', holder).execute();
    },
  };
}
