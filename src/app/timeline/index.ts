// One timeline per invoice: everything that happened to it, from every source, in one order.
// - Chorus statuses (chorus_history, written by the sync with the processing cycle);
// - user actions and system events (audit_log rows with entity 'invoice' and the invoice id — every
//   use case writes them), mandat and PES events (the same rows from the mandats chain, plus mandat /
//   bordereau / PES rows whose data names the invoice);
// - publishing to Chorus (publish_outbox and publish_attempts).
// The invoice keeps one identity across suspension and recycling cycles, so the timeline does too:
// entries carry the cycle they belong to instead of being split.
import type { Kysely } from 'kysely';
import { CHORUS_STATUS_LABELS, isChorusStatus, STATUS_LABELS, isInvoiceStatus, CDAR_CODE_OF_CHORUS_STATUS } from '../../domain/lifecycle.ts';
import type { Database } from '../../store/schema.ts';

export type TimelineKind = 'chorus' | 'action' | 'system' | 'publication' | 'mandat' | 'pes';

export type TimelineEntry = {
  /** ISO instant (Chorus dates are taken as the sync stored them). */
  at: string;
  kind: TimelineKind;
  /** One line in French, for people. */
  title: string;
  detail: string | null;
  /** "user:<id>", "cli", "system:sync", "chorus", … */
  actor: string | null;
  /** Processing cycle: 1, then +1 after each COMPLETEE or recycled redeposit. */
  cycle: number;
  /** The Chorus status for chorus and publication entries; the audit action otherwise. */
  code: string;
  /** Reform lifecycle code (CDAR) when the entry is a Chorus status. */
  cdar: number | null;
  source: { table: 'chorus_history' | 'audit_log' | 'publish_outbox' | 'publish_attempts'; id: string };
  data: unknown;
};

export class TimelineError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TimelineError';
  }
}

const ACTION_TITLES: Record<string, string> = {
  'invoice.suspend': 'Facture suspendue',
  'invoice.reject': 'Facture rejetée',
  'invoice.recycle': 'Facture renvoyée au recyclage',
  'invoice.service_fait': 'Service fait certifié',
  'invoice.transition': 'Statut modifié',
  'invoice.sync.create': 'Facture intégrée depuis Chorus Pro',
  'invoice.sync.update': 'Facture mise à jour depuis Chorus Pro',
  'invoice.create': 'Facture intégrée depuis Chorus Pro',
  'invoice.import': 'Facture intégrée depuis Chorus Pro',
  'invoice.sync': 'Facture mise à jour depuis Chorus Pro',
  'invoice.update': 'Facture mise à jour',
  'invoice.allocate': 'Imputation enregistrée',
  'invoice.match': 'Rapprochement enregistré',
  'invoice.quarantine': 'Facture mise en quarantaine',
  'mandat.create': 'Mandat émis',
  'mandat.cancel': 'Mandat annulé',
  'mandat.withdraw': 'Mandat retiré avant transmission (numéro rendu à la série)',
  'mandat.annulation': "Mandat annulé par un mandat d'annulation",
  'mandat.reduction': 'Mandat réduit par un mandat de réduction',
  'bordereau.create': 'Bordereau constitué',
  'bordereau.sign': 'Bordereau signé',
  'bordereau.pes': 'Flux PES généré',
  'bordereau.send': 'Bordereau transmis au comptable (PES)',
  'mandat.accepted': 'Mandat pris en charge par le comptable (acquittement PES)',
  'mandat.rejected': 'Mandat rejeté par le comptable (acquittement PES) : à corriger',
  'mandat.returned': "Bordereau rejeté par le comptable pour d'autres pièces : mandat à transmettre à nouveau",
  'acquit.import': 'Acquittement PES importé',
  'pes.send': 'Flux PES transmis au comptable',
  'pes.acquit': 'Acquittement PES reçu',
  'publish.retry': 'Publication relancée',
  'publish.abandon': 'Publication abandonnée',
};

const PUBLISH_RESOLUTION_TITLES: Record<string, string> = {
  posted: 'publié sur Chorus Pro',
  already_reached: 'déjà atteint sur Chorus Pro (non republié)',
  helios: 'non publié : transmis par Hélios',
  resynchronised: 'abandonné après resynchronisation',
  abandoned: 'abandonné, non publié',
  withdrawn: 'retiré avec son mandat, non publié',
};

