// Mandat: everything comes from the reconciled invoice, its engagement and the referential; the
// checks (exercice open, remaining amount, tiers and bank details, amounts) are shown inline.
import { useState } from 'react';
import { ApiError, get, post } from '../api.ts';
import { ErrorMessage, Loading, Notice, PageTitle, Section, useData } from '../components/ui.tsx';
import { t } from '../i18n/fr.ts';
import { Link } from '../router.tsx';
import type { InvoiceDetail, Matching } from '../types.ts';

type MandatView = {
  id: string;
  numero: number;
  budget: string;
  exercice: number;
  engagement: string | null;
  tiers: { name: string; siret: string };
  objet: string;
  montantHT: string;
  montantTVA: string;
  montantTTC: string;
  iban: string | null;
  dgp: { debut: string; fin: string; duree: number } | null;
  lines: { ligne: number; engagement: string; nature: string; fonction: string | null; montantTTC: string }[];
  pjs: { filename: string }[];
};

export default function MandatScreen({ tenantId, invoiceId }: { tenantId: string; invoiceId: string }) {
  const base = `/api/tenants/${tenantId}/invoices/${invoiceId}`;
  const invoice = useData(() => get<InvoiceDetail>(base), [base]);
  const matching = useData(() => get<Matching>(`${base}/matching`), [base]);
  const [mandat, setMandat] = useState<MandatView | null>(null);
  const [problems, setProblems] = useState<{ code: string; message: string }[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  if (invoice.loading && !invoice.data) return <Loading />;
  if (invoice.error) return <ErrorMessage error={invoice.error} />;
  const data = invoice.data!;
  const money = t.format.money;

  const create = async () => {
    setBusy(true);
    setError(null);
    setProblems(null);
    try {
      setMandat(await post<MandatView>(`/api/tenants/${tenantId}/mandats`, { invoiceIds: [invoiceId] }));
    } catch (caught) {
      if (caught instanceof ApiError && Array.isArray(caught.details)) setProblems(caught.details as { code: string; message: string }[]);
      else setError((caught as Error).message);
    } finally {
      setBusy(false);
    }
  };

  const allocation = matching.data?.allocations[0];
  return (
    <div>
      <PageTitle
        actions={
          <Link className="button button-secondary" to={`/c/${tenantId}/factures/${invoiceId}`}>
            {t.invoice.back}
          </Link>
        }
      >
        {t.mandat.title}
      </PageTitle>
      <p>{t.mandat.from(data.number ?? String(data.chorusId))}</p>
      {mandat ? (
        <Notice kind="success">
          {t.mandat.created(String(mandat.numero))} <Link to={`/c/${tenantId}/bordereaux`}>{t.mandat.goBordereaux}</Link>
        </Notice>
      ) : null}
      {error ? <Notice kind="error">{error}</Notice> : null}
      <form
        className="card"
        aria-labelledby="mandat-form-title"
        onSubmit={(event) => {
          event.preventDefault();
          void create();
        }}
      >
        <h2 id="mandat-form-title">{mandat ? `Mandat n° ${mandat.numero}` : t.mandat.title}</h2>
        <div className="grid">
          <ReadOnly id="m-tiers" label={t.mandat.tiers} value={mandat ? `${mandat.tiers.name} (${mandat.tiers.siret})` : `${data.supplier.name ?? ''} (${data.supplier.siret ?? ''})`} />
          <ReadOnly id="m-iban" label={t.invoice.iban} value={mandat?.iban ?? data.iban ?? t.app.none} />
          <ReadOnly id="m-engagement" label={t.mandat.engagement} value={mandat?.engagement ?? allocation?.numero ?? t.app.none} />
          <ReadOnly id="m-objet" label={t.mandat.object} value={mandat?.objet ?? data.lines[0]?.name ?? t.app.none} />
          {mandat ? <ReadOnly id="m-budget" label={t.mandat.budget} value={`${mandat.budget} — ${mandat.exercice}`} /> : null}
          {mandat?.lines[0] ? <ReadOnly id="m-imputation" label={t.mandat.imputation} value={`${mandat.lines[0].nature}${mandat.lines[0].fonction ? ` / ${mandat.lines[0].fonction}` : ''}`} /> : null}
          <ReadOnly id="m-ht" label={t.mandat.amountHt} value={money(mandat?.montantHT ?? data.totals.ht)} />
          <ReadOnly id="m-tva" label={t.mandat.amountTva} value={money(mandat?.montantTVA ?? data.totals.tva)} />
          <ReadOnly id="m-ttc" label={t.mandat.amountTtc} value={money(mandat?.montantTTC ?? data.totals.ttc)} />
          <ReadOnly id="m-dgp-start" label={t.mandat.dgpStart} value={t.format.date(mandat?.dgp?.debut ?? null)} />
          <ReadOnly id="m-dgp-end" label={t.mandat.dgpEnd} value={t.format.date(mandat?.dgp?.fin ?? data.dgp?.expiryDate ?? null)} />
        </div>
        <Section title={t.mandat.checks}>
          <ul className="checks" aria-live="polite">
            <li className={allocation ? 'check-ok' : 'check-ko'}>{allocation ? `${t.invoice.allocatedTo} ${allocation.numero}` : 'Facture non rapprochée'}</li>
            <li className={data.status === 'service_fait' || mandat ? 'check-ok' : 'check-ko'}>{t.status.service_fait}</li>
            {(problems ?? []).map((problem) => (
              <li key={problem.code + problem.message} className="check-ko">
                {problem.message}
              </li>
            ))}
          </ul>
        </Section>
        {!mandat ? (
          <button type="submit" disabled={busy}>
            {t.mandat.create}
          </button>
        ) : null}
      </form>
    </div>
  );
}

function ReadOnly({ id, label, value }: { id: string; label: string; value: string }) {
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <input id={id} value={value} readOnly />
    </div>
  );
}
