import fs from 'node:fs';
import { openContext } from '../../app/context.ts';
import { loadSecretKey } from '../../app/secrets.ts';
import {
  type ChorusConnection,
  chorusClientForTenant,
  connectionFromEnvironment,
  createTenant,
  listTenants,
  resolveTenantId,
  setChorusConnection,
  TENANT_KINDS,
} from '../../app/tenants.ts';
import { parseCommand, printJson, STORE_OPTIONS, storeOverrides, UsageError } from '../args.ts';

const HELP = `
Usage: liasse tenant list [--json]
       liasse tenant create --name NOM [--siren SIREN] [--kind TYPE] [--chorus-from-env | --chorus-stdin] [--json]
       liasse tenant set-chorus [--tenant T] (--chorus-from-env | --chorus-stdin)
       liasse tenant check [--tenant T] [--json]

Les collectivités et leur connexion Chorus Pro (application PISTE et compte technique), chiffrée
au repos (AES-256-GCM, clé LIASSE_SECRET_KEY ou fichier secret.key du répertoire de données).
Les secrets ne passent jamais en argument (visibles dans la liste des processus) :
  --chorus-from-env   lit CHORUS_API_URL, CHORUS_TOKEN_URL, CHORUS_CLIENT_ID, CHORUS_CLIENT_SECRET,
                      CHORUS_LOGIN, CHORUS_PASSWORD
  --chorus-stdin      lit sur l'entrée standard un objet JSON
                      {"apiUrl","tokenUrl","clientId","clientSecret","login","password"}
Types : ${TENANT_KINDS.join(', ')}
`;

function readConnection(values: { 'chorus-from-env'?: boolean; 'chorus-stdin'?: boolean }, fromEnv: () => ChorusConnection | null): ChorusConnection | undefined {
  if (values['chorus-from-env'] && values['chorus-stdin']) throw new UsageError('--chorus-from-env et --chorus-stdin sont exclusifs');
  if (values['chorus-from-env']) {
    const connection = fromEnv();
    if (!connection) throw new UsageError('--chorus-from-env : définissez CHORUS_API_URL, CHORUS_TOKEN_URL, CHORUS_CLIENT_ID, CHORUS_CLIENT_SECRET, CHORUS_LOGIN et CHORUS_PASSWORD');
    return connection;
  }
  if (values['chorus-stdin']) {
    try {
      return JSON.parse(fs.readFileSync(0, 'utf8')) as ChorusConnection;
    } catch (error) {
      throw new UsageError(`--chorus-stdin : JSON illisible (${(error as Error).message})`);
    }
  }
  return undefined;
}

export async function run(argv: string[]): Promise<number> {
  const parsed = parseCommand(
    argv,
    {
      ...STORE_OPTIONS,
      tenant: { type: 'string' },
      name: { type: 'string' },
      siren: { type: 'string' },
      kind: { type: 'string' },
      'chorus-from-env': { type: 'boolean' },
      'chorus-stdin': { type: 'boolean' },
      json: { type: 'boolean' },
    },
    HELP,
  );
  if (!parsed) return 0;
  const { values } = parsed;
  const action = parsed.positionals[0];
  if (!['list', 'create', 'set-chorus', 'check'].includes(action ?? '')) throw new UsageError(`action attendue : list, create, set-chorus ou check\n${HELP.trim()}`);
  const context = await openContext(storeOverrides(values));
  try {
    const db = context.store.db;
    if (action === 'list') {
      const tenants = await listTenants(db);
      if (values.json) printJson(tenants);
      else {
        for (const tenant of tenants) {
          process.stdout.write(`${tenant.id}  ${tenant.name}${tenant.siren ? ` (SIREN ${tenant.siren})` : ''}  ${tenant.kind}  ${tenant.hasChorusConnection ? 'Chorus Pro configuré' : 'sans connexion Chorus Pro'}\n`);
        }
        if (tenants.length === 0) process.stdout.write('Aucune collectivité.\n');
      }
      return 0;
    }
    if (action === 'create') {
      if (!values.name) throw new UsageError('liasse tenant create : --name est obligatoire');
      const chorus = readConnection(values, () => connectionFromEnvironment(context));
      const tenant = await createTenant(
        db,
        { name: values.name, ...(values.siren ? { siren: values.siren } : {}), ...(values.kind ? { kind: values.kind } : {}), ...(chorus ? { chorus } : {}) },
        loadSecretKey(context.config),
      );
      if (values.json) printJson(tenant);
      else process.stdout.write(`Collectivité créée : ${tenant.name} (${tenant.id})\n`);
      return 0;
    }
    const tenantId = await resolveTenantId(db, values.tenant);
    if (action === 'set-chorus') {
      const chorus = readConnection(values, () => connectionFromEnvironment(context));
      if (!chorus) throw new UsageError('liasse tenant set-chorus : --chorus-from-env ou --chorus-stdin');
      await setChorusConnection(db, tenantId, chorus, loadSecretKey(context.config));
      process.stdout.write('Connexion Chorus Pro enregistrée (chiffrée).\n');
      return 0;
    }
    const diagnosis = await (await chorusClientForTenant(context, tenantId, { maxRetries: 1 })).check();
    if (values.json) printJson(diagnosis);
    else {
      for (const step of diagnosis.steps) process.stdout.write(`${step.ok ? 'OK ' : 'KO '} ${step.part} : ${step.message}\n`);
      for (const warning of diagnosis.warnings) process.stdout.write(`Attention : ${warning}\n`);
    }
    return diagnosis.ok ? 0 : 1;
  } finally {
    await context.close();
  }
}
