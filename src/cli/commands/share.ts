import { openContext } from '../../app/context.ts';
import { createShareLink, listShareLinks, revokeShareLink } from '../../app/sharing/index.ts';
import { CLI_ACTOR } from '../../domain/roles.ts';
import { parseCommand, printJson, STORE_OPTIONS, storeOverrides, UsageError } from '../args.ts';

const HELP = `
Usage:
  liasse share create INVOICE_ID [--days 30] [--for "Fournisseur SARL"] [--json]
  liasse share list [INVOICE_ID] [--json]
  liasse share revoke LINK_ID

A read-only link to an invoice's dossier (files, data, timeline) for a person without an account.
The link is shown once; it expires, can be revoked, and every opening is logged in the invoice's
timeline. The address is LIASSE_PUBLIC_URL/share/<token>.
`;

export async function run(argv: string[]): Promise<number> {
  const parsed = parseCommand(argv, { ...STORE_OPTIONS, json: { type: 'boolean' }, days: { type: 'string' }, for: { type: 'string' } }, HELP);
  if (!parsed) return 0;
  const { values, positionals } = parsed;
  const [sub, id] = positionals;
  const context = await openContext(storeOverrides(values));
  const db = context.store.db;
  try {
    switch (sub) {
      case 'create': {
        if (!id) throw new UsageError(`missing INVOICE_ID\n${HELP.trim()}`);
        const { link, token } = await createShareLink(db, { invoiceId: id, ...(values.days ? { days: Number(values.days) } : {}), recipient: values.for ?? null }, CLI_ACTOR);
        const base = process.env.LIASSE_PUBLIC_URL?.trim().replace(/\/$/, '') ?? `http://${process.env.HOST ?? '127.0.0.1'}:${process.env.PORT ?? '8080'}`;
        const url = `${base}/share/${token}`;
        if (values.json) printJson({ ...link, token, url });
        else process.stdout.write(`Lien (affiché une seule fois, valable jusqu'au ${link.expiresAt}) :\n${url}\nIdentifiant pour le révoquer : ${link.id}\n`);
        return 0;
      }
      case 'list': {
        const links = await listShareLinks(db, id ? { invoiceId: id } : {});
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
      default:
        throw new UsageError(HELP.trim());
    }
  } finally {
    await context.close();
  }
}
