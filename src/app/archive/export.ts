// SEDA 2.2 export of mandat dossiers (domain.md §2.3): `liasse archive export --mandat ID`, by
// bordereau or by period. Each mandat becomes an ArchiveUnit holding the invoice (original,
// attachments, pivot, PDF rendition, history) and the mandat (data extract, and for each bordereau
// that carried it a PES extract of its own piece and the acquittement lines that concern it). Stored files stream from the blob store and are re-hashed on the way.
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { createHash } from 'node:crypto';
import type { Kysely } from 'kysely';
import { newId } from '../../domain/ids.ts';
import type { Actor } from '../../domain/roles.ts';
import { buildArchiveTransfer, type SedaArchiveUnit, type SedaBinaryObject, type SedaKeyword } from '../../formats/seda/manifest.ts';
import { type PackageFile, writeSedaPackage } from '../../formats/seda/package.ts';
import { buildPesAcquit } from '../../formats/pes/acquit-writer.ts';
import { acquitExtract, parsePesAcquit } from '../../formats/pes/acquit.ts';
import { mandatReference } from '../../domain/mandat/number.ts';
import { appendAudit } from '../../store/audit.ts';
import type { BlobStore } from '../../store/blob-store.ts';
import type { Database } from '../../store/schema.ts';
import { actorName } from '../deadlines/index.ts';
import { mandatPesExtract } from '../mandate/bordereaux.ts';
import { getInvoiceTimeline } from '../timeline/index.ts';
import { getRetentionRule, retentionEnd } from './retention.ts';
import type { ArchiveSettings } from './settings.ts';

export type ExportSelector =
  | { mandatId: string }
  | { bordereauId: string }
  | { tenantId: string; from: string; to: string };

export type ExportResult = {
  out: string;
  messageIdentifier: string;
  mandats: number;
  invoices: number;
  files: { path: string; sha256: string; size: number }[];
};

export class ExportError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ExportError';
  }
}

type Collected = { objects: SedaBinaryObject[]; files: PackageFile[]; counter: number };

const MIME_BY_EXTENSION: Record<string, string> = {
  '.pdf': 'application/pdf',
  '.xml': 'application/xml',
  '.json': 'application/json',
  '.txt': 'text/plain',
  '.csv': 'text/csv',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.zip': 'application/zip',
};

function safeName(value: string): string {
  return value.normalize('NFKD').replace(/[^\w.-]+/g, '_').replace(/^_+|_+$/g, '').slice(0, 80) || 'fichier';
}

function addStored(collected: Collected, blobs: BlobStore, folder: string, file: { filename: string; sha256: string; size: number; mimeType: string | null }): string {
  collected.counter += 1;
  const id = `BDO-${collected.counter}`;
  const uri = `content/${folder}/${collected.counter}-${safeName(file.filename)}`;
  const mimeType = file.mimeType ?? MIME_BY_EXTENSION[path.extname(file.filename).toLowerCase()] ?? 'application/octet-stream';
  collected.objects.push({ id, uri, sha256: file.sha256, size: file.size, mimeType, filename: file.filename });
  collected.files.push({ path: uri, sha256: file.sha256, size: file.size, open: () => blobs.createReadStream(file.sha256) });
  return id;
}

function addGenerated(collected: Collected, folder: string, filename: string, mimeType: string, content: string | Buffer): string {
  const buffer = typeof content === 'string' ? Buffer.from(content, 'utf8') : content;
  const sha256 = createHash('sha256').update(buffer).digest('hex');
  collected.counter += 1;
  const id = `BDO-${collected.counter}`;
  const uri = `content/${folder}/${collected.counter}-${safeName(filename)}`;
  collected.objects.push({ id, uri, sha256, size: buffer.length, mimeType, filename });
  collected.files.push({ path: uri, sha256, size: buffer.length, open: () => Readable.from([buffer]) });
  return id;
}

