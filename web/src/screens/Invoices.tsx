// Factures: full-text search, filters, facets, saved views, keyboard navigation and bulk actions.
// The query lives in the URL, so a view can be bookmarked, shared or saved by name.
import { type FormEvent, useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { del, get, post, qs } from '../api.ts';
import { ErrorMessage, Notice, PageTitle, StatusBadge, useData } from '../components/ui.tsx';
import { t } from '../i18n/fr.ts';
import { Link, navigate, useLocation } from '../router.tsx';
import { canDo, useSession } from '../session.tsx';

type SearchItem = {
  invoiceId: string;
  number: string;
  supplierName: string;
  amountTtc: string | null;
  issueDate: string | null;
  status: string;
  engagement: string | null;
  anomalies: string[];
  withoutMetadata: boolean;
  dgpExpiry: string | null;
};
type Facets = Record<string, Record<string, number>>;
type SearchResult = { total: number; items: SearchItem[]; facets: Facets; nextCursor: string | null };
type SavedView = { id: string; name: string; query: Record<string, string> };

const FILTER_KEYS = ['q', 'budget', 'exercice', 'service', 'status', 'supplier', 'amountMin', 'amountMax', 'issuedFrom', 'issuedTo', 'withoutMetadata', 'anomaly', 'matched'] as const;
type Query = Partial<Record<(typeof FILTER_KEYS)[number], string>>;

function queryFromUrl(search: URLSearchParams): Query {
  const query: Query = {};
  for (const key of FILTER_KEYS) {
    const value = search.get(key);
    if (value) query[key] = value;
  }
  return query;
}

function daysUntil(date: string | null): number | null {
  if (!date) return null;
  return Math.round((Date.parse(`${date}T00:00:00Z`) - Date.parse(`${new Date().toISOString().slice(0, 10)}T00:00:00Z`)) / 86_400_000);
}

export default function Invoices({ tenantId }: { tenantId: string }) {
  const session = useSession();
  const grant = session.grants.find((candidate) => candidate.tenantId === tenantId);
  const location = useLocation();
  const search = location.search.toString();
  const query = useMemo(() => queryFromUrl(new URLSearchParams(search)), [search]);
  const [draft, setDraft] = useState<Query>(query);
  const [items, setItems] = useState<SearchItem[]>([]);
  const [result, setResult] = useState<SearchResult | null>(null);
  const [error, setError] = useState<Error | null>(null);
  const [loading, setLoading] = useState(true);
  const [active, setActive] = useState(0);
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const [notice, setNotice] = useState<string | null>(null);
  const searchInput = useRef<HTMLInputElement>(null);
  const rows = useRef<(HTMLTableRowElement | null)[]>([]);
  const views = useData(() => get<{ items: SavedView[] }>(`/api/tenants/${tenantId}/views`), [tenantId]);
  const referential = useData(() => get<{ budgets: { code: string; label: string }[] }>(`/api/tenants/${tenantId}/referential`), [tenantId]);
  const base = `/api/tenants/${tenantId}/invoices`;

  // The list answers first (items and total); the facet counts, dearer on large text results,
  // arrive with a second request and fill the filters when ready.
  const [facets, setFacets] = useState<Facets | null>(null);
  const load = useCallback(
    async (after: string | null) => {
      setLoading(true);
      if (!after) {
        get<SearchResult>(`${base}${qs({ ...query, limit: 1 })}`).then(
          (page) => setFacets(page.facets),
          () => setFacets(null),
        );
      }
      try {
        const page = await get<SearchResult>(`${base}${qs({ ...query, after, facets: 'false' })}`);
        setResult((previous) => (after && previous ? { ...page, total: previous.total } : page));
        setItems((previous) => (after ? [...previous, ...page.items] : page.items));
        setError(null);
      } catch (caught) {
        setError(caught as Error);
      } finally {
        setLoading(false);
      }
    },
    [base, query],
  );

  useEffect(() => {
    setDraft(query);
    setActive(0);
    setSelected(new Set());
    void load(null);
  }, [load, query]);

  const apply = (next: Query) => navigate(`/c/${tenantId}/factures${qs(next)}`);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    apply(draft);
  };

  const toggle = (id: string) =>
    setSelected((previous) => {
      const next = new Set(previous);
      if (next.has(id)) next.delete(id);
      else next.add(id);
      return next;
    });

  // Keyboard: j/k move, Enter opens, x selects, / searches (not while typing in a field).
  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      const target = event.target as HTMLElement;
      if (['INPUT', 'SELECT', 'TEXTAREA'].includes(target.tagName) || event.metaKey || event.ctrlKey || event.altKey) return;
      if (event.key === '/') {
        event.preventDefault();
        searchInput.current?.focus();
      } else if (event.key === 'j') {
        setActive((index) => Math.min(items.length - 1, index + 1));
      } else if (event.key === 'k') {
        setActive((index) => Math.max(0, index - 1));
      } else if (event.key === 'Enter' && items[active] && target.tagName !== 'A' && target.tagName !== 'BUTTON') {
        navigate(`/c/${tenantId}/factures/${items[active]!.invoiceId}`);
      } else if (event.key === 'x' && items[active]) {
        toggle(items[active]!.invoiceId);
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  });
  useEffect(() => {
    rows.current[active]?.scrollIntoView?.({ block: 'nearest' });
  }, [active]);

  const bulk = async (action: 'match' | 'service-fait') => {
    const ids = [...selected];
    let ok = 0;
    let failed = 0;
    if (action === 'match') {
      try {
        await post(`/api/tenants/${tenantId}/matching/run`, { invoiceIds: ids });
        ok = ids.length;
      } catch {
        failed = ids.length;
      }
    } else {
      for (const id of ids) {
        try {
          await post(`${base}/${id}/service-fait`, {});
          ok += 1;
        } catch {
          failed += 1;
        }
      }
    }
    setNotice(t.invoices.bulkDone(ok, failed));
    setSelected(new Set());
    void load(null);
  };

  const saveView = async () => {
    const name = window.prompt(t.invoices.viewName);
    if (!name) return;
    await post(`/api/tenants/${tenantId}/views`, { name, query });
    views.reload();
  };

  const field = (key: keyof Query) => ({
    value: draft[key] ?? '',
    onChange: (event: { target: { value: string } }) => setDraft({ ...draft, [key]: event.target.value }),
  });
  const facetOptions = (name: string) =>
    Object.entries(facets?.[name] ?? {})
      .filter(([key]) => key !== '' && key !== '0')
      .sort(([a], [b]) => a.localeCompare(b));

  return (
    <div>
      <PageTitle>{t.invoices.title}</PageTitle>
      <form className="searchbar" role="search" onSubmit={submit}>
        <label htmlFor="invoice-search" className="visually-hidden">
          {t.invoices.search}
        </label>
        <input id="invoice-search" ref={searchInput} type="search" placeholder={t.invoices.searchPlaceholder} {...field('q')} />
        <button type="submit">{t.invoices.search}</button>
      </form>
      <p className="muted hide-mobile">{t.invoices.keyboardHelp}</p>
      <div className="invoices-layout">
        <aside className="card filters" aria-labelledby="filters-title">
          <h2 id="filters-title">{t.invoices.filters}</h2>
          <form onSubmit={submit}>
            <div className="field">
              <label htmlFor="f-status">{t.invoices.status}</label>
              <select id="f-status" {...field('status')}>
                <option value="">{t.invoices.all}</option>
                {Object.entries(t.status).map(([value, label]) => (
                  <option key={value} value={value}>
                    {label}
                    {facets?.status?.[value] !== undefined ? ` (${facets.status[value]})` : ''}
                  </option>
                ))}
              </select>
            </div>
            <div className="field">
              <label htmlFor="f-budget">{t.invoices.budget}</label>
              <select id="f-budget" {...field('budget')}>
                <option value="">{t.invoices.all}</option>
                {(referential.data?.budgets ?? []).map((budget) => (
                  <option key={budget.code} value={budget.code}>
                    {budget.code} — {budget.label}
                    {facets?.budget?.[budget.code] !== undefined ? ` (${facets.budget[budget.code]})` : ''}
                  </option>
                ))}
              </select>
            </div>
            <div className="field">
              <label htmlFor="f-exercice">{t.invoices.exercice}</label>
              <select id="f-exercice" {...field('exercice')}>
                <option value="">{t.invoices.all}</option>
                {facetOptions('exercice')
                  .reverse()
                  .map(([year, count]) => (
                    <option key={year} value={year}>
                      {year} ({count})
                    </option>
                  ))}
              </select>
            </div>
            <div className="field">
              <label htmlFor="f-service">{t.invoices.service}</label>
              <select id="f-service" {...field('service')}>
                <option value="">{t.invoices.all}</option>
                {facetOptions('service').map(([service, count]) => (
                  <option key={service} value={service}>
                    {service} ({count})
                  </option>
                ))}
              </select>
            </div>
            <div className="field">
              <label htmlFor="f-supplier">{t.invoices.supplier}</label>
              <input id="f-supplier" {...field('supplier')} />
            </div>
            <div className="field">
              <label htmlFor="f-min">{t.invoices.amountMin}</label>
              <input id="f-min" inputMode="decimal" {...field('amountMin')} />
            </div>
            <div className="field">
              <label htmlFor="f-max">{t.invoices.amountMax}</label>
              <input id="f-max" inputMode="decimal" {...field('amountMax')} />
            </div>
            <div className="field">
              <label htmlFor="f-from">{t.invoices.dateFrom}</label>
              <input id="f-from" type="date" {...field('issuedFrom')} />
            </div>
            <div className="field">
              <label htmlFor="f-to">{t.invoices.dateTo}</label>
              <input id="f-to" type="date" {...field('issuedTo')} />
            </div>
            {(
              [
                ['withoutMetadata', t.invoices.withoutMetadata, 'true'],
                ['anomaly', t.invoices.anomalies, 'true'],
                ['matched', t.invoices.unmatched, 'false'],
              ] as const
            ).map(([key, label, value]) => (
              <div className="checkbox" key={key}>
                <input
                  type="checkbox"
                  id={`f-${key}`}
                  checked={draft[key] === value}
                  onChange={(event) => setDraft({ ...draft, [key]: event.target.checked ? value : undefined })}
                />
                <label htmlFor={`f-${key}`}>{label}</label>
              </div>
            ))}
            <div className="actions">
              <button type="submit">{t.invoices.apply}</button>
              <button type="button" className="button-secondary" onClick={() => apply({})}>
                {t.invoices.reset}
              </button>
            </div>
          </form>
          <h2>{t.invoices.savedViews}</h2>
          <ul>
            {(views.data?.items ?? []).map((view) => (
              <li key={view.id}>
                <Link to={`/c/${tenantId}/factures${qs(view.query)}`}>{view.name}</Link>{' '}
                <button
                  type="button"
                  className="button-link"
                  aria-label={t.invoices.deleteView(view.name)}
                  onClick={() => void del(`/api/tenants/${tenantId}/views/${view.id}`).then(views.reload)}
                >
                  ×
                </button>
              </li>
            ))}
          </ul>
          <button type="button" className="button-secondary" onClick={() => void saveView()}>
            {t.invoices.saveView}
          </button>
        </aside>
        <section aria-labelledby="results-title">
          <h2 id="results-title" aria-live="polite">
            {result ? t.invoices.results(result.total) : t.app.loading}
          </h2>
          {notice ? <Notice kind="success">{notice}</Notice> : null}
          {error ? <ErrorMessage error={error} onRetry={() => void load(null)} /> : null}
          {facets ? (
            <div className="facets" role="group" aria-label={t.invoices.facets}>
              {Object.entries(facets.status ?? {}).map(([status, count]) => (
                <button type="button" key={status} className="button-link" onClick={() => apply({ ...query, status })}>
                  {t.status[status] ?? status} : {count}
                </button>
              ))}
            </div>
          ) : null}
          {selected.size > 0 ? (
            <div className="bulkbar" role="region" aria-label={t.invoices.bulkActions}>
              <span>{t.invoices.selected(selected.size)}</span>
              {canDo(grant, 'invoice.reconcile') ? (
                <button type="button" onClick={() => void bulk('match')}>
                  {t.invoices.bulkMatch}
                </button>
              ) : null}
              {canDo(grant, 'invoice.certify_service_fait') ? (
                <button type="button" onClick={() => void bulk('service-fait')}>
                  {t.invoices.bulkServiceFait}
                </button>
              ) : null}
            </div>
          ) : null}
          <div className="table-wrap" tabIndex={0}>
            <table aria-describedby="results-title">
              <thead>
                <tr>
                  <th scope="col">
                    <input
                      type="checkbox"
                      aria-label={t.invoices.selectAll}
                      checked={items.length > 0 && selected.size === items.length}
                      onChange={(event) => setSelected(event.target.checked ? new Set(items.map((item) => item.invoiceId)) : new Set())}
                    />
                  </th>
                  <th scope="col">{t.invoices.number}</th>
                  <th scope="col">{t.invoices.supplierCol}</th>
                  <th scope="col" className="hide-mobile">
                    {t.invoices.date}
                  </th>
                  <th scope="col" className="num">
                    {t.invoices.amount}
                  </th>
                  <th scope="col">{t.invoices.statusCol}</th>
                  <th scope="col" className="hide-mobile">
                    {t.invoices.engagement}
                  </th>
                  <th scope="col" className="hide-mobile">
                    {t.invoices.dgp}
                  </th>
                </tr>
              </thead>
              <tbody>
                {items.map((item, index) => {
                  const days = daysUntil(item.dgpExpiry);
                  return (
                    <tr
                      key={item.invoiceId}
                      ref={(element) => {
                        rows.current[index] = element;
                      }}
                      className={index === active ? 'active-row' : undefined}
                      onClick={() => setActive(index)}
                    >
                      <td>
                        <input
                          type="checkbox"
                          aria-label={t.invoices.select(item.number || item.invoiceId)}
                          checked={selected.has(item.invoiceId)}
                          onChange={() => toggle(item.invoiceId)}
                        />
                      </td>
                      <td>
                        <Link to={`/c/${tenantId}/factures/${item.invoiceId}`}>{item.number || '(sans numéro)'}</Link>
                        {item.withoutMetadata ? <span className="badge badge-warning"> {t.invoices.noMetadataBadge}</span> : null}
                        {item.anomalies.length > 0 ? <span className="badge badge-danger"> {t.invoices.anomalyBadge}</span> : null}
                      </td>
                      <td>{item.supplierName || t.app.none}</td>
                      <td className="hide-mobile">{t.format.date(item.issueDate)}</td>
                      <td className="num">{t.format.money(item.amountTtc)}</td>
                      <td>
                        <StatusBadge status={item.status} />
                      </td>
                      <td className="hide-mobile">{item.engagement ?? t.app.none}</td>
                      <td className="hide-mobile">
                        {days === null ? t.app.none : <span className={days < 0 ? 'badge badge-danger' : days <= 10 ? 'badge badge-warning' : ''}>{t.invoices.daysLeft(days)}</span>}
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </div>
          {!loading && items.length === 0 ? <p>{t.invoices.empty}</p> : null}
          {result?.nextCursor ? (
            <button type="button" className="button-secondary" disabled={loading} onClick={() => void load(result.nextCursor)}>
              {t.invoices.more}
            </button>
          ) : null}
        </section>
      </div>
    </div>
  );
}
