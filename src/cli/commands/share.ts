import { openContext } from '../../app/context.ts';
import { findInvoiceId } from '../../app/decisions/lookup.ts';
import { createShareLink, listShareLinks, revokeShareLink, shareLinkUrl } from '../../app/sharing/index.ts';
import { resolveTenantId } from '../../app/tenants.ts';
import { CLI_ACTOR } from '../../domain/roles.ts';
import { invoiceArgument, parseCommand, printJson, STORE_OPTIONS, storeOverrides, UsageError } from '../args.ts';

const HELP = `
Usage:
  liasse share create --invoice ID [--days 30] [--for "Fournisseur SARL"] [--tenant T] [--json]
  liasse share list [--invoice ID] [--tenant T] [--json]
  liasse share revoke LINK_ID

A read-only link to an invoice's dossier (files, data, timeline) for a person without an account.
The link is shown once; it expires, can be revoked, and every opening is logged in the invoice's
timeline. The address is LIASSE_PUBLIC_URL/partage/<token> (http://HOST:PORT when unset).
ID is the Liasse invoice id or the Chorus idFacture (also accepted without --invoice).
`;

/** The base of the addresses the CLI prints: where the web application is reached. */
function publicBaseUrl(): string {
  return process.env.LIASSE_PUBLIC_URL?.trim() || `http://${process.env.HOST?.trim() || '127.0.0.1'}:${process.env.PORT?.trim() || '8080'}`;
}

export async function run(argv: string[]): Promise<number> {
  const parsed = parseCommand(
    argv,
    { ...STORE_OPTIONS, json: { type: 'boolean' }, days: { type: 'string' }, for: { type: 'string' }, invoice: { type: 'string' }, tenant: { type: 'string' } },
    HELP,
  );
  if (!parsed) return 0;
  const { values, positionals } = parsed;
  const [sub, id] = positionals;
  if (sub !== 'create' && sub !== 'list' && sub !== 'revoke') throw new UsageError(HELP.trim());
  const invoiceReference = sub === 'revoke' ? undefined : invoiceArgument(values.invoice, id);
  if (sub === 'create' && !invoiceReference) throw new UsageError(`--invoice ID est requis\n${HELP.trim()}`);
  if (values.days !== undefined && !/^\d+$/.test(values.days)) throw new UsageError(`--days attend un nombre entier de jours, reçu « ${values.days} »`);
  const context = await openContext(storeOverrides(values));
  const db = context.store.db;
  try {
    const tenantId = values.tenant ? await resolveTenantId(db, values.tenant) : undefined;
    const invoiceId = invoiceReference ? await findInvoiceId(db, invoiceReference, tenantId) : undefined;
    switch (sub) {
      case 'create': {
        const { link, token } = await createShareLink(db, { invoiceId: invoiceId!, ...(values.days ? { days: Number(values.days) } : {}), recipient: values.for ?? null }, CLI_ACTOR);
        const url = shareLinkUrl(token, publicBaseUrl());
        if (values.json) printJson({ ...link, token, url });
        else process.stdout.write(`Lien (affiché une seule fois, valable jusqu'au ${link.expiresAt}) :\n${url}\nIdentifiant pour le révoquer : ${link.id}\n`);
        return 0;
      }
      case 'list': {
        const links = await listShareLinks(db, { ...(invoiceId ? { invoiceId } : {}), ...(tenantId ? { tenantId } : {}) });
        if (values.json) printJson(links);
        else if (links.length === 0) process.stdout.write('Aucun lien de partage.\n');
        else for (const link of links) process.stdout.write(`${link.id}  ${link.state.padEnd(7)}  facture ${link.invoiceId}  ${link.recipient ?? ''}  expire ${link.expiresAt}  ouvert ${link.openCount} fois\n`);
        return 0;
      }
      case 'revoke': {
        if (!id) throw new UsageError(`missing LINK_ID\n${HELP.trim()}`);
        const link = await revokeShareLink(db, id, CLI_ACTOR);
        if (values.json) printJson(link);
        else process.stdout.write(`Lien ${link.id} révoqué.\n`);
        return 0;
      }
    }
  } finally {
    await context.close();
  }
}
