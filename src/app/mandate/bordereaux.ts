// Bordereaux: gather the mandats waiting in one budget and exercice under the next bordereau
// number, produce their PES V2 PES_Aller (streamed to a file, kept in the blob store), and send it
// through a teletransmission channel. Numbers: gap-free from 1 per (budget, exercice, TypBord).
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import type { Transaction } from 'kysely';
import { sql } from 'kysely';
import type { Invoice } from '../../domain/invoice.ts';
import { newId } from '../../domain/ids.ts';
import { chorusStatusOfEvent } from '../../domain/lifecycle.ts';
import { centsToString, pesLineAmounts, vatRegimeOf } from '../../domain/mandat/amounts.ts';
import { mandatReference } from '../../domain/mandat/number.ts';
import { BORDEREAU_ELIGIBLE_STATUSES, BORDEREAU_STATUS_LABELS, type BordereauStatus, MANDAT_STATUS_LABELS, type MandatKind, type MandatStatus, TYP_BORD } from '../../domain/mandat/status.ts';
import { type Actor, requirePermission } from '../../domain/roles.ts';
import { type PesAller, type PesPiece, pesAllerFileName, writePesAller } from '../../formats/pes/aller.ts';
import { pesFileName, pesMimeType, pesText, requiredPesText } from '../../formats/pes/text.ts';
import { appendAudit } from '../../store/audit.ts';
import type { Database } from '../../store/schema.ts';
import { nextInSequence } from '../../store/sequences.ts';
import type { BudgetTable } from '../../store/tables/referential.ts';
import type { Teletransmission } from '../../teletransmission/types.ts';
import type { AppContext } from '../context.ts';
import { auditActor, enqueueChorusStatus } from '../publish/outbox.ts';
import { MandatError, mintPjIdUnique, setInvoiceStatus } from './mandats.ts';

type Db = AppContext['store']['db'] | Transaction<Database>;

export type BordereauView = {
  id: string;
  numero: number;
  budget: string;
  exercice: number;
  typBord: string;
  status: string;
  statusLabel: string;
  /**
   * Each mandat as it stands now, with what the accountant's acquittement of THIS bordereau said of it
   * (`acquit`: accepted / to_correct and the reason) — kept even after the mandat is re-emitted elsewhere.
   */
  mandats: {
    id: string;
    numero: number;
    /** exercice-budget-numero (mandatReference), as Chorus Pro and the screens show it. */
    reference: string;
    status: string;
    statusLabel: string;
    montantTTC: string;
    tiers: string;
    acquit: { status: string; reason: string | null } | null;
  }[];
  /** accepted | rejected | partially_rejected of the last acquittement imported, null before. */
  acquitResult: string | null;
  mandatCount: number;
  totalHT: string;
  totalTVA: string;
  totalTTC: string;
  pesFile: string | null;
  pesSha256: string | null;
  channel: string | null;
  transmissionId: string | null;
  transmissionStatus: string | null;
  rejectionReason: string | null;
  createdAt: string;
  sentAt: string | null;
  acknowledgedAt: string | null;
};

export const LIASSE_EMITTER = { sigle: 'LIASSE', adresse: 'Liasse 0.1.0' };

export function bordereauSeries(budgetId: string, exercice: number, typBord: string): string {
  return `bordereau:${budgetId}:${exercice}:${typBord}`;
}

/** The Hélios identifiers a budget needs before its first PES (EnTetePES); French message naming what is missing. */
export function checkBudgetForPes(budget: BudgetTable): void {
  const problems: string[] = [];
  if (!budget.idpost || !/^(02[AB]\d{3,4}|\d{6,7})$/.test(budget.idpost)) problems.push(`le codique du poste comptable (idpost, 6 ou 7 chiffres) : « ${budget.idpost ?? ''} »`);
  if (!budget.codcol || !/^\d{3}$/.test(budget.codcol)) problems.push(`le code collectivité Hélios (codcol, 3 chiffres) : « ${budget.codcol ?? ''} »`);
  if (!budget.codbud || !/^[0-9A-Z]\d$/.test(budget.codbud)) problems.push(`le code budget Hélios (codbud, 2 caractères) : « ${budget.codbud ?? ''} »`);
  if (!/^\d{14}$/.test(budget.siret)) problems.push(`le SIRET du budget (14 chiffres) : « ${budget.siret} »`);
  if (problems.length > 0) {
    throw new MandatError(`Le budget ${budget.code} ne peut pas produire de PES : renseigner dans le référentiel ${problems.join(' ; ')}.`);
  }
}

