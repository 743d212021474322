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
    throw new UsageError(`${(error as Error).message}\n\n${help.trim()}`);
  }
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
