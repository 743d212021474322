import { parseArgs, type ParseArgsConfig } from 'node:util';

export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

type Options = NonNullable<ParseArgsConfig['options']>;

/** Options every command that touches the store accepts. */
export const STORE_OPTIONS = {
  'data-dir': { type: 'string' },
  'database-url': { type: 'string' },
} as const satisfies Options;

export type ParsedCommand<O extends Options> = {
  values: { [K in keyof O]?: O[K] extends { type: 'boolean' } ? boolean : O[K] extends { multiple: true } ? string[] : string };
  positionals: string[];
};

/**
 * Parses a command's arguments; prints the help and returns null on --help.
 * Unknown options and missing values become a UsageError naming the option.
 */
export function parseCommand<O extends Options>(
  argv: string[],
  options: O,
  help: string,
): ParsedCommand<O> | null {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(`${help.trim()}\n`);
    return null;
  }
  try {
    const parsed = parseArgs({ args: argv, options, allowPositionals: true, strict: true });
    return parsed as unknown as ParsedCommand<O>;
  } catch (error) {
    throw new UsageError(`${describeParseError(error)}\n\n${help.trim()}`);
  }
}

/**
 * Node's parseArgs messages are English and talk about its own syntax ("To specify a positional
 * argument starting with a '-'…"): one French sentence naming the option instead.
 */
export function describeParseError(error: unknown): string {
  const { code, message } = error as { code?: string; message?: string };
  const option = /'(-[^' ]+)/.exec(message ?? '')?.[1];
  if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') return `Option inconnue : ${option ?? message} (liste des options ci-dessous).`;
  if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') {
    if (/does not take an argument/.test(message ?? '')) return `L'option ${option ?? ''} ne prend pas de valeur.`;
    return option ? `L'option ${option} attend une valeur.` : 'Une option attend une valeur.';
  }
  if (code === 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL') return 'Argument inattendu (liste des options ci-dessous).';
  return 'Arguments invalides (liste des options ci-dessous).';
}

/**
 * The invoice a command names, given as `--invoice ID` or, for the commands that always took it
 * so, as a positional argument (kept as an alias). Both forms at once must agree.
 */
export function invoiceArgument(option: string | string[] | undefined, positional: string | undefined): string | undefined {
  const fromOption = Array.isArray(option) ? option[0] : option;
  if (fromOption !== undefined && positional !== undefined && fromOption !== positional) {
    throw new UsageError(`Deux factures différentes sont données (--invoice ${fromOption} et ${positional}) : n'en donnez qu'une.`);
  }
  return fromOption ?? positional;
}

/** Turns the store flags into the environment overrides loadConfig understands. */
export function storeOverrides(values: { 'data-dir'?: string; 'database-url'?: string }): Record<string, string> {
  const overrides: Record<string, string> = {};
  if (values['data-dir'] !== undefined) overrides.LIASSE_DATA_DIR = values['data-dir'];
  if (values['database-url'] !== undefined) overrides.DATABASE_URL = values['database-url'];
  return overrides;
}

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value)}\n`);
}
