// Guided reasons for suspendre / rejeter / à recycler: the agent picks reasons from the catalogue
// (with the sentence the supplier will read), and may add a comment.
import { useEffect, useRef, useState } from 'react';
import { get } from '../api.ts';
import { t } from '../i18n/fr.ts';
import { useData } from './ui.tsx';

export type ReturnDecision = 'suspend' | 'reject' | 'recycle';
type Reason = { code: string; group: ReturnDecision; proposes: ReturnDecision; label: string; wording: string; commentRequired?: boolean };

export function DecisionDialog({
  tenantId,
  decision,
  onCancel,
  onSubmit,
}: {
  tenantId: string;
  decision: ReturnDecision;
  onCancel: () => void;
  onSubmit: (reasons: string[], comment: string) => void;
}) {
  const dialog = useRef<HTMLDialogElement>(null);
  const catalogue = useData(() => get<Record<ReturnDecision, Reason[]>>(`/api/tenants/${tenantId}/decision-reasons`), [tenantId]);
  const [chosen, setChosen] = useState<string[]>([]);
  const [comment, setComment] = useState('');
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    dialog.current?.showModal();
  }, []);
  const reasons = catalogue.data?.[decision] ?? [];
  const needsComment = reasons.some((reason) => chosen.includes(reason.code) && reason.commentRequired);
  return (
    <dialog ref={dialog} aria-labelledby="decision-title" onCancel={onCancel}>
      <form
        method="dialog"
        onSubmit={(event) => {
          event.preventDefault();
          if (chosen.length === 0) return setError(t.invoice.reasonRequired);
          onSubmit(chosen, comment);
        }}
      >
        <h2 id="decision-title">{t.invoice[decision]}</h2>
        <fieldset>
          <legend>{t.invoice.reason}</legend>
          {reasons.map((reason) => (
            <div className="checkbox" key={reason.code}>
              <input
                type="checkbox"
                id={`reason-${reason.code}`}
                checked={chosen.includes(reason.code)}
                onChange={(event) => setChosen(event.target.checked ? [...chosen, reason.code] : chosen.filter((code) => code !== reason.code))}
              />
              <label htmlFor={`reason-${reason.code}`} title={reason.wording}>
                {reason.label}
                {reason.proposes !== decision ? <span className="muted"> ({t.invoice[reason.proposes]} conseillé)</span> : null}
              </label>
            </div>
          ))}
        </fieldset>
        <div className="field">
          <label htmlFor="decision-comment">{t.invoice.comment}</label>
          <textarea id="decision-comment" rows={3} value={comment} required={needsComment} onChange={(event) => setComment(event.target.value)} />
        </div>
        {error ? (
          <p role="alert" className="alert alert-error">
            {error}
          </p>
        ) : null}
        <div className="actions">
          <button type="submit">{t.invoice.decide}</button>
          <button type="button" className="button-secondary" onClick={onCancel}>
            {t.app.cancel}
          </button>
        </div>
      </form>
    </dialog>
  );
}