async function mandatIdsFor(db: Kysely<Database>, selector: ExportSelector): Promise<{ ids: string[]; title: string | null; tenantId: string }> {
  if ('mandatId' in selector) {
    const mandat = await db.selectFrom('mandats').select(['id', 'tenant_id']).where('id', '=', selector.mandatId).executeTakeFirst();
    if (!mandat) throw new ExportError(`Mandat introuvable : ${selector.mandatId}`);
    return { ids: [mandat.id], title: null, tenantId: mandat.tenant_id };
  }
  if ('bordereauId' in selector) {
    const bordereau = await db.selectFrom('bordereaux').select(['id', 'tenant_id', 'numero', 'exercice']).where('id', '=', selector.bordereauId).executeTakeFirst();
    if (!bordereau) throw new ExportError(`Bordereau introuvable : ${selector.bordereauId}`);
    const linked = await db.selectFrom('bordereau_mandats').select('mandat_id').where('bordereau_id', '=', bordereau.id).orderBy('position').execute();
    const direct = await db.selectFrom('mandats').select('id').where('bordereau_id', '=', bordereau.id).orderBy('numero').execute();
    const ids = [...new Set([...linked.map((row) => row.mandat_id), ...direct.map((row) => row.id)])];
    if (ids.length === 0) throw new ExportError(`Le bordereau ${bordereau.numero}/${bordereau.exercice} ne porte aucun mandat.`);
    return { ids, title: `Bordereau n°${bordereau.numero} – exercice ${bordereau.exercice}`, tenantId: bordereau.tenant_id };
  }
  const rows = await db
    .selectFrom('mandats')
    .select('id')
    .where('tenant_id', '=', selector.tenantId)
    .where('created_at', '>=', selector.from)
    .where('created_at', '<', `${selector.to}T99`) // the whole last day, ISO instants sort as text
    .orderBy('exercice')
    .orderBy('numero')
    .execute();
  if (rows.length === 0) throw new ExportError(`Aucun mandat entre le ${selector.from} et le ${selector.to}.`);
  return { ids: rows.map((row) => row.id), title: `Mandats du ${selector.from} au ${selector.to}`, tenantId: selector.tenantId };
}

/**
 * Writes the package to `out` (through a temporary file renamed at the end: a failed export
 * leaves no half-written ZIP) and records the transfer in the audit log of each invoice.
 */
