// `liasse chorus check`: tests connectivity and credentials against Chorus Pro (or the simulator)
// and says which part is wrong: network, PISTE application, technical account, structure access.
import { loadConfig } from '../../config.ts';
import { chorusClientFromConfig } from '../../chorus/client.ts';
import { parseCommand, printJson, UsageError } from '../args.ts';

const HELP = `
Usage: liasse chorus check [options]

Vérifie l'accès à Chorus Pro avec la configuration CHORUS_* (ou les options) et indique ce qui
ne va pas : réseau, application PISTE, compte technique ou accès aux structures. Code de sortie 0
si tout fonctionne, 1 sinon.

Options:
  --api-url URL        CHORUS_API_URL (ex. https://sandbox-api.piste.gouv.fr)
  --token-url URL      CHORUS_TOKEN_URL (ex. https://sandbox-oauth.piste.gouv.fr/api/oauth/token)
  --client-id ID       CHORUS_CLIENT_ID
  --client-secret S    CHORUS_CLIENT_SECRET
  --login L            CHORUS_LOGIN (compte technique TECH_1_…@cpro.fr)
  --password P         CHORUS_PASSWORD
  --timeout-ms N       Délai maximal par requête (défaut 15000)
  --json               Sortie JSON
`;

const LABELS = {
  network: 'Réseau',
  'piste-application': 'Application PISTE',
  'technical-account': 'Compte technique',
  'structure-access': 'Accès aux structures',
} as const;

export async function run(argv: string[]): Promise<number> {
  const parsed = parseCommand(
    argv,
    {
      'api-url': { type: 'string' },
      'token-url': { type: 'string' },
      'client-id': { type: 'string' },
      'client-secret': { type: 'string' },
      login: { type: 'string' },
      password: { type: 'string' },
      'timeout-ms': { type: 'string' },
      json: { type: 'boolean' },
    },
    HELP,
  );
  if (!parsed) return 0;
  const [subcommand] = parsed.positionals;
  if (subcommand !== 'check') throw new UsageError(`sous-commande attendue : check${subcommand ? ` (reçu "${subcommand}")` : ''}\n${HELP.trim()}`);
  const v = parsed.values;
  const overrides: Record<string, string> = {};
  if (v['api-url'] !== undefined) overrides.CHORUS_API_URL = v['api-url'];
  if (v['token-url'] !== undefined) overrides.CHORUS_TOKEN_URL = v['token-url'];
  if (v['client-id'] !== undefined) overrides.CHORUS_CLIENT_ID = v['client-id'];
  if (v['client-secret'] !== undefined) overrides.CHORUS_CLIENT_SECRET = v['client-secret'];
  if (v.login !== undefined) overrides.CHORUS_LOGIN = v.login;
  if (v.password !== undefined) overrides.CHORUS_PASSWORD = v.password;
  const timeoutMs = v['timeout-ms'] === undefined ? 15_000 : Number(v['timeout-ms']);
  if (!Number.isInteger(timeoutMs) || timeoutMs <= 0) throw new UsageError('--timeout-ms: nombre entier de millisecondes');
  const config = loadConfig({ ...process.env, ...overrides });
  let client;
  try {
    client = chorusClientFromConfig(config.chorus, { timeoutMs, maxRetries: 1, retryBaseDelayMs: 300 });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const diagnosis = await client.check();
  if (v.json) {
    printJson(diagnosis);
  } else {
    for (const step of diagnosis.steps) {
      process.stdout.write(`${step.ok ? 'OK  ' : 'ÉCHEC'} ${LABELS[step.part]} — ${step.message} (${step.durationMs} ms)\n`);
    }
    for (const warning of diagnosis.warnings) process.stdout.write(`ATTENTION ${warning}\n`);
    process.stdout.write(diagnosis.ok ? 'Chorus Pro est accessible.\n' : `Problème : ${LABELS[diagnosis.failedPart ?? 'network']}.\n`);
  }
  return diagnosis.ok ? 0 : 1;
}
