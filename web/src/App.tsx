// The application: session, layout and the screens by URL.
import { lazy, Suspense, useCallback, useEffect, useState } from 'react';
import { get, onUnauthenticated, post, setCsrfToken } from './api.ts';
import { Layout } from './components/Layout.tsx';
import { Loading } from './components/ui.tsx';
import { t } from './i18n/fr.ts';
import { match, navigate, useLocation } from './router.tsx';
import { Login } from './screens/Login.tsx';
import { NotFound } from './screens/NotFound.tsx';
import { type SessionState, SessionContext } from './session.tsx';

const Dashboard = lazy(() => import('./screens/Dashboard.tsx'));
const Invoices = lazy(() => import('./screens/Invoices.tsx'));
const InvoiceScreen = lazy(() => import('./screens/Invoice.tsx'));
const MandatScreen = lazy(() => import('./screens/Mandat.tsx'));
const Bordereaux = lazy(() => import('./screens/Bordereaux.tsx'));
const Referential = lazy(() => import('./screens/Referential.tsx'));
const Admin = lazy(() => import('./screens/Admin.tsx'));
const SharePage = lazy(() => import('./screens/Share.tsx'));

type Screen = { pattern: string; render: (params: Record<string, string>) => React.ReactNode };

const TENANT_SCREENS: Screen[] = [
  { pattern: '/c/:tenantId', render: (p) => <Dashboard tenantId={p.tenantId!} /> },
  { pattern: '/c/:tenantId/tableau-de-bord', render: (p) => <Dashboard tenantId={p.tenantId!} /> },
  { pattern: '/c/:tenantId/factures', render: (p) => <Invoices tenantId={p.tenantId!} /> },
  { pattern: '/c/:tenantId/factures/:invoiceId', render: (p) => <InvoiceScreen tenantId={p.tenantId!} invoiceId={p.invoiceId!} /> },
  { pattern: '/c/:tenantId/mandats/nouveau/:invoiceId', render: (p) => <MandatScreen tenantId={p.tenantId!} invoiceId={p.invoiceId!} /> },
  { pattern: '/c/:tenantId/bordereaux', render: (p) => <Bordereaux tenantId={p.tenantId!} /> },
  { pattern: '/c/:tenantId/referentiel', render: (p) => <Referential tenantId={p.tenantId!} /> },
  { pattern: '/c/:tenantId/administration', render: (p) => <Admin tenantId={p.tenantId!} /> },
];

export function App() {
  const location = useLocation();
  const [session, setSession] = useState<SessionState | null>(null);

  const refresh = useCallback(async () => {
    const next = await get<SessionState>('/api/session');
    setCsrfToken(next.csrfToken);
    setSession(next);
  }, []);

  useEffect(() => {
    void refresh();
    return onUnauthenticated(() => void refresh());
  }, [refresh]);

  const logout = useCallback(async () => {
    await post('/api/auth/logout');
    await refresh();
    navigate('/connexion');
  }, [refresh]);

  const share = match('/partage/:token', location.pathname);
  if (share) {
    return (
      <Suspense fallback={<Loading />}>
        <SharePage token={share.token!} />
      </Suspense>
    );
  }
  if (!session) {
    return (
      <main id="contenu" className="centered">
        <Loading />
      </main>
    );
  }
  const value = { ...session, refresh, logout };
  if (!session.user) {
    return (
      <SessionContext.Provider value={value}>
        <Login />
      </SessionContext.Provider>
    );
  }
  if (location.pathname === '/' || location.pathname === '/connexion') {
    const first = session.grants[0];
    if (first) {
      queueMicrotask(() => navigate(`/c/${first.tenantId}/tableau-de-bord`, { replace: true }));
      return null;
    }
    return (
      <SessionContext.Provider value={value}>
        <main id="contenu" className="centered">
          <h1>{t.app.name}</h1>
          <p>{t.login.noTenant}</p>
          <button type="button" onClick={() => void logout()}>
            {t.nav.logout}
          </button>
        </main>
      </SessionContext.Provider>
    );
  }
  for (const screen of TENANT_SCREENS) {
    const params = match(screen.pattern, location.pathname);
    if (!params) continue;
    const grant = session.grants.find((candidate) => candidate.tenantId === params.tenantId);
    return (
      <SessionContext.Provider value={value}>
        <Layout tenantId={params.tenantId!} grant={grant}>
          {grant ? <Suspense fallback={<Loading />}>{screen.render(params)}</Suspense> : <NotFound forbidden />}
        </Layout>
      </SessionContext.Provider>
    );
  }
  return (
    <SessionContext.Provider value={value}>
      <Layout tenantId={session.grants[0]?.tenantId ?? ''} grant={session.grants[0]}>
        <NotFound />
      </Layout>
    </SessionContext.Provider>
  );
}
