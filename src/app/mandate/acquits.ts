// Acquittements (PES_Acquit): read back, validated against the schema when xmllint is present,
// matched to the bordereau (by NomFic, else by budget codes + NumBord + exercice), then bordereau and
// mandats updated: accepted, or — bordereau rejected — the pieces the accountant names "à corriger"
// with their own errors, the others back to "à mettre en bordereau" to go again as they are (every
// invoice back to mandated, lifecycle event accountant_rejected); the bordereau keeps the
// bordereau-level errors. Importing the
// same file twice changes nothing. Also: poll a channel for the acquittement of a sent bordereau.
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { newId } from '../../domain/ids.ts';
import { type Actor, requirePermission } from '../../domain/roles.ts';
import { type AcquitElement, describeAcquitError, type PesAcquit, parsePesAcquit, rejectionReasons } from '../../formats/pes/acquit.ts';
import { PES_ACQUIT_SCHEMA, pesSchemaDir, validatePesFile, xmllintAvailable } from '../../formats/pes/validate.ts';
import { MANDAT_STATUS_LABELS, type MandatStatus } from '../../domain/mandat/status.ts';
import { appendAudit } from '../../store/audit.ts';
import type { Teletransmission, TransmissionStatus } from '../../teletransmission/types.ts';
import type { AppContext } from '../context.ts';
import { auditActor } from '../publish/outbox.ts';
import { type BordereauView, getBordereau } from './bordereaux.ts';
import { MandatError, setInvoiceStatus } from './mandats.ts';

const ACTION_OF_VERDICT: Record<MandatStatus, string> = {
  accepted: 'mandat.accepted',
  to_correct: 'mandat.rejected',
  pending: 'mandat.returned',
  in_bordereau: 'mandat.returned',
  sent: 'mandat.returned',
  cancelled: 'mandat.returned',
};

/** What the bordereau keeps of a rejection: the bordereau-level errors, and which pieces were named. */
function bordereauRejection(general: string[], named: ReadonlySet<number>): string {
  const parts = [...general];
  if (named.size > 0) parts.push(`pièce${named.size > 1 ? 's' : ''} en erreur : n° ${[...named].join(', ')}`);
  return parts.join(' ; ') || 'Rejeté sans motif';
}

export type AcquitOutcome = {
  acquitId: string;
  bordereauId: string;
  bordereau: number;
  nomFic: string;
  accepted: boolean;
  /** accepted | rejected | partially_rejected */
  result: string;
  /** Per mandat: accepted, to_correct (its own errors), or pending (bordereau rejected for other pieces: sent again as it is). */
  mandats: { numero: number; status: string; statusLabel: string; reason: string | null }[];
  pjRejected: { idUnique: string; reason: string }[];
  reasons: string[];
  alreadyImported: boolean;
};

/**
 * Schema validation of an acquittement when the installation can do it (xmllint and the PES V2
 * schemas, which live outside the repository: LIASSE_PES_XSD_DIR); null when it cannot — the reader
 * (parsePesAcquit) still refuses what is not a PES_Acquit, so a fresh clone imports acquittements too.
 */
export async function validateAcquitBytes(bytes: Buffer): Promise<{ valid: boolean; errors: string[] } | null> {
  if (!xmllintAvailable() || !fs.existsSync(path.join(pesSchemaDir(), PES_ACQUIT_SCHEMA))) return null;
  const dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'liasse-acquit-'));
  try {
    const file = path.join(dir, 'acquit.xml');
    await fsp.writeFile(file, bytes);
    return await validatePesFile(file, PES_ACQUIT_SCHEMA);
  } finally {
    await fsp.rm(dir, { recursive: true, force: true });
  }
}