async function budgetByCode(db: Db, tenantId: string, code: string): Promise<BudgetTable> {
  const budget = await db.selectFrom('budgets').selectAll().where('tenant_id', '=', tenantId).where('code', '=', code).executeTakeFirst();
  if (!budget) throw new MandatError(`Budget inconnu : ${code}.`);
  return budget;
}

export async function createBordereau(
  context: AppContext,
  tenantId: string,
  actor: Actor,
  input: { budgetCode: string; exercice: number; kind?: MandatKind },
): Promise<BordereauView> {
  requirePermission(actor, 'bordereau.sign');
  const kind = input.kind ?? 'ordinaire';
  const typBord = TYP_BORD[kind];
  const id = await context.store.db.transaction().execute(async (trx) => {
    const budget = await budgetByCode(trx, tenantId, input.budgetCode);
    checkBudgetForPes(budget);
    // The series row is the lock: two bordereaux of one budget never gather the same mandats.
    const numero = await nextInSequence(trx, bordereauSeries(budget.id, input.exercice, typBord));
    const mandats = await trx
      .selectFrom('mandats')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where('budget_id', '=', budget.id)
      .where('exercice', '=', input.exercice)
      .where('kind', '=', kind)
      .where('status', 'in', [...BORDEREAU_ELIGIBLE_STATUSES])
      .orderBy('numero')
      .execute();
    if (mandats.length === 0) {
      throw new MandatError(`Aucun mandat ${kind === 'annulation' ? "d'annulation " : ''}en attente pour le budget ${budget.code}, exercice ${input.exercice}.`);
    }
    if (mandats.length > 99_999) throw new MandatError('Un bordereau porte au plus 99 999 pièces (NbrPce).');
    const now = new Date().toISOString();
    const bordereauId = newId();
    const sum = (pick: (row: (typeof mandats)[number]) => number) => mandats.reduce((total, row) => total + pick(row), 0);
    const ht = sum((row) => Number(row.amount_ht_cents));
    const tva = sum((row) => Number(row.amount_tva_cents));
    const ttc = sum((row) => Number(row.amount_ttc_cents));
    await trx
      .insertInto('bordereaux')
      .values({
        id: bordereauId,
        tenant_id: tenantId,
        budget_id: budget.id,
        exercice: input.exercice,
        numero,
        typ_bord: typBord,
        status: 'ready',
        mandat_count: mandats.length,
        total_ht: centsToString(ht),
        total_tva: centsToString(tva),
        total_ttc: centsToString(ttc),
        total_ht_cents: ht,
        total_tva_cents: tva,
        total_ttc_cents: ttc,
        pes_filename: null,
        pes_sha256: null,
        pes_size: null,
        channel: null,
        transmission_id: null,
        transmission_status: null,
        rejection_reason: null,
        created_by: auditActor(actor),
        created_at: now,
        updated_at: now,
        sent_at: null,
        acknowledged_at: null,
      })
      .execute();
    for (const [index, mandat] of mandats.entries()) {
      // Re-emission — "à corriger", or sent again as it is because its bordereau was rejected for
      // other pieces: its PJ get new IdUnique (Hélios refuses an IdUnique it has seen: ERREUR_DOUBLON_PJ).
      const emitted = mandat.status === 'to_correct' || (await trx.selectFrom('bordereau_mandats').select('bordereau_id').where('mandat_id', '=', mandat.id).executeTakeFirst()) !== undefined;
      await trx.insertInto('bordereau_mandats').values({ bordereau_id: bordereauId, mandat_id: mandat.id, position: index + 1 }).execute();
      if (emitted) {
        const pjs = await trx.selectFrom('mandat_pjs').selectAll().where('mandat_id', '=', mandat.id).where('superseded_at', 'is', null).execute();
        for (const pj of pjs) {
          await trx.updateTable('mandat_pjs').set({ superseded_at: now }).where('id', '=', pj.id).execute();
          await trx
            .insertInto('mandat_pjs')
            .values({ ...pj, id: newId(), id_unique: await mintPjIdUnique(trx, budget.siret, Number(mandat.exercice)), created_at: now, superseded_at: null })
            .execute();
        }
      }
    }
    await trx
      .updateTable('mandats')
      .set({ status: 'in_bordereau', bordereau_id: bordereauId, updated_at: now })
      .where('id', 'in', mandats.map((mandat) => mandat.id))
      .execute();
    await appendAudit(trx, {
      tenantId,
      actor: auditActor(actor),
      action: 'bordereau.create',
      entity: 'bordereau',
      entityId: bordereauId,
      data: { numero, budget: budget.code, exercice: input.exercice, typBord, mandats: mandats.map((mandat) => mandat.numero), totalTTC: centsToString(ttc) },
      at: now,
    });
    return bordereauId;
  });
  return getBordereau(context.store.db, tenantId, id);
}

