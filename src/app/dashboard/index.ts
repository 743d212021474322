// The dashboard of a collectivité (Tableau de bord): its figures from the search index (figures.ts),
// the payment-deadline risk and the most urgent invoices from the search index too (its dgp_expiry is
// the deadline module's expiry, kept up to date at indexing: counts stay cheap at hundreds of
// thousands of invoices), and the publishing failures to retry or abandon.
import { PAYABLE_DOCUMENT_TYPE } from '../deadlines/index.ts';
import { loadDeadlineSettings } from '../deadlines/settings.ts';
import type { AppContext } from '../context.ts';
import { listPublications, listPublishFailures } from '../publish/outbox.ts';
import { searchInvoices } from '../search/search.ts';
import { dashboardFigures } from './figures.ts';

export { dashboardFigures, TO_PROCESS_STATUSES } from './figures.ts';

/** How many publishing failures the dashboard lists (the CLI lists them all). */
const FAILURES_SHOWN = 20;

export async function loadDashboard(context: AppContext, tenantId: string) {
  const db = context.store.db;
  const riskDays = loadDeadlineSettings().riskDays;
  const risk = (days: number, limit: number) =>
    // Payables only: a credit note runs no deadline (deadlines module), whatever the index says of it.
    searchInvoices(context.store, tenantId, { filters: { dgpRiskDays: days, documentType: PAYABLE_DOCUMENT_TYPE }, sort: 'received', direction: 'asc', limit, facets: false });
  const [figures, late, atRisk, failures] = await Promise.all([dashboardFigures(db, tenantId), risk(-1, 1), risk(riskDays, 8), listPublishFailures(db, { tenantId })]);
  return {
    ...figures,
    risk: { late: late.total, at_risk: atRisk.total - late.total },
    mostUrgent: atRisk.items.map((item) => ({
      invoiceId: item.invoiceId,
      number: item.number,
      supplier: item.supplierName,
      amountTtc: item.amountTtc,
      expiryDate: item.dgpExpiry,
    })),
    publishFailures: failures.slice(0, FAILURES_SHOWN),
  };
}

/** True when `publicationId` is a publication of this collectivité: retry and abandon never reach another's. */
export async function isPublicationOf(context: AppContext, tenantId: string, publicationId: string): Promise<boolean> {
  const found = await listPublications(context.store.db, { id: publicationId, tenantId, limit: 1 });
  return found.length === 1;
}