// Audit actions about publishing shown as their own entries (a person's act); the others are shown
// from the publishing tables.
const PUBLISH_ACTIONS_SHOWN = new Set(['publish.retry', 'publish.abandon']);

const ATTEMPT_OUTCOME_TITLES: Record<string, string> = {
  posted: 'réussie',
  already_reached: 'statut déjà atteint',
  retry: 'échec temporaire, nouvel essai prévu',
  failed: 'échec, intervention nécessaire',
  skipped: 'non publiée',
};

const PARIS = new Intl.DateTimeFormat('en-GB', {
  timeZone: 'Europe/Paris',
  hourCycle: 'h23',
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
});

function parisOffsetMs(utcMs: number): number {
  const parts = Object.fromEntries(PARIS.formatToParts(new Date(utcMs)).map((part) => [part.type, part.value]));
  const asUtc = Date.UTC(Number(parts.year), Number(parts.month) - 1, Number(parts.day), Number(parts.hour), Number(parts.minute), Number(parts.second));
  return asUtc - Math.floor(utcMs / 1000) * 1000;
}

/**
 * Chorus instants are Paris local times without a zone ("YYYY-MM-DDTHH:mm:ss", as the sync stores
 * them); Liasse's are UTC. Both become UTC ISO strings so that one order holds across sources.
 */
export function chorusInstantToUtc(value: string): string {
  const match = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2}))?)?$/.exec(value.trim());
  if (!match) return value;
  const [, year, month, day, hours = '00', minutes = '00', seconds = '00'] = match;
  const local = Date.UTC(Number(year), Number(month) - 1, Number(day), Number(hours), Number(minutes), Number(seconds));
  let utc = local - parisOffsetMs(local);
  utc = local - parisOffsetMs(utc); // the offset at the real instant (DST changes)
  return new Date(utc).toISOString();
}

// Progress of a Chorus status within one processing cycle, to order statuses stamped in the same minute.
const CHORUS_PROGRESS: Record<string, number> = {
  DEPOSEE: 0,
  EN_COURS_ACHEMINEMENT: 1,
  COMPLETEE: 2,
  MISE_A_DISPOSITION: 3,
  SUSPENDUE: 4,
  A_RECYCLER: 4,
  REJETEE: 4,
  SERVICE_FAIT: 5,
  MANDATEE: 6,
  MISE_A_DISPOSITION_COMPTABLE: 7,
  COMPTABILISEE: 8,
  MISE_EN_PAIEMENT: 9,
};

function progressOf(status: string): number {
  return CHORUS_PROGRESS[status] ?? 3;
}

function chorusLabel(status: string): string {
  return isChorusStatus(status) ? CHORUS_STATUS_LABELS[status] : status;
}

