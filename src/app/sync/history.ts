// Re-reading one invoice's Chorus history outside a sync run: after the publishing worker learns
// from a 20002 that the invoice moved on in Chorus (the portal, Hélios), the timeline and the
// payment deadline must show the cycles Chorus now has, without waiting for the next sync.
import type { ChorusClient } from '../../chorus/client.ts';
import type { ConsulterHistoriqueResponse } from '../../chorus/types.ts';
import { newId } from '../../domain/ids.ts';
import { appendAudit } from '../../store/audit.ts';
import type { AppContext } from '../context.ts';
import { chorusClientForTenant } from '../tenants.ts';
import { computeCycles } from './cycles.ts';

export type HistoryRefresh = { invoiceId: string; entries: number; cycles: number; chorusStatus: string | null };

/**
 * Reads consulterHistoriqueFacture for (tenant, idFacture) and replaces the stored history with
 * it, cycles included, in one transaction with its audit entry and the invoice's search row.
 * `history`: a response the caller has just read (spares a second call). Null when the invoice is
 * not stored.
 */
export async function refreshInvoiceHistory(
  context: AppContext,
  tenantId: string,
  chorusId: number,
  options: { client?: Pick<ChorusClient, 'consulterHistoriqueFacture'>; history?: ConsulterHistoriqueResponse; actor?: string } = {},
): Promise<HistoryRefresh | null> {
  const db = context.store.db;
  const stored = await db.selectFrom('invoices').select('id').where('tenant_id', '=', tenantId).where('chorus_id', '=', chorusId).executeTakeFirst();
  if (!stored) return null;
  const response = options.history ?? (await (options.client ?? (await chorusClientForTenant(context, tenantId))).consulterHistoriqueFacture(chorusId));
  const cycles = computeCycles(response.historiquesDesStatuts?.histoStatut ?? []);
  const madeAvailable = cycles.find((entry) => entry.status === 'MISE_A_DISPOSITION')?.at ?? null;
  const seen = new Set<string>();
  const rows = cycles
    .filter((entry) => {
      const key = `${entry.status}\u0000${entry.at}`;
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    })
    .map((entry) => ({ id: newId(), invoice_id: stored.id, status: entry.status, at: entry.at, comment: entry.comment, cycle: entry.cycle }));
  const indexer = await import('../search/index-invoice.ts').then(
    (module) => (module as { indexInvoice?: (trx: never, dialect: never, id: string) => Promise<void> }).indexInvoice ?? null,
    () => null,
  );
  const now = new Date().toISOString();
  await db.transaction().execute(async (trx) => {
    await trx.deleteFrom('chorus_history').where('invoice_id', '=', stored.id).execute();
    for (let start = 0; start < rows.length; start += 500) await trx.insertInto('chorus_history').values(rows.slice(start, start + 500)).execute();
    if (madeAvailable) await trx.updateTable('invoices').set({ made_available_at: madeAvailable }).where('id', '=', stored.id).execute();
    if (indexer) await indexer(trx as never, context.store.dialect as never, stored.id);
    await appendAudit(trx, {
      tenantId,
      actor: options.actor ?? 'system:sync',
      action: 'invoice.sync.history',
      entity: 'invoice',
      entityId: stored.id,
      data: { chorusId, chorusStatus: response.statutCourantCode ?? null, entries: rows.length, cycles: rows.reduce((max, row) => Math.max(max, row.cycle), 0) },
      at: now,
    });
  });
  return {
    invoiceId: stored.id,
    entries: rows.length,
    cycles: rows.reduce((max, row) => Math.max(max, row.cycle), rows.length > 0 ? 1 : 0),
    chorusStatus: response.statutCourantCode ?? null,
  };
}
