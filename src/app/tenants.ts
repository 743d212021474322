// Authorities (tenants) and their Chorus connection. Every CLI command and API route picks its
// tenant through resolveTenantId, so `--tenant` means the same thing everywhere. The connection
// (PISTE client and technical account) is stored AES-GCM encrypted (secrets.ts) and decrypted only
// to build a client; it never appears in logs, errors or audit entries.
import { inspect } from 'node:util';
import { type Kysely, sql, type Transaction } from 'kysely';
import { type ChorusClient, type ChorusClientOptions, createChorusClient } from '../chorus/client.ts';
import { newId } from '../domain/ids.ts';
import { appendAudit } from '../store/audit.ts';
import type { Database } from '../store/schema.ts';
import type { AppContext } from './context.ts';
import { decryptJson, encryptJson, loadSecretKey, type SecretKey } from './secrets.ts';

export const TENANT_KINDS = ['commune', 'departement', 'region', 'epci', 'hopital', 'syndicat', 'autre'] as const;
export type TenantKind = (typeof TENANT_KINDS)[number];

export type ChorusConnection = {
  apiUrl: string;
  tokenUrl: string;
  clientId: string;
  clientSecret: string;
  login: string;
  password: string;
};

/** What is stored (encrypted): the connection, and whether it mirrors the CHORUS_* variables. */
type StoredConnection = ChorusConnection & { fromEnvironment?: boolean };

export type Tenant = {
  id: string;
  name: string;
  siren: string | null;
  kind: string;
  hasChorusConnection: boolean;
  createdAt: string;
};

export type NewTenant = {
  name: string;
  siren?: string | null;
  kind?: TenantKind | string;
  chorus?: ChorusConnection;
};

export class TenantError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TenantError';
  }
}

export async function listTenants(db: Kysely<Database>): Promise<Tenant[]> {
  const rows = await db.selectFrom('tenants').selectAll().orderBy('created_at').orderBy('id').execute();
  return rows.map((row) => ({
    id: row.id,
    name: row.name,
    siren: row.siren,
    kind: row.kind,
    hasChorusConnection: row.chorus_connection_encrypted !== null,
    createdAt: row.created_at,
  }));
}

export async function getTenant(db: Kysely<Database>, tenantId: string): Promise<Tenant> {
  const tenant = (await listTenants(db)).find((candidate) => candidate.id === tenantId);
  if (!tenant) throw new TenantError(`Collectivité inconnue : ${tenantId}.`);
  return tenant;
}

function describe(tenants: Tenant[]): string {
  return tenants.map((tenant) => `  - ${tenant.name}${tenant.siren ? ` (SIREN ${tenant.siren})` : ''} : ${tenant.id}`).join('\n');
}

/**
 * The tenant a command acts on. `selector` is an id, a SIREN or the exact name (case-insensitive);
 * without it the only tenant is chosen. Anything ambiguous is an error listing the tenants.
 */
export async function resolveTenantId(db: Kysely<Database>, selector?: string): Promise<string> {
  const tenants = await listTenants(db);
  const wanted = selector?.trim();
  if (wanted) {
    const byId = tenants.find((tenant) => tenant.id === wanted);
    if (byId) return byId.id;
    const bySiren = tenants.filter((tenant) => tenant.siren !== null && tenant.siren === wanted.replace(/\s/g, ''));
    if (bySiren.length === 1) return bySiren[0]!.id;
    const byName = tenants.filter((tenant) => tenant.name.toLocaleLowerCase('fr') === wanted.toLocaleLowerCase('fr'));
    if (byName.length === 1) return byName[0]!.id;
    const matches = bySiren.length > 1 ? bySiren : byName;
    if (matches.length > 1) {
      throw new TenantError(`Plusieurs collectivités correspondent à « ${wanted} » ; passez leur identifiant avec --tenant :\n${describe(matches)}`);
    }
    throw new TenantError(
      tenants.length === 0
        ? `Aucune collectivité n'est configurée (cherchée : « ${wanted} »). Créez-en une avec \`liasse tenant create\`.`
        : `Aucune collectivité ne correspond à « ${wanted} » (identifiant, SIREN ou nom exact). Collectivités :\n${describe(tenants)}`,
    );
  }
  if (tenants.length === 1) return tenants[0]!.id;
  if (tenants.length === 0) {
    throw new TenantError(
      "Aucune collectivité n'est configurée. Créez-en une avec `liasse tenant create --name …`, " +
        'ou définissez les variables CHORUS_* et lancez `liasse sync`.',
    );
  }
  throw new TenantError(`Plusieurs collectivités sont configurées ; choisissez-en une avec --tenant (identifiant, SIREN ou nom) :\n${describe(tenants)}`);
}

