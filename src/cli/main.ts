// The `liasse` command line: one module per command in ./commands/, loaded on demand so that a
// command's dependencies (PDF, HTTP, …) cost nothing to the others.
import { ConfigError } from '../config.ts';
import { UsageError } from './args.ts';

type CommandModule = { run(argv: string[]): Promise<number> };
type CommandEntry = { summary: string; load: () => Promise<CommandModule> };

export const COMMANDS: Record<string, CommandEntry> = {
  'chorus-sim': { summary: 'Start the local Chorus Pro simulator (--port, --invoices, --seed, --data-dir, --fault-rate)', load: () => import('./commands/chorus-sim.ts') },
  chorus: { summary: 'chorus check: test the Chorus Pro connection and say which part is wrong', load: () => import('./commands/chorus.ts') },
  parse: { summary: 'Read invoice files (UBL, CII, Factur-X, pivot, PDF) and print their data', load: () => import('./commands/parse.ts') },
  validate: { summary: 'Check an invoice against the XSD and the EN 16931 rules', load: () => import('./commands/validate.ts') },
  migrate: { summary: 'Create or upgrade the database schema', load: () => import('./commands/migrate.ts') },
  serve: { summary: 'Start the web application, the API and the scheduled workers', load: () => import('./commands/serve.ts') },
  demo: { summary: 'Start a demonstration: simulator, seeded authority, synced invoices, web app (npm start)', load: () => import('./commands/demo.ts') },
  users: { summary: 'users create|grant|list|password: local accounts and their roles per collectivité', load: () => import('./commands/users.ts') },
  decide: { summary: 'decide suspend|reject|recycle|service-fait: take a decision on an invoice (reasons: decide reasons)', load: () => import('./commands/decide.ts') },
  publish: { summary: 'Post decided statuses to Chorus Pro (--until-idle, --failures, --retry ID)', load: () => import('./commands/publish.ts') },
  timeline: { summary: 'timeline ID: everything that happened to one invoice', load: () => import('./commands/timeline.ts') },
  import: { summary: 'import budgets|tiers|engagements FILE: the referential from the accounting software (CSV or JSON)', load: () => import('./commands/import.ts') },
  match: { summary: 'match [--json]: match pending invoices to engagements, with reasons and anomalies (confirm: match confirm ID)', load: () => import('./commands/match.ts') },
  sync: { summary: 'Synchronise invoices from Chorus Pro (--json, --since, --history-only, --retry-quarantined)', load: () => import('./commands/sync.ts') },
  worker: { summary: 'Run background jobs: the scheduled sync and every registered job', load: () => import('./commands/worker.ts') },
  invoices: { summary: 'invoices list|show|retry: the invoices taken in from Chorus Pro', load: () => import('./commands/invoices.ts') },
  tenant: { summary: 'tenant list|create|set-chorus|check: collectivités and their Chorus Pro connection', load: () => import('./commands/tenant.ts') },
  deadlines: { summary: 'deadlines [list|show|interest|rates]: délai global de paiement, late invoices, intérêts moratoires (--json)', load: () => import('./commands/deadlines.ts') },
  verify: { summary: 'Re-hash every stored file and check every reference; exit 1 naming what is wrong', load: () => import('./commands/verify.ts') },
  search: { summary: 'search "TEXT" [--filter key=value]...: the single window search, with facets', load: () => import('./commands/search.ts') },
  mandat: { summary: 'mandat create|show|list|cancel|annul: mandats from reconciled invoices (--invoice ID, --json)', load: () => import('./commands/mandat.ts') },
  bordereau: { summary: 'bordereau create|pes|send|status|show|list: bordereaux, PES V2 PES_Aller, teletransmission', load: () => import('./commands/bordereau.ts') },
  acquit: { summary: 'acquit import FILE: read a PES_Acquit and update bordereau and mandats', load: () => import('./commands/acquit.ts') },
  's2low-sim': { summary: 'Run a local S²low-compatible Hélios API simulator (--port, --cert/--key/--ca, --reject)', load: () => import('./commands/s2low-sim.ts') },
  archive: { summary: 'archive export|search|retention|eliminations: SEDA 2.2 packages, retention, eliminations on visa', load: () => import('./commands/archive.ts') },
  share: { summary: 'share create|list|revoke: read-only expiring links to an invoice dossier', load: () => import('./commands/share.ts') },
  alerts: { summary: 'alerts digest [--send]|recipients|webhooks: at-risk e-mail digest per service, signed webhooks', load: () => import('./commands/alerts.ts') },
  'audit': { summary: 'audit verify: check the hash chain of the audit log', load: () => import('./commands/audit.ts') },
};

export function usage(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((name) => name.length));
  const lines = Object.entries(COMMANDS).map(([name, entry]) => `  ${name.padEnd(width)}  ${entry.summary}`);
  return [
    'Liasse — connecteur Chorus Pro pour les collectivités / Chorus Pro connector for French local authorities',
    '',
    'Usage: liasse <command> [options]   (liasse <command> --help for its options)',
    '',
    'Commands:',
    ...lines,
    '',
    'Configuration comes from environment variables (see README.md); flags override them.',
  ].join('\n');
}

/** What the user sees of an unexpected error: its message, the stack only with LIASSE_DEBUG. */
function reportError(prefix: string, error: unknown): void {
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(`${prefix}: ${message}\n`);
  if (process.env.LIASSE_DEBUG && error instanceof Error && error.stack) process.stderr.write(`${error.stack}\n`);
}

let guardsInstalled = false;

/**
 * Once per process, for every command: a reader that closes the pipe early (`liasse … | head`)
 * ends the command quietly with exit 0 — its output is simply no longer wanted — and an error
 * escaping a command (an 'error' event, a rejected promise nobody awaited) prints one line, never
 * Node's stack dump.
 */
export function installProcessGuards(): void {
  if (guardsInstalled) return;
  guardsInstalled = true;
  const isBrokenPipe = (error: unknown) => (error as NodeJS.ErrnoException | null)?.code === 'EPIPE';
  process.stdout.on('error', (error) => {
    if (isBrokenPipe(error)) process.exit(0);
    reportError('liasse', error);
    process.exit(1);
  });
  // Nowhere left to report a broken stderr: ignore it rather than crash.
  process.stderr.on('error', () => undefined);
  process.on('uncaughtException', (error) => {
    if (isBrokenPipe(error)) process.exit(0);
    reportError('liasse', error);
    process.exit(1);
  });
  process.on('unhandledRejection', (error) => {
    if (isBrokenPipe(error)) process.exit(0);
    reportError('liasse', error);
    process.exit(1);
  });
}

export async function main(argv: string[]): Promise<number> {
  installProcessGuards();
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(`${usage()}\n`);
    return name ? 0 : 2;
  }
  if (name === '--version') {
    process.stdout.write('liasse 0.1.0\n');
    return 0;
  }
  const entry = COMMANDS[name];
  if (!entry) {
    process.stderr.write(`liasse: unknown command "${name}"\n\n${usage()}\n`);
    return 2;
  }
  try {
    const command = await entry.load();
    return await command.run(rest);
  } catch (error) {
    if (error instanceof UsageError || error instanceof ConfigError) {
      process.stderr.write(`liasse ${name}: ${error.message}\n`);
      return 2;
    }
    reportError(`liasse ${name}`, error);
    return 1;
  }
}
