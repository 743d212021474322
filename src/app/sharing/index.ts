// Read-only links to an invoice's dossier (PDF and files, data, timeline) for a person without an
// account — a supplier, an auditor. The token is shown once; only its SHA-256 is stored. Links
// expire, can be revoked, and every opening (and every refused attempt on a known link) is written
// to the invoice's audit trail. The web layer serves the page by calling openShareLink().
import { createHash, randomBytes } from 'node:crypto';
import type { Readable } from 'node:stream';
import type { Kysely } from 'kysely';
import { newId } from '../../domain/ids.ts';
import { type Actor, requirePermission } from '../../domain/roles.ts';
import { appendAudit } from '../../store/audit.ts';
import type { BlobStore } from '../../store/blob-store.ts';
import type { Database } from '../../store/schema.ts';
import { getInvoiceDossier, type InvoiceDossier } from '../archive/view.ts';
import { actorName } from '../deadlines/index.ts';

/** The web application's page for a shared dossier (web/src/App.tsx routes `/partage/:token`). */
export const SHARE_PAGE_PREFIX = '/partage/';

/**
 * The one place a share link's address is built (the CLI prints it, the API returns it): the page
 * path alone, or the absolute URL when the installation's public base URL is known.
 */
export function shareLinkUrl(token: string, baseUrl?: string | null): string {
  const pagePath = `${SHARE_PAGE_PREFIX}${encodeURIComponent(token)}`;
  const base = baseUrl?.trim().replace(/\/+$/, '');
  return base ? `${base}${pagePath}` : pagePath;
}

export const DEFAULT_SHARE_DAYS = 30;
export const MAX_SHARE_DAYS = 365;

export type ShareLink = {
  id: string;
  invoiceId: string;
  recipient: string | null;
  createdBy: string;
  createdAt: string;
  expiresAt: string;
  revokedAt: string | null;
  openCount: number;
  lastOpenedAt: string | null;
  state: 'active' | 'expired' | 'revoked';
};

export class ShareLinkError extends Error {
  constructor(
    readonly reason: 'unknown' | 'expired' | 'revoked' | 'not_found',
    message: string,
  ) {
    super(message);
    this.name = 'ShareLinkError';
  }
}

function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

type ShareRow = Database['share_links'] extends infer T ? { [K in keyof T]: T[K] } : never;

function toLink(row: ShareRow, now: Date): ShareLink {
  const state = row.revoked_at ? 'revoked' : row.expires_at <= now.toISOString() ? 'expired' : 'active';
  return {
    id: row.id,
    invoiceId: row.invoice_id,
    recipient: row.recipient,
    createdBy: row.created_by,
    createdAt: row.created_at,
    expiresAt: row.expires_at,
    revokedAt: row.revoked_at,
    openCount: Number(row.open_count),
    lastOpenedAt: row.last_opened_at,
    state,
  };
}

export async function createShareLink(
  db: Kysely<Database>,
  input: { invoiceId: string; days?: number; recipient?: string | null },
  actor: Actor,
  now: Date = new Date(),
): Promise<{ link: ShareLink; token: string }> {
  requirePermission(actor, 'share.create');
  const days = input.days ?? DEFAULT_SHARE_DAYS;
  if (!Number.isInteger(days) || days < 1 || days > MAX_SHARE_DAYS) throw new RangeError(`Durée de validité invalide : ${days} jours (1 à ${MAX_SHARE_DAYS}).`);
  const invoice = await db.selectFrom('invoices').select(['id', 'tenant_id']).where('id', '=', input.invoiceId).executeTakeFirst();
  if (!invoice) throw new ShareLinkError('not_found', `Facture introuvable : ${input.invoiceId}`);
  const token = randomBytes(32).toString('base64url');
  const id = newId();
  const row: ShareRow = {
    id,
    tenant_id: invoice.tenant_id,
    invoice_id: invoice.id,
    token_hash: hashToken(token),
    recipient: input.recipient?.trim() || null,
    created_by: actorName(actor),
    created_at: now.toISOString(),
    expires_at: new Date(now.getTime() + days * 86_400_000).toISOString(),
    revoked_at: null,
    revoked_by: null,
    open_count: 0,
    last_opened_at: null,
  };
  await db.transaction().execute(async (trx) => {
    await trx.insertInto('share_links').values(row).execute();
    await appendAudit(trx, { tenantId: invoice.tenant_id, actor: actorName(actor), action: 'share.create', entity: 'invoice', entityId: invoice.id, data: { shareId: id, recipient: row.recipient, expiresAt: row.expires_at } });
  });
  return { link: toLink(row, now), token };
}