export async function importAcquit(
  context: AppContext,
  tenantId: string | null,
  actor: Actor,
  input: { bytes: Buffer; fileName?: string; bordereauId?: string },
): Promise<AcquitOutcome> {
  requirePermission(actor, 'bordereau.sign');
  const validation = await validateAcquitBytes(input.bytes);
  if (validation && !validation.valid) {
    throw new MandatError(`Acquittement non conforme au schéma PES_V2_Acquit_Autonome_V2 : ${validation.errors.slice(0, 5).join(' | ')}`);
  }
  const acquit = parsePesAcquit(input.bytes);
  const db = context.store.db;
  const bordereau = await findBordereau(context, tenantId, acquit, input.bordereauId);
  const stored = await context.blobs.put(input.bytes);
  return db.transaction().execute(async (trx) => {
    const previous = await trx.selectFrom('acquits').selectAll().where('sha256', '=', stored.sha256).where('bordereau_id', '=', bordereau.id).executeTakeFirst();
    if (previous) return { ...(JSON.parse(previous.summary_json) as AcquitOutcome), alreadyImported: true };
    const now = new Date().toISOString();
    const depense = acquit.elements.filter((element) => element.domaine === '5' && (element.numBord === null || element.numBord === Number(bordereau.numero)));
    // Technical and signature elements (0–3) reject the whole flux; Dépense (5) the bordereau.
    const fluxRejected = acquit.elements.filter((element) => ['0', '1', '2', '3', '99'].includes(element.domaine) && !element.accepted);
    const bordereauRejected = fluxRejected.length > 0 || depense.some((element) => !element.accepted);
    const pjElements = acquit.elements.filter((element) => element.domaine === '4');
    const pjRejected = pjElements
      .filter((element) => !element.accepted && element.idUnique)
      .map((element) => ({ idUnique: element.idUnique!, reason: element.errors.map(describeAcquitError).join(' ; ') || 'PJ rejetée' }));
    const generalReasons = [...fluxRejected, ...depense].flatMap((element) => element.errors.map(describeAcquitError));
    const reasons = [...fluxRejected, ...depense].flatMap(rejectionReasons);
    const mandats = await trx.selectFrom('mandats').selectAll().where('bordereau_id', '=', bordereau.id).orderBy('numero').execute();
    // Each piece's own errors (and its lines'), by piece number = mandat number (IdPce).
    const pieceReasons = new Map<number, string[]>();
    for (const element of depense as AcquitElement[]) {
      for (const piece of element.pieces) {
        const list = pieceReasons.get(piece.numPiece) ?? [];
        list.push(...piece.errors.map(describeAcquitError));
        for (const line of piece.lines) list.push(...line.errors.map((error) => `ligne ${line.numLigne} : ${describeAcquitError(error)}`));
        pieceReasons.set(piece.numPiece, list);
      }
    }
    // The pieces the accountant names: only their mandats are "à corriger". When he names none of
    // this bordereau's (a bordereau-level error only), every mandat is.
    const named = new Set(mandats.map((mandat) => Number(mandat.numero)).filter((numero) => (pieceReasons.get(numero) ?? []).length > 0));
    const bordereauText = generalReasons.length ? ` : ${generalReasons.join(' ; ')}` : '';
    const outcomeMandats: AcquitOutcome['mandats'] = [];
    const who = auditActor(actor);
    for (const mandat of mandats) {
      const numero = Number(mandat.numero);
      let status: MandatStatus;
      let reason: string | null = null;
      if (bordereauRejected && (named.size === 0 || named.has(numero))) {
        status = 'to_correct';
        const own = pieceReasons.get(numero) ?? [];
        reason = own.length > 0 ? `Rejeté par le comptable : ${own.join(' ; ')}` : `Bordereau n° ${bordereau.numero} rejeté par le comptable${bordereauText}`;
      } else if (bordereauRejected) {
        // Nothing wrong with this piece, but its bordereau was not taken in charge: it goes again, as it is.
        status = 'pending';
        reason = `Bordereau n° ${bordereau.numero} rejeté pour d'autres pièces (n° ${[...named].join(', ')}) : mandat sans erreur, à transmettre à nouveau tel quel.`;
      } else {
        status = 'accepted';
        const pjs = await trx.selectFrom('mandat_pjs').select('id_unique').where('mandat_id', '=', mandat.id).where('superseded_at', 'is', null).execute();
        const rejected = pjRejected.filter((pj) => pjs.some((row) => row.id_unique === pj.idUnique));
        if (rejected.length > 0) reason = `PJ rejetée par le comptable : ${rejected.map((pj) => `${pj.idUnique} (${pj.reason})`).join(' ; ')}`;
      }
      await trx
        .updateTable('mandats')
        .set({ status, correction_reason: reason, acknowledged_at: now, updated_at: now, ...(status !== 'accepted' ? { bordereau_id: null } : {}) })
        .where('id', '=', mandat.id)
        .execute();
      outcomeMandats.push({ numero, status, statusLabel: MANDAT_STATUS_LABELS[status], reason });
      const lines = await trx.selectFrom('mandat_lines').select('invoice_id').where('mandat_id', '=', mandat.id).execute();
      for (const invoiceId of new Set(lines.map((line) => line.invoice_id).filter((value): value is string => value !== null))) {
        // The comptable's rejection sends the invoice back to mandated (its mandat "à corriger"); it
        // goes to the comptable again when the mandat is re-emitted. An annulation mandat rejected
        // leaves its invoice where it is. The acquittement is a fact: recorded even when the invoice
        // has moved elsewhere meanwhile (then `to` is absent).
        const move = status !== 'accepted' && mandat.kind === 'ordinaire' ? await setInvoiceStatus(trx, invoiceId, 'accountant_rejected') : null;
        await appendAudit(trx, {
          tenantId: mandat.tenant_id,
          actor: who,
          action: ACTION_OF_VERDICT[status],
          entity: 'invoice',
          entityId: invoiceId,
          data: { mandatId: mandat.id, numero, bordereau: bordereau.numero, reason, ...(move ? { from: move.from, to: move.to } : {}) },
          at: now,
        });
      }
      await appendAudit(trx, { tenantId: mandat.tenant_id, actor: who, action: ACTION_OF_VERDICT[status], entity: 'mandat', entityId: mandat.id, data: { numero, reason }, at: now });
    }
    const result = bordereauRejected ? 'rejected' : pjRejected.length > 0 ? 'partially_rejected' : 'accepted';
    await trx
      .updateTable('bordereaux')
      .set({ status: result, acknowledged_at: now, updated_at: now, rejection_reason: bordereauRejected ? bordereauRejection(generalReasons, named) : pjRejected.length ? pjRejected.map((pj) => pj.reason).join(' ; ') : null })
      .where('id', '=', bordereau.id)
      .execute();
    const acquitId = newId();
    const outcome: AcquitOutcome = {
      acquitId,
      bordereauId: bordereau.id,
      bordereau: Number(bordereau.numero),
      nomFic: acquit.nomFic,
      accepted: !bordereauRejected && pjRejected.length === 0,
      result,
      mandats: outcomeMandats,
      pjRejected,
      reasons,
      alreadyImported: false,
    };
    await trx
      .insertInto('acquits')
      .values({ id: acquitId, tenant_id: bordereau.tenant_id, bordereau_id: bordereau.id, nom_fic: acquit.nomFic, accepted: outcome.accepted ? 1 : 0, sha256: stored.sha256, summary_json: JSON.stringify(outcome), imported_by: who, imported_at: now })
      .execute();
    await appendAudit(trx, {
      tenantId: bordereau.tenant_id,
      actor: who,
      action: 'acquit.import',
      entity: 'bordereau',
      entityId: bordereau.id,
      data: { acquitId, nomFic: acquit.nomFic, fileName: input.fileName ?? null, sha256: stored.sha256, result, reasons },
      at: now,
    });
    return outcome;
  });
}

