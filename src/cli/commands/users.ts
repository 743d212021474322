import { openContext } from '../../app/context.ts';
import { resolveTenantId } from '../../app/tenants.ts';
import { createUser, findUserByUsername, grantRole, grantsOf, revokeGrant, setPassword } from '../../app/users/users.ts';
import { CLI_ACTOR, ROLES } from '../../domain/roles.ts';
import { parseCommand, printJson, STORE_OPTIONS, storeOverrides, UsageError } from '../args.ts';

const HELP = `
Usage:
  liasse users create USERNAME [--name "Marie Dupont"] [--password P] [--tenant T --role R] [--json]
  liasse users grant USERNAME --tenant T --role R
  liasse users revoke USERNAME --tenant T
  liasse users password USERNAME [--password P]
  liasse users list [--json]

Local accounts of the web application. Roles (per collectivité): ${ROLES.join(', ')}.
--tenant takes the collectivité's id, SIREN or exact name (optional with a single collectivité).
Without --password, the password is read from LIASSE_USER_PASSWORD or, on a terminal, asked for.
Common options: --data-dir DIR, --database-url URL.
`;

const OPTIONS = {
  ...STORE_OPTIONS,
  name: { type: 'string' },
  password: { type: 'string' },
  tenant: { type: 'string' },
  role: { type: 'string' },
  json: { type: 'boolean' },
} as const;

async function readPassword(given: string | undefined): Promise<string> {
  if (given) return given;
  if (process.env.LIASSE_USER_PASSWORD) return process.env.LIASSE_USER_PASSWORD;
  if (!process.stdin.isTTY) throw new UsageError('no password: pass --password or set LIASSE_USER_PASSWORD');
  const { createInterface } = await import('node:readline/promises');
  const rl = createInterface({ input: process.stdin, output: process.stdout, terminal: true });
  try {
    return await rl.question('Mot de passe : ');
  } finally {
    rl.close();
  }
}

export async function run(argv: string[]): Promise<number> {
  const parsed = parseCommand(argv, OPTIONS, HELP);
  if (!parsed) return 0;
  const [action, username] = parsed.positionals;
  const values = parsed.values;
  if (!action || !['create', 'grant', 'revoke', 'password', 'list'].includes(action)) throw new UsageError(`expected create, grant, revoke, password or list\n${HELP.trim()}`);
  if (action !== 'list' && !username) throw new UsageError(`users ${action}: USERNAME is required`);
  if (values.role !== undefined && !(ROLES as readonly string[]).includes(values.role)) {
    throw new UsageError(`--role must be one of ${ROLES.join(', ')}`);
  }
  const context = await openContext(storeOverrides(values));
  const db = context.store.db;
  try {
    if (action === 'list') {
      const users = await db.selectFrom('users').select(['id', 'username', 'display_name', 'active']).orderBy('username').execute();
      const rows = await Promise.all(
        users.map(async (user) => ({ id: user.id, username: user.username, name: user.display_name, active: user.active === 1, grants: await grantsOf(db, user.id) })),
      );
      if (values.json) printJson(rows);
      else
        for (const row of rows) {
          const grants = row.grants.map((grant) => `${grant.tenantName}: ${grant.role}`).join(', ') || 'aucun accès';
          process.stdout.write(`${row.username}\t${row.name}\t${grants}\n`);
        }
      return 0;
    }
    const existing = await findUserByUsername(db, username!);
    if (action === 'create') {
      if (existing) throw new UsageError(`user "${username}" already exists (use users grant / users password)`);
      if ((values.tenant !== undefined || values.role !== undefined) && values.role === undefined) throw new UsageError('--tenant needs --role');
      const user = await createUser(db, CLI_ACTOR, { username: username!, displayName: values.name, password: await readPassword(values.password) });
      if (values.role) {
        const tenantId = await resolveTenantId(db, values.tenant);
        await grantRole(db, CLI_ACTOR, { userId: user.id, tenantId, role: values.role });
      }
      if (values.json) printJson({ ...user, grants: await grantsOf(db, user.id) });
      else process.stdout.write(`Utilisateur ${user.username} créé${values.role ? ` (${values.role})` : ''}.\n`);
      return 0;
    }
    if (!existing) throw new UsageError(`unknown user "${username}"`);
    if (action === 'grant') {
      if (!values.role) throw new UsageError('users grant: --role is required');
      const tenantId = await resolveTenantId(db, values.tenant);
      await grantRole(db, CLI_ACTOR, { userId: existing.id, tenantId, role: values.role });
      process.stdout.write(`${existing.username} : ${values.role}.\n`);
    } else if (action === 'revoke') {
      const tenantId = await resolveTenantId(db, values.tenant);
      await revokeGrant(db, CLI_ACTOR, { userId: existing.id, tenantId });
      process.stdout.write(`Accès de ${existing.username} retiré.\n`);
    } else {
      await setPassword(db, CLI_ACTOR, existing.id, await readPassword(values.password));
      process.stdout.write(`Mot de passe de ${existing.username} changé.\n`);
    }
    return 0;
  } finally {
    await context.close();
  }
}
