// Tableau de bord: the work to do, deadlines at risk, processing time and volumes, publishing failures.
import { useState } from 'react';
import { get, post, qs } from '../api.ts';
import { Bars, MonthChart } from '../components/Charts.tsx';
import { ErrorMessage, Loading, Notice, PageTitle, Section, useData } from '../components/ui.tsx';
import { t } from '../i18n/fr.ts';
import { Link } from '../router.tsx';
import { canDo, useSession } from '../session.tsx';

type Entry = { key: string; count: number; amountTtc: string };
type Dashboard = {
  toProcess: number;
  byBudget: Entry[];
  byService: Entry[];
  volumes: { month: string; count: number }[];
  processingDays: { month: string; medianDays: number | null }[];
  risk: Partial<Record<'late' | 'at_risk', number>>;
  mostUrgent: { invoiceId: string; number: string | null; supplier: string | null; amountTtc: string | null; expiryDate: string | null }[];
  publishFailures: { id: string; invoiceId: string; invoiceNumber: string | null; status: string; lastError: string | null; attempts: number }[];
};

function daysUntil(date: string | null): number | null {
  if (!date) return null;
  return Math.round((Date.parse(`${date}T00:00:00Z`) - Date.parse(`${new Date().toISOString().slice(0, 10)}T00:00:00Z`)) / 86_400_000);
}

export default function DashboardScreen({ tenantId }: { tenantId: string }) {
  const session = useSession();
  const grant = session.grants.find((candidate) => candidate.tenantId === tenantId);
  const data = useData(() => get<Dashboard>(`/api/tenants/${tenantId}/dashboard`), [tenantId]);
  const list = (query: Record<string, string>) => `/c/${tenantId}/factures${qs(query)}`;
  if (data.loading && !data.data) return <Loading />;
  if (data.error) return <ErrorMessage error={data.error} onRetry={data.reload} />;
  const d = data.data!;
  return (
    <div>
      <PageTitle>{t.dashboard.title}</PageTitle>
      <div className="kpis">
        <div className="kpi">
          <span>{t.dashboard.toProcess}</span>
          <strong>{d.toProcess}</strong>
          <Link to={list({ status: 'received' })}>{t.dashboard.seeInvoices}</Link>
        </div>
        <div className="kpi kpi-late">
          <span>{t.dashboard.late}</span>
          <strong>{d.risk.late ?? 0}</strong>
        </div>
        <div className="kpi kpi-risk">
          <span>{t.dashboard.atRisk}</span>
          <strong>{d.risk.at_risk ?? 0}</strong>
        </div>
        <div className="kpi">
          <span>{t.dashboard.publishFailures}</span>
          <strong>{d.publishFailures.length}</strong>
        </div>
      </div>
      <div className="grid" style={{ marginTop: '1rem' }}>
        <Section title={t.dashboard.toProcessByBudget}>
          <Bars label={t.dashboard.toProcessByBudget} rows={d.byBudget.map((row) => ({ key: row.key, label: row.key || t.dashboard.noBudget, count: row.count }))} />
        </Section>
        <Section title={t.dashboard.toProcessByService}>
          <Bars label={t.dashboard.toProcessByService} rows={d.byService.slice(0, 12).map((row) => ({ key: row.key, label: row.key || t.dashboard.noService, count: row.count }))} />
        </Section>
        <Section title={t.dashboard.dgpRisk}>
          {d.mostUrgent.length === 0 ? (
            <p>{t.dashboard.onTime}</p>
          ) : (
            <ul>
              {d.mostUrgent.map((row) => {
                const days = daysUntil(row.expiryDate);
                return (
                  <li key={row.invoiceId}>
                    <Link to={`/c/${tenantId}/factures/${row.invoiceId}`}>{row.number ?? row.invoiceId}</Link> — {row.supplier} ·{' '}
                    <span className={days !== null && days < 0 ? 'badge badge-danger' : 'badge badge-warning'}>{days !== null ? t.invoices.daysLeft(days) : t.app.none}</span>
                  </li>
                );
              })}
            </ul>
          )}
        </Section>
        <Section title={t.dashboard.volumes}>
          <MonthChart title={t.dashboard.volumes} kind="bar" points={d.volumes.map((point) => ({ month: point.month, value: point.count }))} />
        </Section>
        <Section title={t.dashboard.processingTime}>
          <MonthChart title={t.dashboard.processingTime} kind="line" points={d.processingDays.map((point) => ({ month: point.month, value: point.medianDays }))} />
        </Section>
        <Section title={t.dashboard.publishFailures}>
          {d.publishFailures.length === 0 ? (
            <p>{t.dashboard.noPublishFailure}</p>
          ) : (
            <ul className="failures">
              {d.publishFailures.map((failure) => (
                <PublishFailure key={failure.id} tenantId={tenantId} failure={failure} canAct={canDo(grant, 'invoice.decide')} onDone={data.reload} />
              ))}
            </ul>
          )}
        </Section>
      </div>
    </div>
  );
}

type Failure = Dashboard['publishFailures'][number];

/** One failed publication: retry it, or abandon it with a reason (kept in the invoice's history). */
function PublishFailure({ tenantId, failure, canAct, onDone }: { tenantId: string; failure: Failure; canAct: boolean; onDone: () => void }) {
  const [abandoning, setAbandoning] = useState(false);
  const [reason, setReason] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const base = `/api/tenants/${tenantId}/publications/${failure.id}`;
  const run = async (action: () => Promise<unknown>) => {
    setBusy(true);
    setError(null);
    try {
      await action();
      onDone();
    } catch (caught) {
      setError((caught as Error).message);
    } finally {
      setBusy(false);
    }
  };
  const reasonId = `abandon-reason-${failure.id}`;
  return (
    <li>
      <Link to={`/c/${tenantId}/factures/${failure.invoiceId}`}>{failure.invoiceNumber ?? failure.invoiceId}</Link> — {failure.status} : {failure.lastError}{' '}
      <span className="muted">({t.dashboard.attempts(failure.attempts)})</span>
      {canAct ? (
        <div className="actions">
          <button type="button" className="button-secondary" disabled={busy} onClick={() => void run(() => post(`${base}/retry`))}>
            {t.dashboard.retry}
          </button>
          {!abandoning ? (
            <button type="button" className="button-secondary" disabled={busy} onClick={() => setAbandoning(true)}>
              {t.dashboard.abandon}
            </button>
          ) : null}
        </div>
      ) : null}
      {abandoning ? (
        <form
          className="inline-form"
          onSubmit={(event) => {
            event.preventDefault();
            if (!reason.trim()) return setError(t.dashboard.abandonReasonRequired);
            void run(() => post(`${base}/abandon`, { reason }));
          }}
        >
          <div className="field">
            <label htmlFor={reasonId}>{t.dashboard.abandonReason}</label>
            <input id={reasonId} value={reason} onChange={(event) => setReason(event.target.value)} required maxLength={500} />
          </div>
          <button type="submit" className="button-danger" disabled={busy}>
            {t.dashboard.abandonConfirm}
          </button>
          <button type="button" className="button-secondary" onClick={() => setAbandoning(false)}>
            {t.app.cancel}
          </button>
        </form>
      ) : null}
      {error ? <Notice kind="error">{error}</Notice> : null}
    </li>
  );
}
