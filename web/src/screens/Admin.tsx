// Administration: the collectivité, its budgets, the Chorus Pro connection test, users and roles.
import { type FormEvent, useState } from 'react';
import { del, get, post, put } from '../api.ts';
import { ErrorMessage, Notice, PageTitle, Section, useData } from '../components/ui.tsx';
import { t } from '../i18n/fr.ts';
import { useSession } from '../session.tsx';

type Tenant = { id: string; name: string; siren: string | null; kind: string; hasChorusConnection: boolean };
type User = { id: string; username: string; displayName: string; role: string };
type Diagnosis = { ok: boolean; steps: { part?: string; ok?: boolean; message?: string; label?: string }[]; structures: { designationStructure: string; identifiant: string }[]; warnings: string[] };
type Budgets = { budgets: { code: string; label: string; siret: string; vatRegime: string; exercices: { year: number; open: boolean }[] }[] };

const ROLES = ['lecteur', 'gestionnaire', 'valideur', 'administrateur'];

export default function AdminScreen({ tenantId }: { tenantId: string }) {
  const session = useSession();
  const base = `/api/tenants/${tenantId}`;
  const tenant = useData(() => get<Tenant>(base), [base]);
  const users = useData(() => get<{ items: User[] }>(`${base}/users`), [base]);
  const budgets = useData(() => get<Budgets>(`${base}/referential`), [base]);
  const [diagnosis, setDiagnosis] = useState<Diagnosis | null>(null);
  const [testing, setTesting] = useState(false);
  const [message, setMessage] = useState<{ kind: 'success' | 'error'; text: string } | null>(null);
  const [form, setForm] = useState({ username: '', displayName: '', password: '', role: 'lecteur' });

  const test = async () => {
    setTesting(true);
    setDiagnosis(null);
    setMessage(null);
    try {
      setDiagnosis(await post<Diagnosis>(`${base}/chorus/test`));
    } catch (error) {
      setMessage({ kind: 'error', text: (error as Error).message });
    } finally {
      setTesting(false);
    }
  };
  const addUser = async (event: FormEvent) => {
    event.preventDefault();
    try {
      await post(`${base}/users`, { ...form, password: form.password || undefined });
      setForm({ username: '', displayName: '', password: '', role: 'lecteur' });
      setMessage({ kind: 'success', text: t.invoice.done });
      users.reload();
    } catch (error) {
      setMessage({ kind: 'error', text: (error as Error).message });
    }
  };
  const run = (promise: Promise<unknown>) =>
    promise.then(
      () => users.reload(),
      (error: Error) => setMessage({ kind: 'error', text: error.message }),
    );

  return (
    <div>
      <PageTitle>{t.admin.title}</PageTitle>
      {message ? <Notice kind={message.kind}>{message.text}</Notice> : null}
      <div className="grid">
        <Section title={t.admin.tenant}>
          {tenant.error ? <ErrorMessage error={tenant.error} /> : null}
          {tenant.data ? (
            <dl className="data">
              <dt>{t.admin.name}</dt>
              <dd>{tenant.data.name}</dd>
              <dt>{t.admin.siren}</dt>
              <dd>{tenant.data.siren ?? t.app.none}</dd>
              <dt>{t.admin.kind}</dt>
              <dd>{tenant.data.kind}</dd>
            </dl>
          ) : null}
          <h3>{t.admin.budgets}</h3>
          <ul>
            {(budgets.data?.budgets ?? []).map((budget) => (
              <li key={budget.code}>
                {budget.code} — {budget.label} ({budget.vatRegime}, SIRET {budget.siret}) · {budget.exercices.map((exercice) => `${exercice.year}${exercice.open ? '' : ' (clos)'}`).join(', ')}
              </li>
            ))}
          </ul>
        </Section>
        <Section title={t.admin.chorus}>
          <p>{tenant.data?.hasChorusConnection ? t.admin.chorusConfigured : t.admin.chorusMissing}</p>
          <button type="button" onClick={() => void test()} disabled={testing}>
            {testing ? t.admin.testing : t.admin.testConnection}
          </button>
          {diagnosis ? (
            <div aria-live="polite">
              <Notice kind={diagnosis.ok ? 'success' : 'error'}>{diagnosis.ok ? t.admin.connectionOk : diagnosis.steps.find((step) => step.ok === false)?.message ?? t.app.error}</Notice>
              <ul className="checks">
                {diagnosis.steps.map((step, index) => (
                  <li key={index} className={step.ok === false ? 'check-ko' : 'check-ok'}>
                    {step.label ?? step.part} {step.message ? `— ${step.message}` : ''}
                  </li>
                ))}
              </ul>
              {diagnosis.structures.length ? <p>{diagnosis.structures.map((structure) => `${structure.designationStructure} (${structure.identifiant})`).join(' · ')}</p> : null}
            </div>
          ) : null}
        </Section>
      </div>
      <Section title={t.admin.users}>
        {users.error ? <ErrorMessage error={users.error} /> : null}
        <div className="table-wrap" tabIndex={0}>
          <table>
            <thead>
              <tr>
                <th scope="col">{t.admin.username}</th>
                <th scope="col">{t.admin.displayName}</th>
                <th scope="col">{t.admin.role}</th>
                <th scope="col">{t.invoice.actions}</th>
              </tr>
            </thead>
            <tbody>
              {(users.data?.items ?? []).map((user) => (
                <tr key={user.id}>
                  <td>{user.username}</td>
                  <td>{user.displayName}</td>
                  <td>
                    <label className="visually-hidden" htmlFor={`role-${user.id}`}>
                      {t.admin.changeRole(user.displayName)}
                    </label>
                    <select id={`role-${user.id}`} value={user.role} disabled={user.id === session.user?.id} onChange={(event) => void run(put(`${base}/users/${user.id}/role`, { role: event.target.value }))}>
                      {ROLES.map((role) => (
                        <option key={role} value={role}>
                          {t.roles[role]}
                        </option>
                      ))}
                    </select>
                  </td>
                  <td>
                    {user.id !== session.user?.id ? (
                      <button type="button" className="button-secondary" onClick={() => void run(del(`${base}/users/${user.id}/role`))}>
                        {t.admin.revoke}
                      </button>
                    ) : null}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
        <form onSubmit={(event) => void addUser(event)} className="grid" style={{ marginTop: '1rem' }}>
          <div className="field">
            <label htmlFor="u-username">{t.admin.username}</label>
            <input id="u-username" required value={form.username} onChange={(event) => setForm({ ...form, username: event.target.value })} autoComplete="off" />
          </div>
          <div className="field">
            <label htmlFor="u-name">{t.admin.displayName}</label>
            <input id="u-name" value={form.displayName} onChange={(event) => setForm({ ...form, displayName: event.target.value })} />
          </div>
          <div className="field">
            <label htmlFor="u-password">{t.admin.password}</label>
            <input id="u-password" type="password" autoComplete="new-password" value={form.password} onChange={(event) => setForm({ ...form, password: event.target.value })} />
          </div>
          <div className="field">
            <label htmlFor="u-role">{t.admin.role}</label>
            <select id="u-role" value={form.role} onChange={(event) => setForm({ ...form, role: event.target.value })}>
              {ROLES.map((role) => (
                <option key={role} value={role}>
                  {t.roles[role]}
                </option>
              ))}
            </select>
          </div>
          <div>
            <button type="submit">{t.admin.addUser}</button>
          </div>
        </form>
      </Section>
    </div>
  );
}
