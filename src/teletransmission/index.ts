// Picks the teletransmission channel: LIASSE_TDT=drop-folder (default; folder LIASSE_TDT_DIR, else
// <data dir>/teletransmission) or LIASSE_TDT=s2low (S2LOW_URL, S2LOW_CERT/S2LOW_KEY or S2LOW_PFX,
// S2LOW_KEY_PASSPHRASE, S2LOW_CA, S2LOW_LOGIN/S2LOW_PASSWORD).
import path from 'node:path';
import type { Config } from '../config.ts';
import { DropFolderChannel } from './drop-folder.ts';
import { S2lowChannel, s2lowOptionsFromEnv } from './s2low.ts';
import { type Teletransmission, TeletransmissionError } from './types.ts';

export type { Teletransmission } from './types.ts';
export { DropFolderChannel } from './drop-folder.ts';
export { S2lowChannel } from './s2low.ts';

export function channelFromEnv(dataDir: string, env: Record<string, string | undefined> = process.env, override?: string): Teletransmission {
  const kind = (override ?? env.LIASSE_TDT ?? 'drop-folder').trim();
  if (kind === 'drop-folder') return new DropFolderChannel(env.LIASSE_TDT_DIR?.trim() || path.join(dataDir, 'teletransmission'));
  if (kind === 's2low') return new S2lowChannel(s2lowOptionsFromEnv(env));
  throw new TeletransmissionError(`LIASSE_TDT inconnu : « ${kind} » (drop-folder ou s2low).`);
}

/**
 * The channel of an installation (server, workers): `kind` when given — the channel a bordereau was
 * sent through, to follow it there —, else LIASSE_TDT, else S²low when S2LOW_URL is configured, else
 * the drop folder of the data directory.
 */
export function channelFromConfig(config: Pick<Config, 'dataDir'>, env: Record<string, string | undefined> = process.env, kind?: string): Teletransmission {
  const chosen = kind?.trim() || env.LIASSE_TDT?.trim() || (env.S2LOW_URL?.trim() ? 's2low' : 'drop-folder');
  return channelFromEnv(config.dataDir, env, chosen);
}
