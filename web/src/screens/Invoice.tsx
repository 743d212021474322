// One invoice: the PDF (or a structured view when there is none) beside its data, lines, VAT,
// attachments, matching, deadline and timeline, and the actions the user's role allows.
import { useState } from 'react';
import { ApiError, get, post } from '../api.ts';
import { DecisionDialog, type ReturnDecision } from '../components/DecisionDialog.tsx';
import { PdfViewer } from '../components/PdfViewer.tsx';
import { ErrorMessage, Loading, Notice, PageTitle, Section, StatusBadge, useData } from '../components/ui.tsx';
import { t } from '../i18n/fr.ts';
import { Link, navigate } from '../router.tsx';
import { canDo, useSession } from '../session.tsx';
import type { InvoiceDetail, Matching } from '../types.ts';

const money = t.format.money;
const date = t.format.date;

export default function InvoiceScreen({ tenantId, invoiceId }: { tenantId: string; invoiceId: string }) {
  const session = useSession();
  const grant = session.grants.find((candidate) => candidate.tenantId === tenantId);
  const base = `/api/tenants/${tenantId}/invoices/${invoiceId}`;
  const invoice = useData(() => get<InvoiceDetail>(base), [base]);
  const matching = useData(() => get<Matching>(`${base}/matching`).catch(() => null), [base]);
  const [message, setMessage] = useState<{ kind: 'success' | 'error'; text: string } | null>(null);
  const [dialog, setDialog] = useState<ReturnDecision | null>(null);
  const [busy, setBusy] = useState(false);

  if (invoice.loading && !invoice.data) return <Loading />;
  if (invoice.error) {
    const notFound = invoice.error instanceof ApiError && (invoice.error.status === 404 || invoice.error.status === 403);
    return (
      <div>
        <PageTitle>{notFound ? t.app.notFound : t.app.error}</PageTitle>
        <ErrorMessage error={invoice.error} />
        <Link to={`/c/${tenantId}/factures`}>{t.invoice.back}</Link>
      </div>
    );
  }
  const data = invoice.data!;
  const pdf = data.attachments.find((file) => file.mimeType === 'application/pdf' || /\.pdf$/i.test(file.filename));
  const number = data.number ?? String(data.chorusId);

  const act = async (label: string, run: () => Promise<unknown>) => {
    setBusy(true);
    setMessage(null);
    try {
      await run();
      setMessage({ kind: 'success', text: `${label} — ${t.invoice.done}` });
      invoice.reload();
      matching.reload();
    } catch (error) {
      setMessage({ kind: 'error', text: (error as Error).message });
    } finally {
      setBusy(false);
    }
  };

  const open = !['rejected', 'to_recycle', 'paid', 'mandated', 'sent_to_accountant'].includes(data.status);
  const match = matching.data ?? null;
  const reconciled = (match?.allocations.length ?? 0) > 0;

  return (
    <div>
      <PageTitle
        actions={
          <Link to={`/c/${tenantId}/factures`} className="button button-secondary">
            {t.invoice.back}
          </Link>
        }
      >
        {t.invoice.title(number)}
      </PageTitle>
      <p>
        <StatusBadge status={data.status} /> {data.supplier.name ?? t.app.none} · <strong>{money(data.totals.ttc)}</strong>
        {data.quarantined ? <span className="badge badge-danger"> {t.invoices.quarantined}</span> : null}
      </p>
      {message ? <Notice kind={message.kind}>{message.text}</Notice> : null}

      <Section title={t.invoice.actions}>
        <div className="actions">
          {canDo(grant, 'invoice.reconcile') && open && match && match.candidates.length > 0 && !reconciled ? (
            <button
              type="button"
              disabled={busy}
              onClick={() => void act(t.invoice.reconcile, () => post(`${base}/reconcile`, { engagementId: match.candidates[0]!.engagement.id }))}
            >
              {t.invoice.reconcileWith(match.candidates[0]!.engagement.numero)}
            </button>
          ) : null}
          {canDo(grant, 'invoice.certify_service_fait') && ['received', 'to_process', 'completed'].includes(data.status) ? (
            <button type="button" disabled={busy} onClick={() => void act(t.invoice.serviceFait, () => post(`${base}/service-fait`, {}))}>
              {t.invoice.serviceFait}
            </button>
          ) : null}
          {canDo(grant, 'mandat.create') && data.status === 'service_fait' ? (
            <button type="button" disabled={busy} onClick={() => navigate(`/c/${tenantId}/mandats/nouveau/${data.id}`)}>
              {t.invoice.mandate}
            </button>
          ) : null}
          {canDo(grant, 'invoice.decide') && open ? (
            <>
              <button type="button" className="button-secondary" disabled={busy} onClick={() => setDialog('suspend')}>
                {t.invoice.suspend}
              </button>
              <button type="button" className="button-secondary" disabled={busy} onClick={() => setDialog('recycle')}>
                {t.invoice.recycle}
              </button>
              <button type="button" className="button-danger" disabled={busy} onClick={() => setDialog('reject')}>
                {t.invoice.reject}
              </button>
            </>
          ) : null}
          {canDo(grant, 'share.create') ? (
            <button
              type="button"
              className="button-secondary"
              disabled={busy}
              onClick={() =>
                void (async () => {
                  try {
                    const link = await post<{ url: string }>(`${base}/share`, {});
                    setMessage({ kind: 'success', text: `${t.invoice.shareCreated} ${window.location.origin}${link.url}` });
                  } catch (error) {
                    setMessage({ kind: 'error', text: (error as Error).message });
                  }
                })()
              }
            >
              {t.invoice.share}
            </button>
          ) : null}
          {grant?.role === 'lecteur' ? <p className="muted">{t.invoice.notAllowed}</p> : null}
        </div>
      </Section>

      <div className="invoice-layout">
        <div>
          {pdf ? (
            <Section title={t.invoice.pdf}>
              <PdfViewer url={`${base}/files/${pdf.position}`} title={`${t.invoice.pdf} ${number}`} />
            </Section>
          ) : (
            <Section title={t.invoice.structured}>
              <StructuredView data={data} />
            </Section>
          )}
        </div>
        <div>
          <Section title={t.invoice.data}>
            <dl className="data">
              <dt>{t.invoice.supplier}</dt>
              <dd>{data.supplier.name ?? t.app.none}</dd>
              <dt>{t.invoice.siret}</dt>
              <dd>{data.supplier.siret ?? t.app.none}</dd>
              <dt>{t.invoice.iban}</dt>
              <dd>{data.iban ?? t.app.none}</dd>
              <dt>{t.invoice.issueDate}</dt>
              <dd>{date(data.issueDate)}</dd>
              <dt>{t.invoice.dueDate}</dt>
              <dd>{date(data.dueDate)}</dd>
              <dt>{t.invoice.serviceCode}</dt>
              <dd>{data.serviceCode ?? t.app.none}</dd>
              <dt>{t.invoice.orderReference}</dt>
              <dd>{data.orderReference ?? t.app.none}</dd>
              <dt>{t.invoice.contractReference}</dt>
              <dd>{data.contractReference ?? t.app.none}</dd>
              <dt>{t.invoice.chorusId}</dt>
              <dd>{data.chorusId}</dd>
              <dt>{t.invoice.chorusStatus}</dt>
              <dd>{data.chorusStatusLabel ?? data.chorusStatus ?? t.app.none}</dd>
              <dt>{t.invoice.format}</dt>
              <dd>{data.format ?? t.app.none}</dd>
              <dt>{t.invoice.amountHt}</dt>
              <dd>{money(data.totals.ht)}</dd>
              <dt>{t.invoice.amountTva}</dt>
              <dd>{money(data.totals.tva)}</dd>
              <dt>{t.invoice.amountTtc}</dt>
              <dd>
                <strong>{money(data.totals.ttc)}</strong>
              </dd>
            </dl>
          </Section>
          {data.dgp ? (
            <Section title={t.invoice.dgp}>
              <p>
                {data.dgp.daysLeft !== null ? t.invoice.dgpDays(data.dgp.daysLeft, data.dgp.totalDays) : t.app.none}
                {data.dgp.expiryDate ? ` — ${t.invoice.dgpExpiry} ${date(data.dgp.expiryDate)}` : ''}
              </p>
            </Section>
          ) : null}
          <Section title={t.invoice.matching}>
            <MatchingView matching={match} />
          </Section>
        </div>
      </div>

      <Section title={t.invoice.lines}>
        <div className="table-wrap" tabIndex={0}>
          <table>
            <thead>
              <tr>
                <th scope="col">{t.invoice.lineName}</th>
                <th scope="col" className="num">{t.invoice.quantity}</th>
                <th scope="col" className="num">{t.invoice.unitPrice}</th>
                <th scope="col" className="num">{t.invoice.vatRate}</th>
                <th scope="col" className="num">{t.invoice.netAmount}</th>
              </tr>
            </thead>
            <tbody>
              {data.lines.map((line) => (
                <tr key={line.position}>
                  <td>{line.name ?? t.app.none}</td>
                  <td className="num">{line.quantity ?? ''}</td>
                  <td className="num">{money(line.netPrice)}</td>
                  <td className="num">{line.vatRate ? `${line.vatRate.replace('.', ',')} %` : ''}</td>
                  <td className="num">{money(line.netAmount)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
        <h3>{t.invoice.vat}</h3>
        <table>
          <thead>
            <tr>
              <th scope="col">{t.invoice.vatCategory}</th>
              <th scope="col" className="num">{t.invoice.vatRate}</th>
              <th scope="col" className="num">{t.invoice.taxable}</th>
              <th scope="col" className="num">{t.invoice.taxAmount}</th>
            </tr>
          </thead>
          <tbody>
            {data.vat.map((entry, index) => (
              <tr key={index}>
                <td>{entry.category ?? ''}</td>
                <td className="num">{entry.rate ? `${entry.rate.replace('.', ',')} %` : ''}</td>
                <td className="num">{money(entry.taxableAmount)}</td>
                <td className="num">{money(entry.taxAmount)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </Section>

      <div className="grid">
        <Section title={t.invoice.attachments}>
          {data.attachments.length === 0 ? (
            <p>{t.invoice.noAttachment}</p>
          ) : (
            <ul>
              {data.attachments.map((file) => (
                <li key={file.position}>
                  <a href={`${base}/files/${file.position}?download=1`}>{file.filename}</a>{' '}
                  <span className="muted">({Math.max(1, Math.round(file.size / 1024))} Ko)</span>
                </li>
              ))}
            </ul>
          )}
        </Section>
        <Section title={t.invoice.timeline}>
          {data.timeline.length === 0 ? (
            <p>{t.invoice.noEvent}</p>
          ) : (
            <ol className="timeline">
              {data.timeline.map((entry, index) => (
                <li key={index}>
                  <time dateTime={entry.at}>{t.format.dateTime(entry.at)}</time>
                  <strong>{entry.title}</strong>
                  {entry.detail ? <div className="muted">{entry.detail}</div> : null}
                </li>
              ))}
            </ol>
          )}
        </Section>
      </div>
      {dialog ? (
        <DecisionDialog
          tenantId={tenantId}
          decision={dialog}
          onCancel={() => setDialog(null)}
          onSubmit={(reasons, comment) => {
            const path = dialog;
            setDialog(null);
            void act(t.invoice[path], () => post(`${base}/${path}`, { reasons, comment }));
          }}
        />
      ) : null}
    </div>
  );
}

function StructuredView({ data }: { data: InvoiceDetail }) {
  const seller = data.parties?.seller;
  const buyer = data.parties?.buyer;
  return (
    <div>
      <div className="grid">
        <div>
          <h3>{t.invoice.supplier}</h3>
          <p>
            {seller?.name ?? data.supplier.name}
            <br />
            {seller?.address ? [seller.address.line1, [seller.address.postCode, seller.address.city].filter(Boolean).join(' ')].filter(Boolean).join(', ') : null}
            <br />
            {t.invoice.siret} {seller?.siret ?? data.supplier.siret ?? t.app.none}
          </p>
        </div>
        <div>
          <h3>Destinataire</h3>
          <p>
            {buyer?.name ?? t.app.none}
            <br />
            {t.invoice.siret} {buyer?.siret ?? t.app.none}
          </p>
        </div>
      </div>
      <p>
        {t.invoice.issueDate} : {date(data.issueDate)} — {t.invoice.amountTtc} : <strong>{money(data.totals.ttc)}</strong>
      </p>
      {data.parties?.notes?.length ? <p className="muted">{data.parties.notes.join(' · ')}</p> : null}
    </div>
  );
}

function MatchingView({ matching }: { matching: Matching | null }) {
  if (!matching) return <p className="muted">{t.invoice.noSuggestion}</p>;
  return (
    <div>
      {matching.allocations.length > 0 ? (
        <p>
          {t.invoice.allocatedTo} <strong>{matching.allocations.map((allocation) => allocation.numero).join(', ')}</strong>
        </p>
      ) : null}
      <h3>{t.invoice.suggestions}</h3>
      {matching.candidates.length === 0 ? (
        <p>{t.invoice.noSuggestion}</p>
      ) : (
        <ul>
          {matching.candidates.map((candidate) => (
            <li key={candidate.engagement.id}>
              <strong>{candidate.engagement.numero}</strong> — {t.invoice.score} {candidate.score}
              {candidate.engagement.objet ? <span className="muted"> · {candidate.engagement.objet}</span> : null}
              <ul className="reasons">
                {candidate.reasons.map((reason) => (
                  <li key={reason}>{reason}</li>
                ))}
              </ul>
            </li>
          ))}
        </ul>
      )}
      <h3>{t.invoice.anomalies}</h3>
      {matching.anomalies.length === 0 ? (
        <p>{t.invoice.noAnomaly}</p>
      ) : (
        <ul>
          {matching.anomalies.map((anomaly) => (
            <li key={anomaly.code}>
              <span className="badge badge-warning">{t.invoices.anomalyBadge}</span> {anomaly.message}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