function validateNewTenant(input: NewTenant): void {
  if (input.name.trim() === '') throw new TenantError('Le nom de la collectivité est obligatoire.');
  if (input.siren != null && !/^\d{9}$/.test(input.siren.replace(/\s/g, ''))) {
    throw new TenantError(`SIREN invalide « ${input.siren} » : 9 chiffres attendus.`);
  }
  if (input.kind !== undefined && !(TENANT_KINDS as readonly string[]).includes(input.kind)) {
    throw new TenantError(`Type de collectivité inconnu « ${input.kind} » : ${TENANT_KINDS.join(', ')}.`);
  }
  if (input.chorus) validateConnection(input.chorus);
}

export function validateConnection(connection: ChorusConnection): void {
  const missing = (['apiUrl', 'tokenUrl', 'clientId', 'clientSecret', 'login', 'password'] as const).filter(
    (field) => typeof connection[field] !== 'string' || connection[field].trim() === '',
  );
  if (missing.length > 0) throw new TenantError(`Connexion Chorus Pro incomplète : ${missing.join(', ')} manquant(s).`);
  for (const field of ['apiUrl', 'tokenUrl'] as const) {
    if (!/^https?:\/\/\S+$/.test(connection[field])) throw new TenantError(`Connexion Chorus Pro : ${field} doit être une URL http(s).`);
  }
}

/** Creates an authority; its Chorus connection, when given, is stored encrypted with `secretKey`. */
export async function createTenant(
  db: Kysely<Database>,
  input: NewTenant,
  secretKey: SecretKey,
  options: { actor?: string; fromEnvironment?: boolean } = {},
): Promise<Tenant> {
  validateNewTenant(input);
  return db.transaction().execute((trx) => insertTenant(trx, input, secretKey, options));
}

async function insertTenant(
  trx: Transaction<Database>,
  input: NewTenant,
  secretKey: SecretKey,
  options: { actor?: string; fromEnvironment?: boolean },
): Promise<Tenant> {
  const now = new Date().toISOString();
  const id = newId();
  const siren = input.siren ? input.siren.replace(/\s/g, '') : null;
  const stored: StoredConnection | null = input.chorus ? { ...pickConnection(input.chorus), fromEnvironment: options.fromEnvironment ?? false } : null;
  await trx
    .insertInto('tenants')
    .values({
      id,
      name: input.name.trim(),
      siren,
      kind: input.kind ?? 'commune',
      chorus_connection_encrypted: stored ? encryptJson(stored, secretKey) : null,
      created_at: now,
      updated_at: now,
    })
    .execute();
  await appendAudit(trx, {
    tenantId: id,
    actor: options.actor ?? 'cli',
    action: 'tenant.create',
    entity: 'tenant',
    entityId: id,
    data: { name: input.name.trim(), siren, kind: input.kind ?? 'commune', chorus: stored ? redactedConnection(stored) : null },
    at: now,
  });
  return { id, name: input.name.trim(), siren, kind: input.kind ?? 'commune', hasChorusConnection: stored !== null, createdAt: now };
}

/** Replaces (or removes, with null) the Chorus connection of an authority. */
export async function setChorusConnection(
  db: Kysely<Database>,
  tenantId: string,
  connection: ChorusConnection | null,
  secretKey: SecretKey,
  options: { actor?: string; fromEnvironment?: boolean } = {},
): Promise<void> {
  if (connection) validateConnection(connection);
  const stored: StoredConnection | null = connection ? { ...pickConnection(connection), fromEnvironment: options.fromEnvironment ?? false } : null;
  const now = new Date().toISOString();
  await db.transaction().execute(async (trx) => {
    const result = await trx
      .updateTable('tenants')
      .set({ chorus_connection_encrypted: stored ? encryptJson(stored, secretKey) : null, updated_at: now })
      .where('id', '=', tenantId)
      .executeTakeFirst();
    if (Number(result.numUpdatedRows) === 0) throw new TenantError(`Collectivité inconnue : ${tenantId}.`);
    await appendAudit(trx, {
      tenantId,
      actor: options.actor ?? 'cli',
      action: 'tenant.chorus_connection.update',
      entity: 'tenant',
      entityId: tenantId,
      data: { chorus: stored ? redactedConnection(stored) : null },
      at: now,
    });
  });
}

function pickConnection(connection: ChorusConnection): ChorusConnection {
  return {
    apiUrl: connection.apiUrl.trim(),
    tokenUrl: connection.tokenUrl.trim(),
    clientId: connection.clientId.trim(),
    clientSecret: connection.clientSecret,
    login: connection.login.trim(),
    password: connection.password,
  };
}

/** The connection without its secrets, for audit entries and screens. */
export function redactedConnection(connection: ChorusConnection): Record<string, string> {
  return { apiUrl: connection.apiUrl, tokenUrl: connection.tokenUrl, clientId: connection.clientId, login: connection.login, clientSecret: '***', password: '***' };
}

