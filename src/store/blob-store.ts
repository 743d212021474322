// Content-addressed file store: a file's name is its SHA-256, so storing twice is a no-op and a
// record can never point at content other than what was hashed. Writes go to a temporary file in
// the same directory, are fsynced, then renamed: a crash leaves either the whole file or nothing.
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { Readable } from 'node:stream';

export type StoredBlob = { sha256: string; size: number };

const SHA256_PATTERN = /^[0-9a-f]{64}$/;

export class BlobStore {
  constructor(readonly root: string) {}

  pathOf(sha256: string): string {
    if (!SHA256_PATTERN.test(sha256)) throw new Error(`not a sha256 digest: ${sha256}`);
    return path.join(this.root, sha256.slice(0, 2), sha256.slice(2, 4), sha256);
  }

  async put(content: Uint8Array): Promise<StoredBlob> {
    const sha256 = createHash('sha256').update(content).digest('hex');
    const target = this.pathOf(sha256);
    if (!(await exists(target))) {
      await this.writeAtomically(target, async (handle) => {
        await handle.writeFile(content);
      });
    }
    return { sha256, size: content.byteLength };
  }

  /** Streams content in without holding it in memory; returns its digest once written. */
  async putStream(source: Readable): Promise<StoredBlob> {
    await fsp.mkdir(path.join(this.root, 'tmp'), { recursive: true });
    const temporary = path.join(this.root, 'tmp', `${process.pid}-${randomBytes(8).toString('hex')}`);
    const hash = createHash('sha256');
    let size = 0;
    try {
      source.on('data', (chunk: Buffer) => {
        hash.update(chunk);
        size += chunk.length;
      });
      await pipeline(source, fs.createWriteStream(temporary));
      const handle = await fsp.open(temporary, 'r');
      await handle.sync();
      await handle.close();
      const sha256 = hash.digest('hex');
      const target = this.pathOf(sha256);
      await fsp.mkdir(path.dirname(target), { recursive: true });
      await fsp.rename(temporary, target);
      return { sha256, size };
    } finally {
      await fsp.rm(temporary, { force: true });
    }
  }

  async get(sha256: string): Promise<Buffer> {
    return fsp.readFile(this.pathOf(sha256));
  }

  createReadStream(sha256: string): fs.ReadStream {
    return fs.createReadStream(this.pathOf(sha256));
  }

  async has(sha256: string): Promise<boolean> {
    return exists(this.pathOf(sha256));
  }

  /** Re-hashes a stored file: true when its content still matches its name. */
  async verify(sha256: string): Promise<'ok' | 'missing' | 'corrupted'> {
    const file = this.pathOf(sha256);
    if (!(await exists(file))) return 'missing';
    const hash = createHash('sha256');
    await pipeline(fs.createReadStream(file), hash);
    return hash.digest('hex') === sha256 ? 'ok' : 'corrupted';
  }

  /** Every digest stored, for integrity checks. */
  async *list(): AsyncGenerator<string> {
    for (const first of await readdirOrEmpty(this.root)) {
      if (!/^[0-9a-f]{2}$/.test(first)) continue;
      for (const second of await readdirOrEmpty(path.join(this.root, first))) {
        for (const name of await readdirOrEmpty(path.join(this.root, first, second))) {
          if (SHA256_PATTERN.test(name)) yield name;
        }
      }
    }
  }

  private async writeAtomically(target: string, write: (handle: fsp.FileHandle) => Promise<void>): Promise<void> {
    const directory = path.dirname(target);
    await fsp.mkdir(directory, { recursive: true });
    const temporary = path.join(directory, `.${path.basename(target)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
    const handle = await fsp.open(temporary, 'w', 0o640);
    try {
      await write(handle);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await fsp.rename(temporary, target);
  }
}

async function exists(file: string): Promise<boolean> {
  try {
    await fsp.access(file);
    return true;
  } catch {
    return false;
  }
}

async function readdirOrEmpty(directory: string): Promise<string[]> {
  try {
    return await fsp.readdir(directory);
  } catch {
    return [];
  }
}
