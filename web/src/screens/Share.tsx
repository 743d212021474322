// The public page of a share link: a read-only invoice dossier for a person without an account.
import { get } from '../api.ts';
import { Loading, PageTitle, Section, useData } from '../components/ui.tsx';
import { t } from '../i18n/fr.ts';

type Shared = {
  expiresAt: string;
  invoice: { number: string | null; supplier: { name: string | null }; totals: { ttc: string | null }; issueDate: string | null; status: string };
  files: { id: string; filename: string }[];
  timeline: { at: string; title: string }[];
};

export default function SharePage({ token }: { token: string }) {
  const data = useData(() => get<Shared>(`/api/share/${encodeURIComponent(token)}`), [token]);
  return (
    <main id="contenu" className="centered">
      {data.loading ? <Loading /> : null}
      {data.error ? (
        <>
          <PageTitle>{t.share.title}</PageTitle>
          <p role="alert" className="alert alert-error">
            {t.share.invalid}
          </p>
        </>
      ) : null}
      {data.data ? (
        <>
          <PageTitle>{t.invoice.title(data.data.invoice.number ?? '')}</PageTitle>
          <p className="muted">{t.share.expires(t.format.dateTime(data.data.expiresAt))}</p>
          <Section title={t.invoice.data}>
            <dl className="data">
              <dt>{t.invoice.supplier}</dt>
              <dd>{data.data.invoice.supplier.name}</dd>
              <dt>{t.invoice.issueDate}</dt>
              <dd>{t.format.date(data.data.invoice.issueDate)}</dd>
              <dt>{t.invoice.amountTtc}</dt>
              <dd>{t.format.money(data.data.invoice.totals.ttc)}</dd>
              <dt>{t.invoices.statusCol}</dt>
              <dd>{t.status[data.data.invoice.status] ?? data.data.invoice.status}</dd>
            </dl>
          </Section>
          <Section title={t.invoice.attachments}>
            <ul>
              {data.data.files.map((file) => (
                <li key={file.id}>
                  <a href={`/api/share/${encodeURIComponent(token)}/files/${file.id}`}>{file.filename}</a>
                </li>
              ))}
            </ul>
          </Section>
          <Section title={t.invoice.timeline}>
            <ol className="timeline">
              {data.data.timeline.map((entry, index) => (
                <li key={index}>
                  <time dateTime={entry.at}>{t.format.dateTime(entry.at)}</time> {entry.title}
                </li>
              ))}
            </ol>
          </Section>
        </>
      ) : null}
    </main>
  );
}