export async function getBordereau(db: Db, tenantId: string, bordereauId: string): Promise<BordereauView> {
  const row = await db
    .selectFrom('bordereaux')
    .innerJoin('budgets', 'budgets.id', 'bordereaux.budget_id')
    .selectAll('bordereaux')
    .select('budgets.code as budget_code')
    .where('bordereaux.id', '=', bordereauId)
    .where('bordereaux.tenant_id', '=', tenantId)
    .executeTakeFirst();
  if (!row) throw new MandatError(`Bordereau introuvable : ${bordereauId}.`);
  const mandats = await db
    .selectFrom('bordereau_mandats')
    .innerJoin('mandats', 'mandats.id', 'bordereau_mandats.mandat_id')
    .innerJoin('tiers', 'tiers.id', 'mandats.tiers_id')
    .select(['mandats.id', 'mandats.numero', 'mandats.status', 'mandats.amount_ttc', 'tiers.name'])
    .where('bordereau_mandats.bordereau_id', '=', bordereauId)
    .orderBy('bordereau_mandats.position')
    .execute();
  // The last acquittement of this bordereau: per mandat, the accountant's verdict and reason.
  const acquit = await db.selectFrom('acquits').select('summary_json').where('bordereau_id', '=', bordereauId).orderBy('imported_at', 'desc').limit(1).executeTakeFirst();
  const summary = acquit ? (JSON.parse(acquit.summary_json) as { result?: string; mandats?: { numero: number; status: string; reason: string | null }[] }) : null;
  const verdicts = new Map((summary?.mandats ?? []).map((entry) => [Number(entry.numero), { status: entry.status, reason: entry.reason ?? null }]));
  return {
    id: row.id,
    numero: Number(row.numero),
    budget: row.budget_code,
    exercice: Number(row.exercice),
    typBord: row.typ_bord,
    status: row.status,
    statusLabel: BORDEREAU_STATUS_LABELS[row.status as BordereauStatus] ?? row.status,
    mandats: mandats.map((mandat) => ({
      id: mandat.id,
      numero: Number(mandat.numero),
      reference: mandatReference({ exercice: row.exercice, budgetCode: row.budget_code, numero: mandat.numero }),
      status: mandat.status,
      statusLabel: MANDAT_STATUS_LABELS[mandat.status as MandatStatus] ?? mandat.status,
      montantTTC: mandat.amount_ttc,
      tiers: mandat.name,
      acquit: verdicts.get(Number(mandat.numero)) ?? null,
    })),
    acquitResult: summary?.result ?? null,
    mandatCount: Number(row.mandat_count),
    totalHT: row.total_ht,
    totalTVA: row.total_tva,
    totalTTC: row.total_ttc,
    pesFile: row.pes_filename,
    pesSha256: row.pes_sha256,
    channel: row.channel,
    transmissionId: row.transmission_id,
    transmissionStatus: row.transmission_status,
    rejectionReason: row.rejection_reason,
    createdAt: row.created_at,
    sentAt: row.sent_at,
    acknowledgedAt: row.acknowledged_at,
  };
}