export async function revokeShareLink(db: Kysely<Database>, id: string, actor: Actor, now: Date = new Date()): Promise<ShareLink> {
  requirePermission(actor, 'share.create');
  return db.transaction().execute(async (trx) => {
    const row = await trx.selectFrom('share_links').selectAll().where('id', '=', id).executeTakeFirst();
    if (!row) throw new ShareLinkError('not_found', `Lien de partage introuvable : ${id}`);
    if (row.revoked_at) return toLink(row, now);
    await trx.updateTable('share_links').set({ revoked_at: now.toISOString(), revoked_by: actorName(actor) }).where('id', '=', id).execute();
    await appendAudit(trx, { tenantId: row.tenant_id, actor: actorName(actor), action: 'share.revoke', entity: 'invoice', entityId: row.invoice_id, data: { shareId: id } });
    return toLink({ ...row, revoked_at: now.toISOString(), revoked_by: actorName(actor) }, now);
  });
}

export async function listShareLinks(db: Kysely<Database>, filter: { invoiceId?: string; tenantId?: string } = {}, now: Date = new Date()): Promise<ShareLink[]> {
  let query = db.selectFrom('share_links').selectAll().orderBy('created_at', 'desc');
  if (filter.invoiceId) query = query.where('invoice_id', '=', filter.invoiceId);
  if (filter.tenantId) query = query.where('tenant_id', '=', filter.tenantId);
  return (await query.execute()).map((row) => toLink(row, now));
}

export type OpenMeta = { ip?: string | null; userAgent?: string | null; now?: Date };

export type SharedDossier = { link: { expiresAt: string; recipient: string | null }; dossier: InvoiceDossier };

async function resolve(db: Kysely<Database>, token: string, meta: OpenMeta, what: string): Promise<ShareRow> {
  const now = meta.now ?? new Date();
  const row = typeof token === 'string' && token.length >= 20 ? await db.selectFrom('share_links').selectAll().where('token_hash', '=', hashToken(token)).executeTakeFirst() : undefined;
  if (!row) throw new ShareLinkError('unknown', "Ce lien de partage n'existe pas.");
  const refused = row.revoked_at ? 'revoked' : row.expires_at <= now.toISOString() ? 'expired' : null;
  await db.transaction().execute(async (trx) => {
    if (!refused) {
      await trx
        .updateTable('share_links')
        .set((eb) => ({ open_count: eb('open_count', '+', 1), last_opened_at: now.toISOString() }))
        .where('id', '=', row.id)
        .execute();
    }
    await appendAudit(trx, {
      tenantId: row.tenant_id,
      actor: `share:${row.id}`,
      action: refused ? 'share.open_refused' : 'share.open',
      entity: 'invoice',
      entityId: row.invoice_id,
      at: now.toISOString(),
      data: { shareId: row.id, what, recipient: row.recipient, ip: meta.ip ?? null, userAgent: meta.userAgent?.slice(0, 200) ?? null, ...(refused ? { reason: refused } : {}) },
    });
  });
  if (refused === 'revoked') throw new ShareLinkError('revoked', 'Ce lien de partage a été révoqué.');
  if (refused === 'expired') throw new ShareLinkError('expired', 'Ce lien de partage a expiré.');
  return row;
}

/** The dossier behind a token (read-only); logs the opening. Throws ShareLinkError when refused. */
export async function openShareLink(db: Kysely<Database>, token: string, meta: OpenMeta = {}): Promise<SharedDossier> {
  const row = await resolve(db, token, meta, 'dossier');
  const dossier = await getInvoiceDossier(db, row.invoice_id);
  if (!dossier) throw new ShareLinkError('not_found', "La facture de ce lien n'existe plus.");
  return { link: { expiresAt: row.expires_at, recipient: row.recipient }, dossier };
}

/** One file of the shared dossier (the PDF, an attachment); only files of that invoice; logged. */
export async function openShareLinkFile(
  db: Kysely<Database>,
  blobs: BlobStore,
  token: string,
  sha256: string,
  meta: OpenMeta = {},
): Promise<{ filename: string; mimeType: string | null; size: number; stream: Readable }> {
  const row = await resolve(db, token, meta, `file:${sha256}`);
  const file = await db.selectFrom('invoice_files').selectAll().where('invoice_id', '=', row.invoice_id).where('sha256', '=', sha256).executeTakeFirst();
  if (!file) throw new ShareLinkError('not_found', "Ce fichier ne fait pas partie du dossier partagé.");
  return { filename: file.filename, mimeType: file.mime_type, size: Number(file.size), stream: blobs.createReadStream(sha256) };
}