async function readStoredConnection(context: AppContext, tenantId: string): Promise<StoredConnection | null> {
  const row = await context.store.db
    .selectFrom('tenants')
    .select(['chorus_connection_encrypted'])
    .where('id', '=', tenantId)
    .executeTakeFirst();
  if (!row) throw new TenantError(`Collectivité inconnue : ${tenantId}.`);
  if (!row.chorus_connection_encrypted) return null;
  return decryptJson<StoredConnection>(row.chorus_connection_encrypted, loadSecretKey(context.config));
}

/**
 * The decrypted Chorus connection of a tenant. The object prints and serialises with its secrets
 * masked (console.log, JSON.stringify), so an accidental log does not leak them.
 */
export async function getChorusConnection(context: AppContext, tenantId: string): Promise<ChorusConnection> {
  const stored = await readStoredConnection(context, tenantId);
  if (!stored) {
    throw new TenantError(
      "Cette collectivité n'a pas de connexion Chorus Pro : configurez-la avec `liasse tenant set-chorus` " +
        '(ou les variables CHORUS_* pour une installation à une seule collectivité).',
    );
  }
  const connection = pickConnection(stored);
  const masked = () => redactedConnection(connection);
  Object.defineProperty(connection, 'toJSON', { value: masked, enumerable: false });
  Object.defineProperty(connection, inspect.custom, { value: masked, enumerable: false });
  return connection;
}

/** A Chorus client for the tenant's connection. */
export async function chorusClientForTenant(
  context: AppContext,
  tenantId: string,
  extra: Partial<Omit<ChorusClientOptions, keyof ChorusConnection>> = {},
): Promise<ChorusClient> {
  const connection = await getChorusConnection(context, tenantId);
  return createChorusClient({ ...connection, ...extra });
}

/** The CHORUS_* variables as a connection, or null when any of them is missing. */
export function connectionFromEnvironment(context: AppContext): ChorusConnection | null {
  const { apiUrl, tokenUrl, clientId, clientSecret, login, password } = context.config.chorus;
  if (!apiUrl || !tokenUrl || !clientId || !clientSecret || !login || !password) return null;
  return { apiUrl, tokenUrl, clientId, clientSecret, login, password };
}

function sameConnection(a: ChorusConnection, b: ChorusConnection): boolean {
  return (['apiUrl', 'tokenUrl', 'clientId', 'clientSecret', 'login', 'password'] as const).every((field) => a[field] === b[field]);
}

/**
 * Single-authority installations configured by CHORUS_*: with no tenant yet, creates it (named after
 * the first structure Chorus reports, when reachable). When the tenant was created this way and the
 * variables changed since (a fixed password), its stored connection follows them. Returns the
 * tenant id concerned, or null when the variables are not (all) set.
 */
export async function ensureTenantFromEnvironment(context: AppContext): Promise<string | null> {
  const connection = connectionFromEnvironment(context);
  if (!connection) return null;
  const db = context.store.db;
  const secretKey = loadSecretKey(context.config);
  const tenants = await listTenants(db);
  if (tenants.length === 0) {
    let name = `Collectivité ${connection.login}`;
    let siren: string | null = null;
    try {
      const structures = await createChorusClient({ ...connection, maxRetries: 1, timeoutMs: 15_000 }).recupererStructuresActivesDestinataire();
      const first = structures[0];
      if (first) {
        name = first.designationStructure;
        if (/^\d{14}$/.test(first.identifiant)) siren = first.identifiant.slice(0, 9);
      }
    } catch {
      // Unreachable or refused: the tenant is still created, and the sync reports the Chorus error.
    }
    // Two processes starting together on an empty database: the check and the insert happen under
    // one lock (BEGIN IMMEDIATE on SQLite, a table lock on PostgreSQL), so only one tenant is created.
    const input: NewTenant = { name, siren, kind: 'commune', chorus: connection };
    validateNewTenant(input);
    return db.transaction().execute(async (trx) => {
      if (context.store.dialect === 'postgres') await sql`lock table tenants in share row exclusive mode`.execute(trx);
      const existing = await trx.selectFrom('tenants').select('id').orderBy('created_at').limit(1).executeTakeFirst();
      if (existing) return existing.id;
      const tenant = await insertTenant(trx, input, secretKey, { actor: 'system:environment', fromEnvironment: true });
      return tenant.id;
    });
  }
  for (const tenant of tenants) {
    if (!tenant.hasChorusConnection) continue;
    const stored = await readStoredConnection(context, tenant.id);
    if (stored?.fromEnvironment) {
      if (!sameConnection(stored, connection)) {
        await setChorusConnection(db, tenant.id, connection, secretKey, { actor: 'system:environment', fromEnvironment: true });
      }
      return tenant.id;
    }
  }
  return null;
}