export async function listBordereaux(db: Db, tenantId: string, filter: { budgetCode?: string; exercice?: number; status?: string } = {}): Promise<BordereauView[]> {
  let query = db.selectFrom('bordereaux').innerJoin('budgets', 'budgets.id', 'bordereaux.budget_id').select('bordereaux.id').where('bordereaux.tenant_id', '=', tenantId);
  if (filter.budgetCode) query = query.where('budgets.code', '=', filter.budgetCode);
  if (filter.exercice) query = query.where('bordereaux.exercice', '=', filter.exercice);
  if (filter.status) query = query.where('bordereaux.status', '=', filter.status);
  const rows = await query.orderBy('budgets.code').orderBy('bordereaux.exercice').orderBy('bordereaux.typ_bord').orderBy('bordereaux.numero').execute();
  const views: BordereauView[] = [];
  for (const row of rows) views.push(await getBordereau(db, tenantId, row.id));
  return views;
}

type PesSource = { store: { db: AppContext['store']['db'] }; blobs: AppContext['blobs'] };

type PesScope = {
  /** Only this mandat's piece (an extract): no other mandat's tiers, bank details or PJ. */
  mandatId?: string;
  /** Which PJ version to reference: the one in force when the bordereau was made (a re-emitted mandat got new IdUnique); default the current one. */
  pjAsOf?: string;
  /** Carry the PJ contents in PES_PJ (default true); an extract only references them. */
  pjContents?: boolean;
};

