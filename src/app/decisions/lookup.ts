// Finding the invoice a command names: the Liasse id, or the Chorus idFacture (digits).
import type { Kysely } from 'kysely';
import { DecisionError } from '../../domain/decisions/index.ts';
import type { Database } from '../../store/schema.ts';

export async function findInvoiceId(db: Kysely<Database>, reference: string, tenantId?: string): Promise<string> {
  const wanted = reference.trim();
  let byId = db.selectFrom('invoices').select('id').where('id', '=', wanted);
  if (tenantId) byId = byId.where('tenant_id', '=', tenantId);
  const direct = await byId.executeTakeFirst();
  if (direct) return direct.id;
  if (/^\d+$/.test(wanted)) {
    let byChorus = db.selectFrom('invoices').select('id').where('chorus_id', '=', Number(wanted));
    if (tenantId) byChorus = byChorus.where('tenant_id', '=', tenantId);
    const rows = await byChorus.limit(2).execute();
    if (rows.length === 1) return rows[0]!.id;
    if (rows.length > 1) throw new DecisionError(`Plusieurs collectivités ont une facture Chorus n° ${wanted} : précisez --tenant.`);
  }
  throw new DecisionError(`Facture introuvable : « ${wanted} » (identifiant Liasse ou idFacture Chorus).`);
}
