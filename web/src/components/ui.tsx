// Small building blocks shared by the screens.
import { type ReactNode, useEffect, useRef, useState } from 'react';
import { ApiError } from '../api.ts';
import { t } from '../i18n/fr.ts';

/** Loads data for a screen; `reload` runs it again. */
export function useData<T>(load: () => Promise<T>, deps: unknown[]): { data: T | undefined; error: Error | undefined; loading: boolean; reload: () => void } {
  const [state, setState] = useState<{ data: T | undefined; error: Error | undefined; loading: boolean }>({ data: undefined, error: undefined, loading: true });
  const [tick, setTick] = useState(0);
  useEffect(() => {
    let live = true;
    setState((previous) => ({ ...previous, loading: true }));
    load().then(
      (data) => live && setState({ data, error: undefined, loading: false }),
      (error: Error) => live && setState({ data: undefined, error, loading: false }),
    );
    return () => {
      live = false;
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [...deps, tick]);
  return { ...state, reload: () => setTick((value) => value + 1) };
}

export function Loading() {
  return (
    <p role="status" className="muted">
      {t.app.loading}
    </p>
  );
}

export function ErrorMessage({ error, onRetry }: { error: Error; onRetry?: () => void }) {
  const text = error instanceof ApiError && error.status === 403 ? t.app.forbidden : error.message;
  return (
    <div role="alert" className="alert alert-error">
      <strong>{t.app.error} : </strong>
      {text}
      {onRetry ? (
        <button type="button" className="button-link" onClick={onRetry}>
          {t.app.retry}
        </button>
      ) : null}
    </div>
  );
}

export function Notice({ kind, children }: { kind: 'success' | 'error' | 'info'; children: ReactNode }) {
  return (
    <div role={kind === 'error' ? 'alert' : 'status'} className={`alert alert-${kind}`}>
      {children}
    </div>
  );
}

/** A screen's title, focused when the screen opens so that screen readers announce the new page. */
export function PageTitle({ children, actions }: { children: ReactNode; actions?: ReactNode }) {
  const ref = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    ref.current?.focus();
    document.title = `${typeof children === 'string' ? children : t.app.name} — ${t.app.name}`;
  }, [children]);
  return (
    <div className="page-title">
      <h1 tabIndex={-1} ref={ref}>
        {children}
      </h1>
      {actions ? <div className="page-actions">{actions}</div> : null}
    </div>
  );
}

export function StatusBadge({ status }: { status: string }) {
  return <span className={`badge badge-${status}`}>{t.status[status] ?? status}</span>;
}

export function Section({ title, children, id }: { title: string; children: ReactNode; id?: string }) {
  const headingId = id ?? `s-${title.replace(/[^a-zA-Z0-9]+/g, '-').toLowerCase()}`;
  return (
    <section className="card" aria-labelledby={headingId}>
      <h2 id={headingId}>{title}</h2>
      {children}
    </section>
  );
}

export function Field({ label, children, id, hint }: { label: string; children: (id: string) => ReactNode; id: string; hint?: string }) {
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      {children(id)}
      {hint ? <small className="muted">{hint}</small> : null}
    </div>
  );
}