/** Builds the PES document of a bordereau (pieces in memory — small —, PJ opened lazily one by one). */
async function pesDocument(context: PesSource, bordereauId: string, fileName: string, today: string, scope: PesScope = {}): Promise<PesAller> {
  const db = context.store.db;
  const bordereau = await db.selectFrom('bordereaux').selectAll().where('id', '=', bordereauId).executeTakeFirstOrThrow();
  const budget = await db.selectFrom('budgets').selectAll().where('id', '=', bordereau.budget_id).executeTakeFirstOrThrow();
  checkBudgetForPes(budget);
  const regime = vatRegimeOf(budget.vat_regime);
  const mandats = await db
    .selectFrom('bordereau_mandats')
    .innerJoin('mandats', 'mandats.id', 'bordereau_mandats.mandat_id')
    .innerJoin('tiers', 'tiers.id', 'mandats.tiers_id')
    .selectAll('mandats')
    .select(['tiers.name as tiers_name', 'tiers.siret as tiers_siret'])
    .where('bordereau_mandats.bordereau_id', '=', bordereauId)
    .$if(scope.mandatId !== undefined, (query) => query.where('mandats.id', '=', scope.mandatId!))
    .orderBy('mandats.numero')
    .execute();
  const pieces: PesPiece[] = [];
  const pjs: PesAller['pjs'] = [];
  const typBord = bordereau.typ_bord;
  for (const mandat of mandats) {
    const lines = await db
      .selectFrom('mandat_lines')
      .innerJoin('engagements', 'engagements.id', 'mandat_lines.engagement_id')
      .selectAll('mandat_lines')
      .select('engagements.marche')
      .where('mandat_id', '=', mandat.id)
      .orderBy('line_no')
      .execute();
    const original = mandat.original_mandat_id
      ? await db.selectFrom('mandats').select(['numero', 'exercice']).where('id', '=', mandat.original_mandat_id).executeTakeFirst()
      : undefined;
    const asOf = scope.pjAsOf;
    const pjRows = await db
      .selectFrom('mandat_pjs')
      .selectAll()
      .where('mandat_id', '=', mandat.id)
      .$if(asOf === undefined, (query) => query.where('superseded_at', 'is', null))
      // Re-emission supersedes the PJ and mints the new ones at the new bordereau's creation instant.
      .$if(asOf !== undefined, (query) => query.where('created_at', '<=', asOf!).where((eb) => eb.or([eb('superseded_at', 'is', null), eb('superseded_at', '>', asOf!)])))
      .orderBy('position')
      .execute();
    const invoice = mandat.invoice_id ? await db.selectFrom('invoices').select('model_json').where('id', '=', mandat.invoice_id).executeTakeFirst() : undefined;
    const model = invoice?.model_json ? (JSON.parse(invoice.model_json) as Partial<Invoice>) : null;
    const address = model?.seller?.address;
    const frenchAddress =
      address && (address.countryCode ?? 'FR') === 'FR' && address.postCode && /^\d{5}$/.test(address.postCode.trim()) && address.line1 && address.city
        ? { adr2: requiredPesText(address.line1, 38, '-'), cp: address.postCode.trim(), ville: requiredPesText(address.city, 38, '-') }
        : null;
    const tiers = {
      idTiers: mandat.tiers_siret,
      natIdTiers: /^\d{14}$/.test(mandat.tiers_siret) ? '01' : null,
      refTiers: null,
      catTiers: '50',
      natJur: '03',
      nom: requiredPesText(mandat.tiers_name, 38, 'TIERS'),
      address: frenchAddress,
      bank: mandat.iban ? { iban: mandat.iban, bic: mandat.bic, titulaire: requiredPesText(mandat.account_holder ?? mandat.tiers_name, 32, 'TITULAIRE') } : null,
    };
    const refs = pjRows.map((pj) => ({ idUnique: pj.id_unique, nomPj: pesFileName(pj.filename, pj.mime_type), typePj: '003' }));
    pieces.push({
      codServ: pesText(mandat.service_code, 10),
      idPce: Number(mandat.numero),
      typPce: mandat.typ_pce,
      natPce: mandat.nat_pce,
      obj: pesText(mandat.objet, 100),
      pjRefs: refs,
      dgp: mandat.dgp_start && mandat.dgp_expiry && mandat.dgp_days ? { start: mandat.dgp_start, end: mandat.dgp_expiry, days: Number(mandat.dgp_days) } : null,
      lines: lines.map((line) => {
        const amounts = pesLineAmounts({ htCents: Number(line.amount_ht_cents), tvaCents: Number(line.amount_tva_cents), ttcCents: Number(line.amount_ttc_cents) }, regime);
        return {
          idLigne: Number(line.line_no),
          nature: line.nature,
          fonction: line.fonction || null,
          operation: line.operation || null,
          facture: pesText(line.invoice_number, 20),
          libVir1: pesText(line.invoice_number ? `FACT ${line.invoice_number}` : mandat.objet, 70),
          modRegl: mandat.mode_reglement,
          ...amounts,
          rattach: original ? { natPceOrig: '01', exerRat: Number(original.exercice), idPceOrig: Number(original.numero), idLigneOrig: Number(line.line_no) } : null,
          idMarche: pesText(line.marche, 30),
          tiers,
        };
      }),
    });
    for (const pj of scope.pjContents === false ? [] : pjRows) {
      const nomPj = pesFileName(pj.filename, pj.mime_type);
      pjs.push({
        idUnique: pj.id_unique,
        nomPj,
        mimeType: pesMimeType(pj.mime_type, pj.filename),
        typePj: '003',
        description: requiredPesText(pj.description, 250, nomPj),
        refCompta: { exercice: Number(mandat.exercice), typeObjet: typBord, identifiant: String(mandat.numero) },
        open: () => context.blobs.createReadStream(pj.sha256),
      });
    }
  }
  // MtCumulAnnuel: what the budget has mandated this exercice in this kind of bordereau, this one included.
  const cumul = await db
    .selectFrom('mandats')
    .select((eb) => eb.fn.coalesce(eb.fn.sum<number>('liquidated_cents'), sql<number>`0`).as('total'))
    .where('budget_id', '=', budget.id)
    .where('exercice', '=', bordereau.exercice)
    .where('kind', '=', typBord === '02' ? 'annulation' : 'ordinaire')
    .where((eb) => eb.or([eb('status', 'in', ['sent', 'accepted']), eb('bordereau_id', '=', bordereauId)]))
    .executeTakeFirstOrThrow();
  return {
    fileName,
    generatedOn: today,
    emitter: LIASSE_EMITTER,
    header: {
      idPost: budget.idpost!,
      idColl: budget.siret,
      codCol: budget.codcol!,
      codBud: budget.codbud!,
      libelleColBud: pesText(budget.label, 38),
    },
    bordereaux: [
      {
        exer: Number(bordereau.exercice),
        idBord: Number(bordereau.numero),
        date: bordereau.created_at.slice(0, 10),
        typBord,
        // An extract is not the bordereau: no annual cumul (its totals are the one piece's).
        mtCumulAnnuel: scope.mandatId === undefined && Number(cumul.total) > 0 ? centsToString(Number(cumul.total)) : null,
        pieces,
      },
    ],
    pjs,
  };
}