export async function exportArchivePackage(
  context: { store: { db: Kysely<Database> }; blobs: BlobStore },
  selector: ExportSelector,
  out: string,
  settings: ArchiveSettings,
  actor: Actor,
  now: Date = new Date(),
): Promise<ExportResult> {
  const db = context.store.db;
  const { ids, title, tenantId } = await mandatIdsFor(db, selector);
  const tenant = await db.selectFrom('tenants').selectAll().where('id', '=', tenantId).executeTakeFirstOrThrow();
  const agencyId = tenant.siren ?? tenant.id;
  const collected: Collected = { objects: [], files: [], counter: 0 };
  const units: SedaArchiveUnit[] = [];
  const invoiceIds = new Set<string>();
  let minDate: string | null = null;
  let maxExercice = 0;
  let messageIdentifier = '';

  for (const mandatId of ids) {
    const mandat = await db.selectFrom('mandats').selectAll().where('id', '=', mandatId).executeTakeFirstOrThrow();
    const budget = await db.selectFrom('budgets').select(['code', 'label']).where('id', '=', mandat.budget_id).executeTakeFirst();
    const tiers = await db.selectFrom('tiers').select(['name', 'siret']).where('id', '=', mandat.tiers_id).executeTakeFirst();
    const lines = await db.selectFrom('mandat_lines').selectAll().where('mandat_id', '=', mandat.id).orderBy('line_no').execute();
    const bordereauIds = new Set<string>();
    if (mandat.bordereau_id) bordereauIds.add(mandat.bordereau_id);
    for (const row of await db.selectFrom('bordereau_mandats').select('bordereau_id').where('mandat_id', '=', mandat.id).execute()) bordereauIds.add(row.bordereau_id);
    const bordereaux = bordereauIds.size
      ? await db.selectFrom('bordereaux').selectAll().where('id', 'in', [...bordereauIds]).orderBy('created_at').execute()
      : [];
    const acquits = bordereauIds.size ? await db.selectFrom('acquits').selectAll().where('bordereau_id', 'in', [...bordereauIds]).execute() : [];
    maxExercice = Math.max(maxExercice, mandat.exercice);
    const mandatFolder = `mandat-${mandat.exercice}-${mandat.numero}`;
    const reference = mandatReference({ exercice: mandat.exercice, budgetCode: budget?.code ?? 'B', numero: mandat.numero });

    // The mandat: a data extract, then the PES files that carried it and their acquittements.
    const mandatObjects = [
      addGenerated(
        collected,
        mandatFolder,
        `mandat-${mandat.exercice}-${mandat.numero}.json`,
        'application/json',
        JSON.stringify({ mandat, lignes: lines, budget, tiers, bordereaux: bordereaux.map((b) => ({ id: b.id, numero: b.numero, exercice: b.exercice, status: b.status, pes_filename: b.pes_filename })) }, null, 2),
      ),
    ];
    // Never a bordereau's whole PES or acquittement: they carry the other mandats' suppliers, bank
    // details and PJ. An extract for this mandat of each bordereau that carried it, and of each
    // acquittement the lines that concern it.
    for (const bordereau of bordereaux) {
      if (!bordereau.pes_sha256 && !bordereau.sent_at) continue; // never generated nor sent: nothing left Liasse
      const extract = await mandatPesExtract(context, { mandatId: mandat.id, bordereauId: bordereau.id });
      mandatObjects.push(addGenerated(collected, mandatFolder, extract.fileName, 'application/xml', extract.bytes));
    }
    const idUniques = (await db.selectFrom('mandat_pjs').select('id_unique').where('mandat_id', '=', mandat.id).execute()).map((row) => row.id_unique);
    for (const acquit of acquits) {
      const carrier = bordereaux.find((bordereau) => bordereau.id === acquit.bordereau_id)!;
      const parsed = parsePesAcquit(await context.blobs.get(acquit.sha256));
      const extract = acquitExtract(parsed, { numBord: Number(carrier.numero), exercice: Number(carrier.exercice), numPiece: Number(mandat.numero), idUniques });
      const name = `EXTRAIT_mandat-${reference}_ACQUIT_${acquit.nom_fic.replace(/\.xml$/i, '')}.xml`;
      mandatObjects.push(addGenerated(collected, mandatFolder, name, 'application/xml', buildPesAcquit(extract)));
    }

    // The invoices of the mandat (a mandat may gather several invoices of one tiers).
    const mandatInvoiceIds = [...new Set([mandat.invoice_id, ...lines.map((line) => line.invoice_id)].filter((id): id is string => id !== null))];
    const invoiceUnits: SedaArchiveUnit[] = [];
    for (const invoiceId of mandatInvoiceIds) {
      invoiceIds.add(invoiceId);
      const invoice = await db.selectFrom('invoices').selectAll().where('id', '=', invoiceId).executeTakeFirstOrThrow();
      const files = await db.selectFrom('invoice_files').selectAll().where('invoice_id', '=', invoiceId).orderBy('position').execute();
      const folder = `facture-${safeName(invoice.number ?? String(invoice.chorus_id))}`;
      const objects: string[] = [];
      const seen = new Set(files.map((file) => file.sha256));
      for (const file of files) objects.push(addStored(collected, context.blobs, folder, { filename: file.filename, sha256: file.sha256, size: Number(file.size), mimeType: file.mime_type }));
      // Files referenced by the invoice row but not listed in invoice_files (older syncs).
      for (const [role, sha256] of [['original', invoice.original_sha256], ['pivot', invoice.pivot_sha256], ['pdf', invoice.pdf_sha256]] as const) {
        if (!sha256 || seen.has(sha256)) continue;
        seen.add(sha256);
        const size = (await fsp.stat(context.blobs.pathOf(sha256))).size;
        objects.push(addStored(collected, context.blobs, folder, { filename: `${role}-${invoice.number ?? invoice.chorus_id}${role === 'pivot' ? '.xml' : role === 'pdf' ? '.pdf' : ''}`, sha256, size, mimeType: role === 'pivot' ? 'application/xml' : role === 'pdf' ? 'application/pdf' : null }));
      }
      const timeline = await getInvoiceTimeline(db, invoiceId);
      objects.push(addGenerated(collected, folder, 'historique.json', 'application/json', JSON.stringify({ facture: invoice.id, idFacture: invoice.chorus_id, historique: timeline }, null, 2)));
      const issue = invoice.issue_date ?? invoice.created_at.slice(0, 10);
      if (minDate === null || issue < minDate) minDate = issue;
      invoiceUnits.push({
        id: `AU-${mandatFolder}-${folder}`,
        level: 'Item',
        title: `Facture ${invoice.number ?? '(sans numéro)'} – ${invoice.seller_name ?? 'fournisseur inconnu'}`,
        keywords: ([
          { type: 'subject', content: invoice.number ?? '', reference: 'numero_facture' },
          { type: 'subject', content: String(invoice.chorus_id), reference: 'id_chorus' },
          ...(invoice.seller_siret ? [{ type: 'corpname' as const, content: invoice.seller_siret, reference: 'siret_fournisseur' }] : []),
          ...(invoice.order_reference ? [{ type: 'subject' as const, content: invoice.order_reference, reference: 'numero_engagement' }] : []),
          ...(invoice.contract_reference ? [{ type: 'subject' as const, content: invoice.contract_reference, reference: 'numero_marche' }] : []),
          ...(invoice.amount_ttc ? [{ type: 'subject' as const, content: invoice.amount_ttc, reference: 'montant_ttc' }] : []),
        ] satisfies SedaKeyword[]).filter((keyword) => keyword.content !== ''),
        originatingAgency: agencyId,
        startDate: issue,
        endDate: invoice.chorus_status_at ?? invoice.updated_at,
        objects,
      });
    }

    const imputations = [...new Set(lines.map((line) => [line.chapitre, line.nature, line.fonction].filter(Boolean).join('/')))];
    const mandatUnit: SedaArchiveUnit = {
      id: `AU-${mandatFolder}`,
      level: 'File',
      title: `Mandat ${mandat.numero}/${mandat.exercice} – ${tiers?.name ?? 'tiers'} – ${mandat.objet}`,
      keywords: [
        { type: 'subject', content: `${mandat.numero}`, reference: 'numero_mandat' },
        { type: 'subject', content: String(mandat.exercice), reference: 'exercice' },
        ...(budget ? [{ type: 'subject' as const, content: budget.code, reference: 'budget' }] : []),
        ...(tiers ? [{ type: 'corpname' as const, content: `${tiers.name} (${tiers.siret})`, reference: 'tiers' }] : []),
        ...imputations.filter((value) => value !== '').map((value) => ({ type: 'subject' as const, content: value, reference: 'imputation' })),
        { type: 'subject', content: mandat.amount_ttc, reference: 'montant_ttc' },
      ],
      originatingAgency: agencyId,
      startDate: minDate,
      endDate: mandat.acknowledged_at ?? mandat.sent_at ?? mandat.created_at,
      children: [
        ...invoiceUnits,
        { id: `AU-${mandatFolder}-piece`, level: 'Item', title: `Mandat ${mandat.numero} (pièce comptable, PES)`, objects: mandatObjects },
      ],
    };
    units.push(mandatUnit);
    if (ids.length === 1) messageIdentifier = `${agencyId}-${budget?.code ?? 'B'}-${mandat.exercice}-MDT-${mandat.numero}`;
  }
  if (!messageIdentifier) messageIdentifier = `${agencyId}-${'bordereauId' in selector ? `BRD-${selector.bordereauId}` : `PERIODE-${ids.length}`}-${now.toISOString().slice(0, 10)}`;

  const rule = await getRetentionRule(db, tenantId, 'mandat');
  const topUnits: SedaArchiveUnit[] = title ? [{ id: 'AU-lot', level: 'RecordGrp', title, originatingAgency: agencyId, children: units }] : units;
  const manifest = buildArchiveTransfer({
    comment: `Dossier de mandatement – ${tenant.name} – ${title ?? units[0]?.title ?? ''}`,
    date: now.toISOString(),
    messageIdentifier,
    archivalAgreement: settings.archivalAgreement,
    archivalProfile: settings.archivalProfile,
    archivalAgency: { identifier: settings.archivalAgency },
    transferringAgency: { identifier: agencyId },
    originatingAgencyIdentifier: agencyId,
    appraisal: { rule: rule.appraisalRuleCode, startDate: `${maxExercice}-12-31`, finalAction: rule.finalAction === 'keep' ? 'Keep' : 'Destroy' },
    access: { rule: settings.accessRule, startDate: now.toISOString().slice(0, 10) },
    objects: collected.objects,
    units: topUnits,
  });

  const target = path.resolve(out);
  await fsp.mkdir(path.dirname(target), { recursive: true });
  const temporary = `${target}.${process.pid}.${newId().slice(-8)}.part`;
  try {
    await writeSedaPackage(fs.createWriteStream(temporary), manifest, collected.files);
    await fsp.rename(temporary, target);
  } catch (error) {
    await fsp.rm(temporary, { force: true });
    throw error;
  }

  await db.transaction().execute(async (trx) => {
    for (const invoiceId of invoiceIds) {
      await appendAudit(trx, {
        tenantId,
        actor: actorName(actor),
        action: 'archive.export',
        entity: 'invoice',
        entityId: invoiceId,
        data: { messageIdentifier, file: path.basename(target), retentionEnd: retentionEnd(maxExercice, rule.years) },
      });
    }
  });
  return {
    out: target,
    messageIdentifier,
    mandats: ids.length,
    invoices: invoiceIds.size,
    files: collected.files.map((file) => ({ path: file.path, sha256: file.sha256, size: file.size })),
  };
}
