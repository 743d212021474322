// `liasse chorus-sim`: runs the local Chorus Pro simulator until interrupted.
import { parseCommand, UsageError } from '../args.ts';
import { SIMULATOR_DEFAULTS, startChorusSimulator } from '../../chorus/simulator/index.ts';

const HELP = `
Usage: liasse chorus-sim [options]

Simulateur local de Chorus Pro (API PISTE, côté destinataire) avec des données générées.

Options:
  --port N            Port d'écoute (défaut ${SIMULATOR_DEFAULTS.port}; 0 = port libre)
  --host H            Adresse d'écoute (défaut ${SIMULATOR_DEFAULTS.host})
  --invoices N        Nombre de factures générées (défaut ${SIMULATOR_DEFAULTS.invoices})
  --seed S            Graine des données (défaut "${SIMULATOR_DEFAULTS.seed}")
  --reference-date D  « Aujourd'hui » des données, AAAA-MM-JJ (défaut : aujourd'hui)
  --data-dir D        Conserve l'état (statuts, dépôts, journal) dans ce dossier
  --fault-rate R      Part des appels /cpro répondus 500/503/429 (0 à 1, défaut 0)
  --latency-ms N      Latence ajoutée à chaque appel /cpro (défaut 0)
  --token-ttl S       Durée de vie des jetons en secondes (défaut ${SIMULATOR_DEFAULTS.tokenTtlSeconds})
  --client-id ID      Identifiant de l'application PISTE (défaut ${SIMULATOR_DEFAULTS.clientId})
  --client-secret S   Secret de l'application PISTE (défaut ${SIMULATOR_DEFAULTS.clientSecret})
  --login L           Compte technique (défaut ${SIMULATOR_DEFAULTS.login})
  --password P        Mot de passe du compte technique (défaut ${SIMULATOR_DEFAULTS.password})
`;

function number(name: string, value: string | undefined, check: (n: number) => boolean): number | undefined {
  if (value === undefined) return undefined;
  const parsed = Number(value);
  if (!Number.isFinite(parsed) || !check(parsed)) throw new UsageError(`--${name}: valeur invalide "${value}"`);
  return parsed;
}

export async function run(argv: string[]): Promise<number> {
  const parsed = parseCommand(
    argv,
    {
      port: { type: 'string' },
      host: { type: 'string' },
      invoices: { type: 'string' },
      seed: { type: 'string' },
      'reference-date': { type: 'string' },
      'data-dir': { type: 'string' },
      'fault-rate': { type: 'string' },
      'latency-ms': { type: 'string' },
      'token-ttl': { type: 'string' },
      'client-id': { type: 'string' },
      'client-secret': { type: 'string' },
      login: { type: 'string' },
      password: { type: 'string' },
    },
    HELP,
  );
  if (!parsed) return 0;
  const v = parsed.values;
  if (v['reference-date'] !== undefined && !/^\d{4}-\d{2}-\d{2}$/.test(v['reference-date'])) throw new UsageError('--reference-date: format AAAA-MM-JJ');
  const faults: Record<string, number> = {};
  const rate = number('fault-rate', v['fault-rate'], (n) => n >= 0 && n <= 1);
  const latency = number('latency-ms', v['latency-ms'], (n) => n >= 0);
  const ttl = number('token-ttl', v['token-ttl'], (n) => n > 0);
  if (rate !== undefined) faults.rate = rate;
  if (latency !== undefined) faults.latencyMs = latency;
  if (ttl !== undefined) faults.tokenTtlSeconds = ttl;
  const simulator = await startChorusSimulator({
    port: number('port', v.port, (n) => Number.isInteger(n) && n >= 0 && n <= 65535) ?? SIMULATOR_DEFAULTS.port,
    host: v.host ?? SIMULATOR_DEFAULTS.host,
    invoices: number('invoices', v.invoices, (n) => Number.isInteger(n) && n >= 0) ?? SIMULATOR_DEFAULTS.invoices,
    seed: v.seed ?? SIMULATOR_DEFAULTS.seed,
    ...(v['reference-date'] ? { referenceDate: v['reference-date'] } : {}),
    dataDir: v['data-dir'] ?? null,
    ...(v['client-id'] ? { clientId: v['client-id'] } : {}),
    ...(v['client-secret'] ? { clientSecret: v['client-secret'] } : {}),
    ...(v.login ? { login: v.login } : {}),
    ...(v.password ? { password: v.password } : {}),
    faults,
  });
  process.stdout.write(
    [
      `Simulateur Chorus Pro prêt : ${simulator.url} (${simulator.state.invoices.size} factures)`,
      `  CHORUS_API_URL=${simulator.url}`,
      `  CHORUS_TOKEN_URL=${simulator.tokenUrl}`,
      `  CHORUS_CLIENT_ID=${simulator.credentials.clientId}`,
      `  CHORUS_CLIENT_SECRET=***  CHORUS_LOGIN=${simulator.credentials.login}  CHORUS_PASSWORD=***`,
      `  Contrôle : ${simulator.url}/_sim/faults, /_sim/posts, /_sim/referential, /_sim/deposit`,
      '',
    ].join('\n'),
  );
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  await simulator.close();
  return 0;
}
