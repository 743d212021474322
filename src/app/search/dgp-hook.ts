// The payment deadline as the single window stores it: the délai global de paiement of an invoice
// computed by the deadlines module's own rule (src/domain/dgp.ts through
// src/app/deadlines/index.ts: the tenant kind's policy, the Chorus history's suspensions, the
// installation's LIASSE_DGP_* settings), at indexing time, in the indexing transaction. Nothing
// of the rule is repeated here.
//
// Only a running delay has an expiry that the calendar does not move: while a suspension is open
// the expiry shifts every day (completion date + days left), and a paid invoice has none to watch.
// The sync re-indexes an invoice when its history changes (SUSPENDUE, COMPLETEE, MISE_EN_PAIEMENT),
// so the stored state and expiry follow. The risk filter reads only running delays.
//
// A credit note (avoir) runs no deadline: invoiceDgpFromRows, the deadlines module's one
// application of the rule, returns a not-applicable result with a null expiry, stored as state ''.
import type { Transaction } from 'kysely';
import { defaultDgpPolicy, todayInParis } from '../../domain/dgp.ts';
import type { Database } from '../../store/schema.ts';
import type { InvoiceTable } from '../../store/tables/foundation.ts';
import { type ApplicableDgp, invoiceDgpFromRows } from '../deadlines/index.ts';
import { loadDeadlineSettings } from '../deadlines/settings.ts';

export type StoredDgp = { dgp_expiry: string | null; dgp_state: '' | 'running' | 'suspended' | 'paid' };

/** The stored form of a DGP result: expiry and state. */
export function storedDgp(result: ApplicableDgp): StoredDgp {
  if (!result.applicable || result.expiryDate === null) return { dgp_expiry: null, dgp_state: '' };
  const state = result.paid ? 'paid' : result.suspendedNow ? 'suspended' : 'running';
  return { dgp_expiry: result.expiryDate, dgp_state: state };
}

export async function dgpOf(
  trx: Transaction<Database>,
  invoice: InvoiceTable,
  today: string = todayInParis(),
): Promise<StoredDgp> {
  const [tenant, history] = await Promise.all([
    trx.selectFrom('tenants').select('kind').where('id', '=', invoice.tenant_id).executeTakeFirst(),
    trx.selectFrom('chorus_history').select(['status', 'at']).where('invoice_id', '=', invoice.id).execute(),
  ]);
  const policy = defaultDgpPolicy(tenant?.kind ?? 'commune', loadDeadlineSettings().dgp);
  return storedDgp(invoiceDgpFromRows(invoice, history, policy, today));
}
