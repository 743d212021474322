import { type FormEvent, useState } from 'react';
import { post, setCsrfToken } from '../api.ts';
import { t } from '../i18n/fr.ts';
import { useSession } from '../session.tsx';

export function Login() {
  const session = useSession();
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const result = await post<{ csrfToken: string }>('/api/auth/login', { username, password });
      setCsrfToken(result.csrfToken);
      await session.refresh();
    } catch (caught) {
      setError((caught as Error).message);
      setBusy(false);
    }
  };

  return (
    <main id="contenu" className="login">
      <form className="card login-card" onSubmit={(event) => void submit(event)} aria-labelledby="login-title">
        <p className="brand-large">{t.app.name}</p>
        <p className="muted">{t.app.tagline}</p>
        <h1 id="login-title">{t.login.title}</h1>
        {session.demo ? <p className="alert alert-info">{t.login.demoHint}</p> : null}
        {error ? (
          <p role="alert" className="alert alert-error">
            {error}
          </p>
        ) : null}
        <div className="field">
          <label htmlFor="username">{t.login.username}</label>
          <input id="username" name="username" autoComplete="username" required value={username} onChange={(event) => setUsername(event.target.value)} autoFocus />
        </div>
        <div className="field">
          <label htmlFor="password">{t.login.password}</label>
          <input
            id="password"
            name="password"
            type="password"
            autoComplete="current-password"
            required
            value={password}
            onChange={(event) => setPassword(event.target.value)}
          />
        </div>
        <button type="submit" disabled={busy}>
          {busy ? t.login.submitting : t.login.submit}
        </button>
      </form>
    </main>
  );
}
