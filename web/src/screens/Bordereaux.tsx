// Bordereaux: the mandats waiting, composing a bordereau per budget and exercice, its PES, sending
// it and following the acknowledgement.
import { useState } from 'react';
import { get, post } from '../api.ts';
import { ErrorMessage, Loading, Notice, PageTitle, Section, useData } from '../components/ui.tsx';
import { t } from '../i18n/fr.ts';
import { canDo, useSession } from '../session.tsx';

type Mandat = { id: string; numero: number; budget: string; exercice: number; status: string; statusLabel: string; tiers: { name: string }; montantTTC: string; invoiceNumbers: string[] };
type Bordereau = {
  id: string;
  numero: number;
  budget: string;
  exercice: number;
  status: string;
  statusLabel: string;
  mandatCount: number;
  totalTTC: string;
  pesFile: string | null;
  transmissionStatus: string | null;
  rejectionReason: string | null;
  acknowledgedAt: string | null;
};

export default function BordereauxScreen({ tenantId }: { tenantId: string }) {
  const session = useSession();
  const grant = session.grants.find((candidate) => candidate.tenantId === tenantId);
  const base = `/api/tenants/${tenantId}`;
  const pending = useData(() => get<{ items: Mandat[] }>(`${base}/mandats?status=pending`), [base]);
  const bordereaux = useData(() => get<{ items: Bordereau[] }>(`${base}/bordereaux`), [base]);
  const [message, setMessage] = useState<{ kind: 'success' | 'error'; text: string } | null>(null);
  const [busy, setBusy] = useState(false);
  const act = async (run: () => Promise<string>) => {
    setBusy(true);
    setMessage(null);
    try {
      setMessage({ kind: 'success', text: await run() });
      pending.reload();
      bordereaux.reload();
    } catch (error) {
      setMessage({ kind: 'error', text: (error as Error).message });
    } finally {
      setBusy(false);
    }
  };
  const groups = new Map<string, Mandat[]>();
  for (const mandat of pending.data?.items ?? []) {
    const key = `${mandat.budget}|${mandat.exercice}`;
    groups.set(key, [...(groups.get(key) ?? []), mandat]);
  }
  const sign = canDo(grant, 'bordereau.sign');
  return (
    <div>
      <PageTitle>{t.bordereaux.title}</PageTitle>
      {message ? <Notice kind={message.kind}>{message.text}</Notice> : null}
      <Section title={t.bordereaux.pending}>
        {pending.loading && !pending.data ? <Loading /> : null}
        {pending.error ? <ErrorMessage error={pending.error} /> : null}
        {groups.size === 0 && pending.data ? <p>{t.bordereaux.noPending}</p> : null}
        {[...groups.entries()].map(([key, mandats]) => {
          const [budget, exercice] = key.split('|');
          return (
            <div key={key}>
              <h3>
                {t.bordereaux.budget} {budget} — {t.bordereaux.exercice} {exercice}
              </h3>
              <ul>
                {mandats.map((mandat) => (
                  <li key={mandat.id}>
                    Mandat n° {mandat.numero} — {mandat.tiers.name} — {t.format.money(mandat.montantTTC)} ({mandat.invoiceNumbers.join(', ')})
                  </li>
                ))}
              </ul>
              {sign ? (
                <button
                  type="button"
                  disabled={busy}
                  onClick={() =>
                    void act(async () => {
                      const created = await post<Bordereau>(`${base}/bordereaux`, { budget, exercice: Number(exercice) });
                      return t.bordereaux.created(created.numero);
                    })
                  }
                >
                  {t.bordereaux.compose} ({budget} {exercice})
                </button>
              ) : null}
            </div>
          );
        })}
      </Section>
      <Section title={t.bordereaux.list}>
        {bordereaux.data && bordereaux.data.items.length === 0 ? <p>{t.bordereaux.empty}</p> : null}
        {bordereaux.data && bordereaux.data.items.length > 0 ? (
          <div className="table-wrap" tabIndex={0}>
            <table>
              <thead>
                <tr>
                  <th scope="col">{t.bordereaux.numero}</th>
                  <th scope="col">{t.bordereaux.budget}</th>
                  <th scope="col">{t.bordereaux.exercice}</th>
                  <th scope="col" className="num">{t.bordereaux.mandats}</th>
                  <th scope="col" className="num">{t.bordereaux.total}</th>
                  <th scope="col">{t.bordereaux.status}</th>
                  <th scope="col">{t.bordereaux.acquit}</th>
                  <th scope="col">{t.invoice.actions}</th>
                </tr>
              </thead>
              <tbody>
                {bordereaux.data.items.map((bordereau) => (
                  <tr key={bordereau.id}>
                    <td>{bordereau.numero}</td>
                    <td>{bordereau.budget}</td>
                    <td>{bordereau.exercice}</td>
                    <td className="num">{bordereau.mandatCount}</td>
                    <td className="num">{t.format.money(bordereau.totalTTC)}</td>
                    <td>{bordereau.statusLabel}</td>
                    <td>{bordereau.acknowledgedAt ? t.format.dateTime(bordereau.acknowledgedAt) : (bordereau.transmissionStatus ?? t.app.none)}{bordereau.rejectionReason ? ` — ${bordereau.rejectionReason}` : ''}</td>
                    <td>
                      <div className="actions">
                        {sign && bordereau.status === 'ready' ? (
                          <button
                            type="button"
                            className="button-secondary"
                            disabled={busy}
                            onClick={() => void act(async () => (await post(`${base}/bordereaux/${bordereau.id}/pes`), t.bordereaux.generated))}
                          >
                            {t.bordereaux.pes}
                          </button>
                        ) : null}
                        {bordereau.pesFile ? (
                          <a className="button button-secondary" href={`${base}/bordereaux/${bordereau.id}/pes`}>
                            {t.bordereaux.downloadPes}
                          </a>
                        ) : null}
                        {sign && bordereau.status === 'ready' ? (
                          <button type="button" disabled={busy} onClick={() => void act(async () => (await post(`${base}/bordereaux/${bordereau.id}/send`), t.bordereaux.sent))}>
                            {t.bordereaux.send}
                          </button>
                        ) : null}
                      </div>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        ) : null}
      </Section>
    </div>
  );
}
