// Bordereaux: the mandats waiting, composing a bordereau per budget and exercice, its PES, sending
// it and following the acknowledgement.
import { useState } from 'react';
import { get, post } from '../api.ts';
import { ErrorMessage, Loading, Notice, PageTitle, Section, useData } from '../components/ui.tsx';
import { t } from '../i18n/fr.ts';
import { canDo, useSession } from '../session.tsx';

type Mandat = { id: string; numero: number; budget: string; exercice: number; status: string; statusLabel: string; tiers: { name: string }; montantTTC: string; invoiceNumbers: string[] };
type Verdict = { status: string; reason: string | null };
type Bordereau = {
  id: string;
  mandats: { id: string; numero: number; status: string; statusLabel: string; montantTTC: string; tiers: string; acquit: Verdict | null }[];
  acquitResult: string | null;
  sentAt: string | null;
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

const BADGE: Record<string, string> = { ready: 'badge-received', sent: 'badge-sent_to_accountant', accepted: 'badge-paid', rejected: 'badge-danger', partially_rejected: 'badge-warning' };

/** Where the transmission stands and, once the acquittement is in, the accountant's verdict per mandat with the reasons. */
function AcquitCell({ bordereau }: { bordereau: Bordereau }) {
  if (!bordereau.sentAt) return <span className="muted">{t.bordereaux.notSent}</span>;
  const verdicts = bordereau.mandats.filter((mandat) => mandat.acquit);
  return (
    <div>
      {bordereau.acknowledgedAt ? (
        <span>{t.bordereaux.acknowledgedOn(t.format.dateTime(bordereau.acknowledgedAt))}</span>
      ) : (
        <span>{bordereau.transmissionStatus ?? t.bordereaux.waiting}</span>
      )}
      {verdicts.length > 0 ? (
        <ul className="verdicts" aria-label={t.bordereaux.verdicts(bordereau.numero)}>
          {verdicts.map((mandat) => (
            <li key={mandat.id}>
              {t.bordereaux.mandatVerdict(mandat.numero, mandat.acquit!.status === 'accepted' ? t.bordereaux.accepted : t.bordereaux.toCorrect)}
              {mandat.status !== mandat.acquit!.status ? ` (${t.bordereaux.now} : ${mandat.statusLabel})` : ''}
              {mandat.acquit!.reason ? <div className="reason">{mandat.acquit!.reason}</div> : null}
            </li>
          ))}
        </ul>
      ) : bordereau.rejectionReason ? (
        <div className="reason">{bordereau.rejectionReason}</div>
      ) : null}
    </div>
  );
}

export default function BordereauxScreen({ tenantId }: { tenantId: string }) {
  const session = useSession();
  const grant = session.grants.find((candidate) => candidate.tenantId === tenantId);
  const base = `/api/tenants/${tenantId}`;
  // New mandats and those the accountant sent back (à corriger) go into the next bordereau.
  const pending = useData(async () => {
    const [fresh, toCorrect] = await Promise.all([get<{ items: Mandat[] }>(`${base}/mandats?status=pending`), get<{ items: Mandat[] }>(`${base}/mandats?status=to_correct`)]);
    return { items: [...fresh.items, ...toCorrect.items] };
  }, [base]);
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
                    {mandat.status === 'to_correct' ? <span className="badge badge-warning"> {mandat.statusLabel}</span> : null}
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
                    <td>
                      <span className={`badge ${BADGE[bordereau.status] ?? ''}`}>{bordereau.statusLabel}</span>
                    </td>
                    <td>
                      <AcquitCell bordereau={bordereau} />
                    </td>
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
                        {sign && bordereau.status === 'sent' ? (
                          <button
                            type="button"
                            className="button-secondary"
                            disabled={busy}
                            onClick={() =>
                              void act(async () => {
                                const polled = await post<{ status: { message: string }; acquit: { result: string } | null }>(`${base}/bordereaux/${bordereau.id}/poll`);
                                return polled.acquit ? t.bordereaux.acquitImported(t.bordereaux.results[polled.acquit.result] ?? polled.acquit.result) : t.bordereaux.noAcquitYet(polled.status.message);
                              })
                            }
                          >
                            {t.bordereaux.poll}
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
