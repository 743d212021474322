// Configuration: read once at start-up from the environment (and CLI flags that override it),
// validated, frozen. Empty strings count as unset. Messages name the variable and say what to do.
import path from 'node:path';
import { z } from 'zod';

const optionalText = z
  .string()
  .optional()
  .transform((value) => (value === undefined || value.trim() === '' ? undefined : value.trim()));

const url = (name: string) =>
  optionalText.refine((value) => value === undefined || /^https?:\/\/[^\s]+$/.test(value), {
    message: `${name} must be an http(s) URL, e.g. http://127.0.0.1:8790`,
  });

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

const ConfigSchema = z.object({
  LIASSE_DATA_DIR: optionalText.transform((value) => path.resolve(value ?? 'data')),
  DATABASE_URL: optionalText.refine((value) => value === undefined || /^postgres(ql)?:\/\//.test(value), {
    message: 'DATABASE_URL must be a PostgreSQL URL (postgres://user@host:5432/db); leave it unset for SQLite',
  }),
  LIASSE_SECRET_KEY: optionalText.refine((value) => value === undefined || value.length >= 32, {
    message: 'LIASSE_SECRET_KEY must be at least 32 characters (e.g. `openssl rand -base64 32`)',
  }),
  LIASSE_LOG_LEVEL: z
    .enum(LOG_LEVELS, { error: (issue) => `LIASSE_LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}, got "${String(issue.input)}"` })
    .optional()
    .default('info'),
  PORT: optionalText.transform((value, ctx) => parsePort(value ?? '8080', 'PORT', ctx)),
  HOST: optionalText.transform((value) => value ?? '127.0.0.1'),
  CHORUS_API_URL: url('CHORUS_API_URL'),
  CHORUS_TOKEN_URL: url('CHORUS_TOKEN_URL'),
  CHORUS_CLIENT_ID: optionalText,
  CHORUS_CLIENT_SECRET: optionalText,
  CHORUS_LOGIN: optionalText,
  CHORUS_PASSWORD: optionalText,
  LIASSE_SYNC_INTERVAL_MINUTES: optionalText.transform((value, ctx) => {
    const minutes = Number(value ?? '15');
    if (!Number.isInteger(minutes) || minutes < 1) {
      ctx.addIssue({ code: 'custom', message: `LIASSE_SYNC_INTERVAL_MINUTES must be a whole number of minutes ≥ 1, got "${value}"` });
    }
    return minutes;
  }),
});

function parsePort(value: string, name: string, ctx: z.RefinementCtx): number {
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    ctx.addIssue({ code: 'custom', message: `${name} must be a port number between 0 and 65535, got "${value}"` });
  }
  return port;
}

export type Config = Readonly<{
  dataDir: string;
  databaseUrl: string | undefined;
  secretKey: string | undefined;
  logLevel: string;
  port: number;
  host: string;
  syncIntervalMinutes: number;
  chorus: Readonly<{
    apiUrl: string | undefined;
    tokenUrl: string | undefined;
    clientId: string | undefined;
    clientSecret: string | undefined;
    login: string | undefined;
    password: string | undefined;
  }>;
}>;

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Builds the configuration from an environment; CLI flags are passed as an overriding environment. */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const parsed = ConfigSchema.safeParse(env);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((issue) => {
        const variable = issue.path.join('.');
        return issue.message.includes(variable) ? issue.message : `${variable}: ${issue.message}`;
      }),
    );
  }
  const value = parsed.data;
  return Object.freeze({
    dataDir: value.LIASSE_DATA_DIR,
    databaseUrl: value.DATABASE_URL,
    secretKey: value.LIASSE_SECRET_KEY,
    logLevel: value.LIASSE_LOG_LEVEL,
    port: value.PORT,
    host: value.HOST,
    syncIntervalMinutes: value.LIASSE_SYNC_INTERVAL_MINUTES,
    chorus: Object.freeze({
      apiUrl: value.CHORUS_API_URL,
      tokenUrl: value.CHORUS_TOKEN_URL,
      clientId: value.CHORUS_CLIENT_ID,
      clientSecret: value.CHORUS_CLIENT_SECRET,
      login: value.CHORUS_LOGIN,
      password: value.CHORUS_PASSWORD,
    }),
  });
}

/** Replaces secret values by "***" so a config can be logged. */
export function redactConfig(config: Config): unknown {
  return {
    ...config,
    databaseUrl: config.databaseUrl?.replace(/\/\/([^:@/]+):[^@/]+@/, '//$1:***@'),
    secretKey: config.secretKey ? '***' : undefined,
    chorus: {
      ...config.chorus,
      clientSecret: config.chorus.clientSecret ? '***' : undefined,
      password: config.chorus.password ? '***' : undefined,
    },
  };
}