/**
 * The PES extract of one mandat as a bordereau carried it, for the archive (domain.md §2.3): a
 * PES_Aller with that bordereau's header and only this mandat's Piece, lines, tiers and PJ
 * references (the PJ themselves travel beside it in the archive, so no PES_PJ). Named and
 * NomFic-ed as an extract, never mistaken for the file sent to Hélios. Latin-1 bytes, schema-valid.
 */
export async function mandatPesExtract(context: PesSource, input: { mandatId: string; bordereauId: string }): Promise<{ fileName: string; bytes: Buffer }> {
  const db = context.store.db;
  const bordereau = await db.selectFrom('bordereaux').select(['numero', 'exercice', 'created_at', 'pes_filename']).where('id', '=', input.bordereauId).executeTakeFirstOrThrow();
  const mandat = await db.selectFrom('mandats').innerJoin('budgets', 'budgets.id', 'mandats.budget_id').select(['mandats.numero', 'mandats.exercice', 'budgets.code']).where('mandats.id', '=', input.mandatId).executeTakeFirstOrThrow();
  const reference = mandatReference({ exercice: mandat.exercice, budgetCode: mandat.code, numero: mandat.numero });
  const fileName = `EXTRAIT_mandat-${reference}_bordereau-${bordereau.exercice}-${bordereau.numero}${bordereau.pes_filename ? `_${bordereau.pes_filename.replace(/\.xml$/i, '')}` : ''}.xml`;
  const document = await pesDocument(context, input.bordereauId, fileName, bordereau.created_at.slice(0, 10), { mandatId: input.mandatId, pjAsOf: bordereau.created_at, pjContents: false });
  const chunks: Buffer[] = [];
  const sink = new PassThrough();
  sink.on('data', (chunk: Buffer) => chunks.push(chunk));
  await writePesAller(document, sink);
  sink.end();
  return { fileName, bytes: Buffer.concat(chunks) };
}

export type PesFile = { path: string; fileName: string; sha256: string; size: number };

/**
 * Writes the bordereau's PES_Aller to `outFile` (default: the data directory's pes/ folder) and keeps
 * a copy in the blob store. Its NomFic is fixed at the first generation, so a bordereau regenerated
 * before sending keeps its name (the acquittement is matched on it).
 */
export async function generateBordereauPes(
  context: AppContext,
  tenantId: string,
  actor: Actor,
  input: { bordereauId: string; outFile?: string; today?: string },
): Promise<PesFile> {
  requirePermission(actor, 'bordereau.sign');
  const today = input.today ?? new Date().toISOString().slice(0, 10);
  const fileName = await context.store.db.transaction().execute(async (trx) => {
    const row = await trx.selectFrom('bordereaux').innerJoin('budgets', 'budgets.id', 'bordereaux.budget_id').select(['bordereaux.pes_filename', 'budgets.siret']).where('bordereaux.id', '=', input.bordereauId).where('bordereaux.tenant_id', '=', tenantId).executeTakeFirst();
    if (!row) throw new MandatError(`Bordereau introuvable : ${input.bordereauId}.`);
    if (row.pes_filename) return row.pes_filename;
    const counter = await nextInSequence(trx, `pes_file:${row.siret}:${today}`);
    const name = pesAllerFileName(row.siret, today, counter);
    await trx.updateTable('bordereaux').set({ pes_filename: name, updated_at: new Date().toISOString() }).where('id', '=', input.bordereauId).execute();
    return name;
  });
  const document = await pesDocument(context, input.bordereauId, fileName, today);
  const target = input.outFile ?? path.join(context.config.dataDir, 'pes', fileName);
  await fsp.mkdir(path.dirname(path.resolve(target)), { recursive: true });
  const temporary = `${target}.${process.pid}.tmp`;
  const hash = createHash('sha256');
  const tee = new PassThrough();
  tee.on('data', (chunk: Buffer) => hash.update(chunk));
  const file = fs.createWriteStream(temporary);
  tee.pipe(file);
  let size: number;
  try {
    size = await writePesAller(document, tee);
    tee.end();
    await new Promise<void>((resolve, reject) => {
      file.on('finish', resolve);
      file.on('error', reject);
    });
    await fsp.rename(temporary, target);
  } catch (error) {
    await fsp.rm(temporary, { force: true });
    throw error;
  }
  const sha256 = hash.digest('hex');
  await context.blobs.putStream(fs.createReadStream(target));
  await context.store.db.transaction().execute(async (trx) => {
    await trx.updateTable('bordereaux').set({ pes_sha256: sha256, pes_size: size, updated_at: new Date().toISOString() }).where('id', '=', input.bordereauId).execute();
    await appendAudit(trx, { tenantId, actor: auditActor(actor), action: 'bordereau.pes', entity: 'bordereau', entityId: input.bordereauId, data: { fileName, sha256, size } });
  });
  return { path: path.resolve(target), fileName, sha256, size };
}

