// Référentiel: tiers and engagements of the collectivité, and CSV imports from the accounting software.
import { type FormEvent, useState } from 'react';
import { api, get, qs } from '../api.ts';
import { Notice, PageTitle, Section, useData } from '../components/ui.tsx';
import { t } from '../i18n/fr.ts';
import { canDo, useSession } from '../session.tsx';

type Tiers = { id: string; siret: string; name: string; ibans: string[] };
type Engagement = { id: string; numero: string; exercice: number; budget: string; tiers: string | null; objet: string | null; amountTtc: string; remainingTtc: string };
type Report = { created: number; updated: number; unchanged: number; rejected: { line: number; reason: string }[] };

export default function ReferentialScreen({ tenantId }: { tenantId: string }) {
  const session = useSession();
  const grant = session.grants.find((candidate) => candidate.tenantId === tenantId);
  const base = `/api/tenants/${tenantId}/referential`;
  const [filter, setFilter] = useState('');
  const [applied, setApplied] = useState('');
  const tiers = useData(() => get<{ items: Tiers[] }>(`${base}/tiers${qs({ q: applied })}`), [base, applied]);
  const engagements = useData(() => get<{ items: Engagement[] }>(`${base}/engagements${qs({ q: applied })}`), [base, applied]);
  const [kind, setKind] = useState('engagements');
  const [report, setReport] = useState<Report | null>(null);
  const [error, setError] = useState<string | null>(null);

  const upload = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    setError(null);
    setReport(null);
    try {
      const body = new FormData();
      body.append('file', form.get('file') as File);
      setReport(await api<Report>('POST', `${base}/${kind}/import`, body));
      tiers.reload();
      engagements.reload();
    } catch (caught) {
      setError((caught as Error).message);
    }
  };

  return (
    <div>
      <PageTitle>{t.referential.title}</PageTitle>
      {canDo(grant, 'referential.write') ? (
        <Section title={t.referential.import}>
          <form onSubmit={(event) => void upload(event)} className="grid">
            <div className="field">
              <label htmlFor="import-kind">{t.referential.importKind}</label>
              <select id="import-kind" value={kind} onChange={(event) => setKind(event.target.value)}>
                <option value="budgets">{t.referential.budgets}</option>
                <option value="tiers">{t.referential.tiers}</option>
                <option value="engagements">{t.referential.engagements}</option>
              </select>
            </div>
            <div className="field">
              <label htmlFor="import-file">{t.referential.file}</label>
              <input id="import-file" name="file" type="file" accept=".csv,text/csv" required />
            </div>
            <div>
              <button type="submit">{t.referential.importSubmit}</button>
            </div>
          </form>
          {error ? <Notice kind="error">{error}</Notice> : null}
          {report ? (
            <Notice kind={report.rejected.length ? 'info' : 'success'}>
              {t.referential.report(report.created, report.updated, report.rejected.length)}
              {report.rejected.length ? (
                <ul>
                  {report.rejected.slice(0, 50).map((rejection) => (
                    <li key={rejection.line}>
                      {t.referential.line(rejection.line)} : {rejection.reason}
                    </li>
                  ))}
                </ul>
              ) : null}
            </Notice>
          ) : null}
        </Section>
      ) : null}
      <form
        className="searchbar"
        role="search"
        onSubmit={(event) => {
          event.preventDefault();
          setApplied(filter);
        }}
      >
        <label htmlFor="ref-filter" className="visually-hidden">
          {t.referential.search}
        </label>
        <input id="ref-filter" type="search" value={filter} onChange={(event) => setFilter(event.target.value)} placeholder={t.referential.search} />
        <button type="submit">{t.referential.search}</button>
      </form>
      <div className="grid">
        <Section title={t.referential.engagements}>
          <div className="table-wrap" tabIndex={0}>
            <table>
              <thead>
                <tr>
                  <th scope="col">{t.referential.numero}</th>
                  <th scope="col">{t.mandat.budget}</th>
                  <th scope="col">{t.mandat.tiers}</th>
                  <th scope="col" className="num">{t.referential.amount}</th>
                  <th scope="col" className="num">{t.referential.remaining}</th>
                </tr>
              </thead>
              <tbody>
                {(engagements.data?.items ?? []).map((engagement) => (
                  <tr key={engagement.id}>
                    <td>
                      {engagement.numero}
                      <div className="muted">{engagement.objet}</div>
                    </td>
                    <td>
                      {engagement.budget} {engagement.exercice}
                    </td>
                    <td>{engagement.tiers ?? t.app.none}</td>
                    <td className="num">{t.format.money(engagement.amountTtc)}</td>
                    <td className="num">{t.format.money(engagement.remainingTtc)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          {engagements.data?.items.length === 0 ? <p>{t.referential.empty}</p> : null}
        </Section>
        <Section title={t.referential.tiers}>
          <div className="table-wrap" tabIndex={0}>
            <table>
              <thead>
                <tr>
                  <th scope="col">{t.referential.name}</th>
                  <th scope="col">{t.referential.siret}</th>
                </tr>
              </thead>
              <tbody>
                {(tiers.data?.items ?? []).map((row) => (
                  <tr key={row.id}>
                    <td>{row.name}</td>
                    <td>{row.siret}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          {tiers.data?.items.length === 0 ? <p>{t.referential.empty}</p> : null}
        </Section>
      </div>
    </div>
  );
}
