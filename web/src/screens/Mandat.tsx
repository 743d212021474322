// Mandat: the form comes pre-filled by the server's preview (the same rules as the creation, nothing
// saved): tiers and bank details, objet, amounts per the budget's VAT regime, engagement and
// imputation, exercice, DGP and the PJ. Every failing check is shown inline, next to the field it
// concerns, and listed before "Créer le mandat"; the button is enabled once they all pass.
import { useState } from 'react';
import { ApiError, get, post, qs } from '../api.ts';
import { ErrorMessage, Loading, Notice, PageTitle, Section, useData } from '../components/ui.tsx';
import { t } from '../i18n/fr.ts';
import { Link } from '../router.tsx';
import { canDo, useSession } from '../session.tsx';
import type { InvoiceDetail } from '../types.ts';

type Problem = { code: string; message: string };

type MandatPreview = {
  ready: boolean;
  problems: Problem[];
  budget: { id: string; code: string; vatRegime: string } | null;
  exercice: number | null;
  exerciceOpen: boolean | null;
  tiers: { id: string; name: string; siret: string } | null;
  iban: string | null;
  bic: string | null;
  modeReglement: string | null;
  objet: string | null;
  montantHT: string | null;
  montantTVA: string | null;
  montantTTC: string | null;
  montantLiquide: string | null;
  engagements: string[];
  lines: { ligne: number; facture: string | null; engagement: string; nature: string | null; fonction: string | null; operation: string | null; montantHT: string; montantTTC: string }[];
  dgp: { debut: string; fin: string; duree: number } | null;
  pjs: { filename: string; role: string; size: number; description: string }[];
};

type MandatView = { id: string; numero: number; budget: string; exercice: number };

/** Which field a check concerns (its `code` from the server's rules), to show it inline there. */
const FIELD_OF_CHECK: [RegExp, Field][] = [
  [/^(tiers_|engagement_tiers)/, 'tiers'],
  [/^iban_/, 'iban'],
  [/^exercice_/, 'exercice'],
  [/^(engagement_|imputation_|budget_)/, 'engagement'],
  [/^(invoice_amount|allocation_)/, 'amounts'],
  [/^dgp_/, 'dgp'],
];
type Field = 'tiers' | 'iban' | 'exercice' | 'engagement' | 'amounts' | 'dgp' | 'invoice';

function fieldOf(problem: Problem): Field {
  return FIELD_OF_CHECK.find(([pattern]) => pattern.test(problem.code))?.[1] ?? 'invoice';
}