/**
 * Sends the bordereau's PES through `channel` and records it: bordereau and mandats "sent", each
 * invoice "sent_to_accountant" (with its Chorus status queued, skipped when Hélios posts it itself).
 */
export async function sendBordereau(
  context: AppContext,
  tenantId: string,
  actor: Actor,
  input: { bordereauId: string; channel: Teletransmission },
): Promise<BordereauView> {
  requirePermission(actor, 'bordereau.sign');
  const current = await getBordereau(context.store.db, tenantId, input.bordereauId);
  if (current.status !== 'ready') throw new MandatError(`Le bordereau n° ${current.numero} est « ${current.statusLabel} » : il ne se renvoie pas.`);
  const pes = await generateBordereauPes(context, tenantId, actor, { bordereauId: input.bordereauId });
  const sent = await input.channel.send({ path: pes.path, fileName: pes.fileName });
  const now = new Date().toISOString();
  await context.store.db.transaction().execute(async (trx) => {
    await trx
      .updateTable('bordereaux')
      .set({ status: 'sent', channel: input.channel.channel, transmission_id: sent.transmissionId, transmission_status: sent.message, sent_at: now, updated_at: now })
      .where('id', '=', input.bordereauId)
      .execute();
    const mandats = await trx.selectFrom('mandats').select(['id', 'numero']).where('bordereau_id', '=', input.bordereauId).execute();
    await trx.updateTable('mandats').set({ status: 'sent', sent_at: now, updated_at: now, correction_reason: null }).where('bordereau_id', '=', input.bordereauId).execute();
    const lines = await trx
      .selectFrom('mandat_lines')
      .innerJoin('mandats', 'mandats.id', 'mandat_lines.mandat_id')
      .select(['mandat_lines.invoice_id', 'mandats.numero', 'mandats.kind'])
      .where('mandats.bordereau_id', '=', input.bordereauId)
      .execute();
    const invoices = new Map<string, number>();
    for (const line of lines) if (line.invoice_id && line.kind === 'ordinaire') invoices.set(line.invoice_id, Number(line.numero));
    for (const [invoiceId, numero] of invoices) {
      // First sending, or re-emission of a mandat the comptable sent back (the invoice is mandated again).
      const move = await setInvoiceStatus(trx, invoiceId, 'sent_to_accountant');
      const chorus = chorusStatusOfEvent('sent_to_accountant');
      if (move && chorus) {
        const numeroDPMandat = mandatReference({ exercice: current.exercice, budgetCode: current.budget, numero });
        await enqueueChorusStatus(trx, { tenantId, invoiceId, status: chorus, numeroDPMandat, actor });
      }
      await appendAudit(trx, {
        tenantId,
        actor: auditActor(actor),
        action: 'bordereau.send',
        entity: 'invoice',
        entityId: invoiceId,
        data: { bordereauId: input.bordereauId, bordereau: current.numero, mandat: numero, fichier: pes.fileName, status: move?.to ?? null, ...(move ? { from: move.from, to: move.to } : {}) },
      });
    }
    await appendAudit(trx, {
      tenantId,
      actor: auditActor(actor),
      action: 'bordereau.send',
      entity: 'bordereau',
      entityId: input.bordereauId,
      data: { numero: current.numero, channel: input.channel.channel, transmissionId: sent.transmissionId, fileName: pes.fileName, sha256: pes.sha256, mandats: mandats.map((mandat) => mandat.numero) },
      at: now,
    });
  });
  return getBordereau(context.store.db, tenantId, input.bordereauId);
}
