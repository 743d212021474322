// The sync's background jobs: `sync-all` (scheduled every LIASSE_SYNC_INTERVAL_MINUTES) fans out one
// `sync-tenant` job per authority with a Chorus connection, keyed by tenant so that instances racing
// on the same slot, or a slow run overlapping the next slot, never stack two syncs of one tenant.
import type { AppContext } from '../context.ts';
import type { JobHandler, JobQueue } from '../jobs/index.ts';
import { ensureTenantFromEnvironment } from '../tenants.ts';
import { syncTenant } from './sync.ts';

export type SyncTenantPayload = { tenantId: string; historyOnly?: boolean };

export function syncAllHandler(context: AppContext, queue: JobQueue, log: (line: string) => void): JobHandler<unknown> {
  return async () => {
    await ensureTenantFromEnvironment(context);
    const tenants = await context.store.db.selectFrom('tenants').select('id').where('chorus_connection_encrypted', 'is not', null).execute();
    for (const tenant of tenants) {
      await queue.enqueue<SyncTenantPayload>('sync-tenant', { tenantId: tenant.id }, { singletonKey: tenant.id, retryLimit: 2 });
    }
    log(`sync-all : ${tenants.length} collectivité(s) à synchroniser`);
  };
}

export function syncTenantHandler(context: AppContext, log: (line: string) => void): JobHandler<SyncTenantPayload> {
  return async (payload) => {
    const db = context.store.db;
    const previous = await db
      .selectFrom('sync_runs')
      .select(['status', 'error'])
      .where('tenant_id', '=', payload.tenantId)
      .where('status', 'in', ['done', 'failed'])
      .orderBy('started_at', 'desc')
      .limit(1)
      .executeTakeFirst();
    try {
      const result = await syncTenant(context, payload.tenantId, { historyOnly: payload.historyOnly ?? false, leaseWaitMs: 0 });
      const { seen, new: created, updated, unchanged, quarantined, failed } = result;
      log(`sync ${payload.tenantId} : ${JSON.stringify({ seen, new: created, updated, unchanged, quarantined, failed })}`);
    } catch (error) {
      const message = (error as Error).message;
      // The same failure as last time (a wrong password…) is said once, not at every slot; the
      // job is not retried for it either: the next scheduled slot tries again.
      if (previous?.status !== 'failed' || previous.error !== message) log(`sync ${payload.tenantId} en échec : ${message}`);
      if ((error as Error).name === 'SyncBusyError') return;
      if ((error as { kind?: string }).kind === 'piste-auth' || (error as { kind?: string }).kind === 'account') return;
      throw error;
    }
  };
}