async function findBordereau(context: AppContext, tenantId: string | null, acquit: PesAcquit, bordereauId?: string) {
  const db = context.store.db;
  let query = db.selectFrom('bordereaux').selectAll('bordereaux');
  if (tenantId) query = query.where('bordereaux.tenant_id', '=', tenantId);
  if (bordereauId) {
    const row = await query.where('bordereaux.id', '=', bordereauId).executeTakeFirst();
    if (!row) throw new MandatError(`Bordereau introuvable : ${bordereauId}.`);
    return row;
  }
  const byName = acquit.nomFic ? await query.where('bordereaux.pes_filename', '=', acquit.nomFic).executeTakeFirst() : undefined;
  if (byName) return byName;
  const depense = acquit.elements.find((element) => element.domaine === '5' && element.numBord !== null);
  if (depense && acquit.header.idColl && acquit.header.codCol && acquit.header.codBud) {
    const matches = await query
      .innerJoin('budgets', 'budgets.id', 'bordereaux.budget_id')
      .where('budgets.siret', '=', acquit.header.idColl)
      .where('budgets.codcol', '=', acquit.header.codCol)
      .where('budgets.codbud', '=', acquit.header.codBud)
      .where('bordereaux.numero', '=', depense.numBord!)
      .where('bordereaux.exercice', '=', depense.exerciceBord ?? 0)
      .where('bordereaux.status', 'in', ['sent', 'accepted', 'rejected', 'partially_rejected'])
      .execute();
    if (matches.length === 1) return matches[0]!;
  }
  throw new MandatError(
    `Aucun bordereau transmis ne correspond à cet acquittement (fichier ${acquit.nomFic || 'sans nom'}, bordereau ${depense?.numBord ?? '?'} / ${depense?.exerciceBord ?? '?'}).`,
  );
}

/** Asks the channel where a sent bordereau stands; imports the acquittement once there is one. */
export async function pollBordereau(
  context: AppContext,
  tenantId: string,
  actor: Actor,
  input: { bordereauId: string; channel: Teletransmission },
): Promise<{ status: TransmissionStatus; acquit: AcquitOutcome | null; bordereau: BordereauView }> {
  const bordereau = await getBordereau(context.store.db, tenantId, input.bordereauId);
  if (!bordereau.transmissionId) throw new MandatError(`Le bordereau n° ${bordereau.numero} n'a pas été transmis.`);
  const status = await input.channel.status(bordereau.transmissionId);
  await context.store.db
    .updateTable('bordereaux')
    .set({ transmission_status: `${status.code} ${status.message}`.trim(), updated_at: new Date().toISOString() })
    .where('id', '=', input.bordereauId)
    .execute();
  let acquit: AcquitOutcome | null = null;
  if (status.state === 'acknowledged' || status.state === 'rejected') {
    const bytes = await input.channel.fetchAcquit(bordereau.transmissionId);
    if (bytes) acquit = await importAcquit(context, tenantId, actor, { bytes, bordereauId: input.bordereauId, fileName: `ACQUIT_${bordereau.pesFile ?? bordereau.transmissionId}` });
  }
  return { status, acquit, bordereau: await getBordereau(context.store.db, tenantId, input.bordereauId) };
}