export default function MandatScreen({ tenantId, invoiceId }: { tenantId: string; invoiceId: string }) {
  const session = useSession();
  const grant = session.grants.find((candidate) => candidate.tenantId === tenantId);
  const base = `/api/tenants/${tenantId}`;
  const invoice = useData(() => get<InvoiceDetail>(`${base}/invoices/${invoiceId}`), [base, invoiceId]);
  const preview = useData(() => get<MandatPreview>(`${base}/mandats/preview${qs({ invoiceId })}`), [base, invoiceId]);
  const [mandat, setMandat] = useState<MandatView | null>(null);
  const [refused, setRefused] = useState<Problem[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  if ((invoice.loading && !invoice.data) || (preview.loading && !preview.data)) return <Loading />;
  if (invoice.error) return <ErrorMessage error={invoice.error} />;
  if (preview.error) return <ErrorMessage error={preview.error} onRetry={preview.reload} />;
  const data = invoice.data!;
  const draft = preview.data!;
  const money = (value: string | null) => (value === null ? t.app.none : t.format.money(value));
  // Checks refused at creation (something changed since the preview) replace the preview's.
  const problems = refused ?? draft.problems;
  const byField = new Map<Field, Problem[]>();
  for (const problem of problems) byField.set(fieldOf(problem), [...(byField.get(fieldOf(problem)) ?? []), problem]);
  const allowed = canDo(grant, 'mandat.create');

  const create = async () => {
    setBusy(true);
    setError(null);
    setRefused(null);
    try {
      setMandat(await post<MandatView>(`${base}/mandats`, { invoiceIds: [invoiceId] }));
    } catch (caught) {
      if (caught instanceof ApiError && Array.isArray(caught.details)) setRefused(caught.details as Problem[]);
      else setError((caught as Error).message);
    } finally {
      setBusy(false);
    }
  };

  const line = draft.lines[0];
  const imputation = line ? [line.nature, line.fonction, line.operation].filter(Boolean).join(' / ') : null;
  const field = (id: string, label: string, value: string | null, concerns?: Field, wide = false) => (
    <ReadOnly key={id} id={id} label={label} value={value ?? t.app.none} problems={concerns ? byField.get(concerns) ?? [] : []} wide={wide} />
  );
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
        <h2 id="mandat-form-title">{mandat ? t.mandat.numbered(mandat.numero) : t.mandat.prefilled}</h2>
        <p className="muted">{t.mandat.prefilledHint}</p>
        <div className="grid">
          {field('m-tiers', t.mandat.tiers, draft.tiers ? `${draft.tiers.name} (${draft.tiers.siret})` : `${data.supplier.name ?? ''} (${data.supplier.siret ?? t.app.none})`, 'tiers')}
          {field('m-iban', t.invoice.iban, draft.iban ? `${draft.iban}${draft.bic ? ` — BIC ${draft.bic}` : ''}` : null, 'iban')}
          {field('m-mode', t.mandat.paymentMode, draft.modeReglement ? (t.mandat.paymentModes[draft.modeReglement] ?? draft.modeReglement) : null)}
          {field('m-objet', t.mandat.object, draft.objet, undefined, true)}
          {field('m-budget', t.mandat.budget, draft.budget ? `${draft.budget.code} — ${t.mandat.regime(draft.budget.vatRegime)}` : null)}
          {field('m-exercice', t.mandat.exercice, draft.exercice ? `${draft.exercice}${draft.exerciceOpen === false ? ` (${t.mandat.closed})` : ''}` : null, 'exercice')}
          {field('m-engagement', t.mandat.engagement, draft.engagements.join(', ') || null, 'engagement')}
          {field('m-imputation', t.mandat.imputation, imputation)}
          {field('m-ht', t.mandat.amountHt, money(draft.montantHT ?? data.totals.ht), 'amounts')}
          {field('m-tva', t.mandat.amountTva, money(draft.montantTVA ?? data.totals.tva))}
          {field('m-ttc', t.mandat.amountTtc, money(draft.montantTTC ?? data.totals.ttc))}
          {field('m-liquide', t.mandat.charged(draft.budget?.vatRegime ?? 'TTC'), money(draft.montantLiquide))}
          {field('m-dgp-start', t.mandat.dgpStart, draft.dgp ? t.format.date(draft.dgp.debut) : null, 'dgp')}
          {field('m-dgp-end', t.mandat.dgpEnd, draft.dgp ? `${t.format.date(draft.dgp.fin)} (${t.mandat.days(draft.dgp.duree)})` : null)}
        </div>
        <Section title={t.mandat.pjs} id="mandat-pjs">
          {draft.pjs.length === 0 ? (
            <p className="muted">{t.mandat.noPj}</p>
          ) : (
            <ul>
              {draft.pjs.map((pj) => (
                <li key={pj.filename + pj.description}>
                  {pj.filename} — {pj.description} ({t.mandat.size(pj.size)})
                </li>
              ))}
            </ul>
          )}
        </Section>
        <Section title={t.mandat.checks} id="mandat-checks">
          <ul className="checks" aria-live="polite">
            {problems.length === 0 ? <li className="check-ok">{t.mandat.allChecksPass}</li> : null}
            {problems.map((problem) => (
              <li key={problem.code + problem.message} className="check-ko">
                {problem.message}
              </li>
            ))}
          </ul>
        </Section>
        {!mandat && allowed ? (
          <>
            <button type="submit" disabled={busy || problems.length > 0} aria-describedby={problems.length > 0 ? 'mandat-blocked' : undefined}>
              {t.mandat.create}
            </button>
            {problems.length > 0 ? (
              <p id="mandat-blocked" className="muted">
                {t.mandat.blocked(problems.length)}
              </p>
            ) : null}
          </>
        ) : null}
        {!allowed ? <p className="muted">{t.invoice.notAllowed}</p> : null}
      </form>
    </div>
  );
}

function ReadOnly({ id, label, value, problems, wide }: { id: string; label: string; value: string; problems: Problem[]; wide: boolean }) {
  const errorId = `${id}-error`;
  return (
    <div className={['field', wide ? 'field-wide' : '', problems.length > 0 ? 'field-invalid' : ''].filter(Boolean).join(' ')}>
      <label htmlFor={id}>{label}</label>
      <input id={id} value={value} readOnly aria-invalid={problems.length > 0 ? true : undefined} aria-describedby={problems.length > 0 ? errorId : undefined} />
      {problems.length > 0 ? (
        <span id={errorId} className="field-error">
          {problems.map((problem) => problem.message).join(' ')}
        </span>
      ) : null}
    </div>
  );
}
