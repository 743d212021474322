// Encryption at rest of the few secrets Liasse keeps (the Chorus connection of each authority):
// AES-256-GCM, a fresh 12-byte IV per value, the tag checked on every read. The key comes from
// LIASSE_SECRET_KEY, or from a key file created once in the data directory with 0600 rights, so a
// fresh install is safe without configuration. The key itself is never printed nor logged.
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Config } from '../config.ts';

/** A 32-byte AES key. Opaque on purpose: nothing outside this file needs its bytes. */
export type SecretKey = { readonly bytes: Buffer; readonly source: 'environment' | 'file' };

export const KEY_FILE_NAME = 'secret.key';
const FORMAT_VERSION = 'v1';

/**
 * The secret key of this installation. LIASSE_SECRET_KEY wins (any text of ≥ 32 characters, hashed
 * to 32 bytes so a passphrase works as well as base64); otherwise `<dataDir>/secret.key` is read, or
 * created atomically with 0600 rights on first start (two processes starting together agree on it).
 */
export function loadSecretKey(config: Pick<Config, 'secretKey' | 'dataDir'>): SecretKey {
  if (config.secretKey) return { bytes: deriveKey(config.secretKey), source: 'environment' };
  const file = path.join(config.dataDir, KEY_FILE_NAME);
  fs.mkdirSync(config.dataDir, { recursive: true });
  if (!fs.existsSync(file)) {
    const temporary = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
    fs.writeFileSync(temporary, `${randomBytes(32).toString('base64')}\n`, { mode: 0o600 });
    try {
      // link() fails when the file already exists: the first process to create it wins, the others read it.
      fs.linkSync(temporary, file);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    } finally {
      fs.rmSync(temporary, { force: true });
    }
  }
  const stat = fs.statSync(file);
  if ((stat.mode & 0o077) !== 0) {
    throw new Error(
      `The key file ${file} is readable by other users (mode ${(stat.mode & 0o777).toString(8)}): run \`chmod 600 ${file}\`.`,
    );
  }
  const text = fs.readFileSync(file, 'utf8').trim();
  if (text.length < 32) throw new Error(`The key file ${file} is damaged (too short): restore it from a backup.`);
  return { bytes: deriveKey(text), source: 'file' };
}

function deriveKey(text: string): Buffer {
  return createHash('sha256').update(`liasse-secret-v1\0${text}`).digest();
}

/** Encrypts a UTF-8 value: "v1.<iv>.<tag>.<ciphertext>", base64url parts. */
export function encryptSecret(plaintext: string, key: SecretKey): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key.bytes, iv);
  const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  const tag = cipher.getAuthTag();
  return [FORMAT_VERSION, iv.toString('base64url'), tag.toString('base64url'), ciphertext.toString('base64url')].join('.');
}

export class SecretDecryptionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SecretDecryptionError';
  }
}

export function decryptSecret(sealed: string, key: SecretKey): string {
  const [version, iv, tag, ciphertext] = sealed.split('.');
  if (version !== FORMAT_VERSION || !iv || !tag || ciphertext === undefined) {
    throw new SecretDecryptionError('Stored secret has an unknown format: it was not written by this version of Liasse.');
  }
  try {
    const decipher = createDecipheriv('aes-256-gcm', key.bytes, Buffer.from(iv, 'base64url'));
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    return Buffer.concat([decipher.update(Buffer.from(ciphertext, 'base64url')), decipher.final()]).toString('utf8');
  } catch {
    throw new SecretDecryptionError(
      key.source === 'environment'
        ? 'Stored secrets cannot be decrypted with LIASSE_SECRET_KEY: it differs from the key they were written with.'
        : `Stored secrets cannot be decrypted with the key file ${KEY_FILE_NAME} of the data directory: it differs from the key they were written with (set LIASSE_SECRET_KEY or restore the key file).`,
    );
  }
}

export function encryptJson(value: unknown, key: SecretKey): string {
  return encryptSecret(JSON.stringify(value), key);
}

export function decryptJson<T>(sealed: string, key: SecretKey): T {
  return JSON.parse(decryptSecret(sealed, key)) as T;
}
