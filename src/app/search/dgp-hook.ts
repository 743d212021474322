// Hook for the payment-deadline filter: the expiry of the délai global de paiement of an invoice,
// stored in invoice_search.dgp_expiry so "risque DGP" is an indexed range filter. The DGP rules
// live in src/domain/dgp.ts (owned by the DGP work); until they are wired here the expiry is
// approximated as the start date (made available, else deposited) + 30 days, suspensions ignored.
import type { Transaction } from 'kysely';
import type { Database } from '../../store/schema.ts';
import type { InvoiceTable } from '../../store/tables/foundation.ts';

const DEFAULT_DGP_DAYS = 30;

export async function dgpExpiryOf(_trx: Transaction<Database>, invoice: InvoiceTable): Promise<string | null> {
  const start = (invoice.made_available_at ?? invoice.deposited_at)?.slice(0, 10);
  if (!start || !/^\d{4}-\d{2}-\d{2}$/.test(start)) return null;
  const date = new Date(`${start}T00:00:00Z`);
  date.setUTCDate(date.getUTCDate() + DEFAULT_DGP_DAYS);
  return date.toISOString().slice(0, 10);
}