function parseJson(text: string | null): unknown {
  if (text === null) return null;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

// Mandat-chain events that travel through PES (to or from the comptable).
const PES_ACTIONS = new Set(['bordereau.pes', 'bordereau.send', 'mandat.accepted', 'mandat.rejected', 'mandat.returned', 'acquit.import']);

function kindOfAudit(action: string, actor: string): TimelineKind {
  if (PES_ACTIONS.has(action)) return 'pes';
  const [prefix] = action.split('.');
  if (prefix === 'mandat' || prefix === 'bordereau' || prefix === 'liquidation') return 'mandat';
  if (prefix === 'pes' || prefix === 'acquit' || prefix === 'helios') return 'pes';
  if (actor === 'cli' || actor.startsWith('user:')) return 'action';
  return 'system';
}

function titleOfAudit(action: string, data: unknown): string {
  const known = ACTION_TITLES[action];
  if (known) return known;
  const record = (data ?? {}) as Record<string, unknown>;
  if (typeof record.to === 'string' && isInvoiceStatus(record.to)) return `Statut : ${STATUS_LABELS[record.to]}`;
  return action;
}

function detailOfAudit(data: unknown): string | null {
  if (data === null || typeof data !== 'object') return data === null ? null : String(data);
  const record = data as Record<string, unknown>;
  const parts: string[] = [];
  if (typeof record.motif === 'string') parts.push(`Motif : ${record.motif}`);
  else if (typeof record.reason === 'string' && record.reason) parts.push(`Motif : ${record.reason}`);
  if (typeof record.comment === 'string' && record.comment) parts.push(`Commentaire : ${record.comment}`);
  if (typeof record.from === 'string' && typeof record.to === 'string' && isInvoiceStatus(record.from) && isInvoiceStatus(record.to)) {
    parts.push(`${STATUS_LABELS[record.from]} → ${STATUS_LABELS[record.to]}`);
  }
  for (const key of ['numero', 'number', 'mandatNumber', 'bordereauNumber', 'numeroDPMandat']) {
    if (typeof record[key] === 'string' || typeof record[key] === 'number') parts.push(`N° ${record[key]}`);
  }
  return parts.length > 0 ? parts.join(' — ') : null;
}

/**
 * The invoice's timeline, oldest first. Ties keep a stable order: Chorus statuses, then actions,
 * then publications, each in its own source order.
 */
export async function getInvoiceTimeline(db: Kysely<Database>, invoiceId: string): Promise<TimelineEntry[]> {
  const invoice = await db.selectFrom('invoices').select(['id', 'tenant_id']).where('id', '=', invoiceId).executeTakeFirst();
  if (!invoice) throw new TimelineError(`Facture inconnue : ${invoiceId}.`);

  const [history, audits, linkedAudits, outbox, attempts] = await Promise.all([
    db.selectFrom('chorus_history').selectAll().where('invoice_id', '=', invoiceId).orderBy('at').orderBy('cycle').execute(),
    db.selectFrom('audit_log').selectAll().where('entity', '=', 'invoice').where('entity_id', '=', invoiceId).orderBy('seq').execute(),
    // Mandat-chain rows recorded on their own entity but naming the invoice in their data.
    db
      .selectFrom('audit_log')
      .selectAll()
      .where('entity', 'in', ['mandat', 'bordereau', 'pes', 'acquit'])
      .where('tenant_id', '=', invoice.tenant_id)
      .where('data_json', 'like', `%${invoiceId}%`)
      .orderBy('seq')
      .execute(),
    db.selectFrom('publish_outbox').selectAll().where('invoice_id', '=', invoiceId).orderBy('seq').execute(),
    db.selectFrom('publish_attempts').selectAll().where('invoice_id', '=', invoiceId).orderBy('started_at').execute(),
  ]);

  // Chorus dates are minutes (Paris time): a status Liasse posted carries a date up to a minute
  // before the post that produced it. So Chorus entries are placed by causality as well as by
  // date: in Chorus order (cycle, date, progress within the cycle), never before the previous one,
  // and a status reached by one of our publications right after that publication.
  const chorusRows = [...history].sort(
    (a, b) => Number(a.cycle) - Number(b.cycle) || (a.at < b.at ? -1 : a.at > b.at ? 1 : 0) || progressOf(a.status) - progressOf(b.status),
  );
  const published = outbox.filter((row) => row.state === 'posted' && row.done_at !== null);
  const matched = new Set<string>();
  let previousKey = '';
  const chorusKeys = chorusRows.map((row) => {
    const at = chorusInstantToUtc(row.at);
    let key = at > previousKey ? at : previousKey;
    let anchored = false;
    const atMs = Date.parse(at);
    const publication = published.find(
      (candidate) =>
        !matched.has(candidate.id) &&
        candidate.status === row.status &&
        Date.parse(candidate.done_at!) >= atMs &&
        Date.parse(candidate.created_at) <= atMs + 60_000,
    );
    if (publication) {
      matched.add(publication.id);
      if (publication.done_at! >= key) {
        key = publication.done_at!;
        anchored = true;
      }
    }
    previousKey = key;
    return { row, at, key, anchored };
  });
  // An action belongs to the cycle of the last Chorus status placed before it.
  const cycleAt = (at: string): number => {
    let cycle = chorusKeys[0] ? Number(chorusKeys[0].row.cycle) : 1;
    for (const { key, row } of chorusKeys) {
      if (key < at) cycle = Math.max(cycle, Number(row.cycle));
      else break;
    }
    return cycle;
  };

  const entries: { entry: TimelineEntry; key: string; order: number }[] = [];
  const push = (entry: TimelineEntry, order: number, key: string = entry.at) => entries.push({ entry, key, order });

  for (const { row, at, key, anchored } of chorusKeys) {
    push(
      {
        at,
        kind: 'chorus',
        title: `Chorus Pro : ${chorusLabel(row.status)}`,
        detail: row.comment?.trim() ? row.comment : null,
        actor: 'chorus',
        cycle: Number(row.cycle),
        code: row.status,
        cdar: isChorusStatus(row.status) ? (CDAR_CODE_OF_CHORUS_STATUS[row.status] ?? null) : null,
        source: { table: 'chorus_history', id: row.id },
        data: { chorusLocalTime: row.at },
      },
      // Right after "publié sur Chorus Pro" when it is the result of that publication, and after
      // the entry it was moved behind; in Chorus order among themselves (insertion order).
      anchored || key !== at ? 5 : 0,
      key,
    );
  }

  const seen = new Set<number>();
  // The mandats chain writes the same event on the invoice and on the mandat: keep one.
  const onInvoice = new Set(audits.map((row) => `${row.action}|${row.at}`));
  for (const row of [...audits, ...linkedAudits]) {
    const seq = Number(row.seq);
    if (seen.has(seq)) continue;
    seen.add(seq);
    if (row.entity !== 'invoice' && onInvoice.has(`${row.action}|${row.at}`)) continue;
    // Publishing is shown from its own tables (one entry per row and per attempt), not twice.
    if (row.action.startsWith('publish.') && !PUBLISH_ACTIONS_SHOWN.has(row.action)) continue;
    const data = parseJson(row.data_json);
    push(
      {
        at: row.at,
        kind: kindOfAudit(row.action, row.actor),
        title: titleOfAudit(row.action, data),
        detail: detailOfAudit(data),
        actor: row.actor,
        cycle: cycleAt(row.at),
        code: row.action,
        cdar: null,
        source: { table: 'audit_log', id: String(seq) },
        data,
      },
      1,
    );
  }

  for (const row of outbox) {
    const label = chorusLabel(row.status);
    const motif = row.motif ? `Motif : ${row.motif}` : null;
    const mandat = row.numero_dp_mandat ? `N° mandat : ${row.numero_dp_mandat}` : null;
    push(
      {
        at: row.created_at,
        kind: 'publication',
        title: `Publication demandée sur Chorus Pro : ${label}`,
        detail: [motif, mandat].filter(Boolean).join(' — ') || null,
        actor: row.actor,
        cycle: cycleAt(row.created_at),
        code: row.status,
        cdar: isChorusStatus(row.status) ? (CDAR_CODE_OF_CHORUS_STATUS[row.status] ?? null) : null,
        source: { table: 'publish_outbox', id: row.id },
        data: { seq: Number(row.seq), state: row.state },
      },
      2,
    );
    if (row.done_at && row.resolution) {
      push(
        {
          at: row.done_at,
          kind: 'publication',
          title: `${label} : ${PUBLISH_RESOLUTION_TITLES[row.resolution] ?? row.resolution}`,
          detail: null,
          actor: 'system:publish',
          cycle: cycleAt(row.done_at),
          code: row.status,
          cdar: null,
          source: { table: 'publish_outbox', id: row.id },
          data: { resolution: row.resolution, attempts: Number(row.attempts) },
        },
        4,
      );
    } else if (row.state === 'failed') {
      push(
        {
          at: row.updated_at,
          kind: 'publication',
          title: `${label} : publication en échec, à relancer`,
          detail: row.last_error,
          actor: 'system:publish',
          cycle: cycleAt(row.updated_at),
          code: row.status,
          cdar: null,
          source: { table: 'publish_outbox', id: row.id },
          data: { state: row.state, attempts: Number(row.attempts) },
        },
        4,
      );
    }
  }

  const statusOfOutbox = new Map(outbox.map((row) => [row.id, row.status]));
  for (const row of attempts) {
    const status = statusOfOutbox.get(row.outbox_id) ?? '';
    const codes = [row.http_status ? `HTTP ${row.http_status}` : null, row.code_retour ? `codeRetour ${row.code_retour}` : null]
      .filter(Boolean)
      .join(', ');
    push(
      {
        at: row.finished_at,
        kind: 'publication',
        title: `Tentative ${row.attempt} de publication ${chorusLabel(status)} : ${ATTEMPT_OUTCOME_TITLES[row.outcome] ?? row.outcome}`,
        detail: [row.message, codes].filter(Boolean).join(' — ') || null,
        actor: `system:publish:${row.worker}`,
        cycle: cycleAt(row.finished_at),
        code: status,
        cdar: null,
        source: { table: 'publish_attempts', id: row.id },
        data: { outcome: row.outcome, httpStatus: row.http_status, codeRetour: row.code_retour },
      },
      3,
    );
  }

  return entries
    .map((item, index) => ({ ...item, index }))
    .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : a.order - b.order || a.index - b.index))
    .map((item) => item.entry);
}
