import { type ReactNode, useState } from 'react';
import { t } from '../i18n/fr.ts';
import { Link, navigate, useLocation } from '../router.tsx';
import { type Grant, useSession } from '../session.tsx';

export function Layout({ tenantId, grant, children }: { tenantId: string; grant: Grant | undefined; children: ReactNode }) {
  const session = useSession();
  const location = useLocation();
  const [menuOpen, setMenuOpen] = useState(false);
  const base = `/c/${tenantId}`;
  const items = [
    { to: `${base}/tableau-de-bord`, label: t.nav.dashboard, active: (p: string) => p === base || p.startsWith(`${base}/tableau-de-bord`) },
    { to: `${base}/factures`, label: t.nav.invoices, active: (p: string) => p.startsWith(`${base}/factures`) || p.startsWith(`${base}/mandats`) },
    { to: `${base}/bordereaux`, label: t.nav.bordereaux, active: (p: string) => p.startsWith(`${base}/bordereaux`) },
    { to: `${base}/referentiel`, label: t.nav.referential, active: (p: string) => p.startsWith(`${base}/referentiel`) },
    ...(grant?.role === 'administrateur'
      ? [{ to: `${base}/administration`, label: t.nav.admin, active: (p: string) => p.startsWith(`${base}/administration`) }]
      : []),
  ];
  return (
    <div className="layout">
      <a className="skip-link" href="#contenu">
        {t.app.skipToContent}
      </a>
      <header className="topbar">
        <Link to={`${base}/tableau-de-bord`} className="brand">
          {t.app.name}
        </Link>
        {session.grants.length > 1 ? (
          <div className="tenant-switch">
            <label htmlFor="tenant-select" className="visually-hidden">
              {t.nav.switchTenant}
            </label>
            <select id="tenant-select" value={tenantId} onChange={(event) => navigate(`/c/${event.target.value}/tableau-de-bord`)}>
              {session.grants.map((candidate) => (
                <option key={candidate.tenantId} value={candidate.tenantId}>
                  {candidate.tenantName}
                </option>
              ))}
            </select>
          </div>
        ) : (
          <span className="tenant-name">{grant?.tenantName}</span>
        )}
        <span className="user-name">{session.user ? t.nav.signedInAs(session.user.displayName, t.roles[grant?.role ?? ''] ?? '') : null}</span>
        <button type="button" className="menu-toggle" aria-expanded={menuOpen} aria-controls="main-nav" onClick={() => setMenuOpen(!menuOpen)}>
          {t.nav.menu}
        </button>
        <button type="button" className="button-secondary" onClick={() => void session.logout()}>
          {t.nav.logout}
        </button>
      </header>
      <nav id="main-nav" aria-label={t.nav.label} className={menuOpen ? 'open' : ''}>
        <ul>
          {items.map((item) => (
            <li key={item.to}>
              <Link to={item.to} aria-current={item.active(location.pathname) ? 'page' : undefined} onClick={() => setMenuOpen(false)}>
                {item.label}
              </Link>
            </li>
          ))}
        </ul>
      </nav>
      <main id="contenu" tabIndex={-1}>
        {children}
      </main>
    </div>
  );
}
