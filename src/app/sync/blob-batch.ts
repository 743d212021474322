// The blobs of one stored batch, made durable together: every file is written to a temporary name
// beside its target, then all are fsynced at once (concurrently: the file system commits them in a
// few journal flushes instead of one per file), renamed, and the directories that received a name
// fsynced once each. Only then does the caller run the transaction that records them, so no row
// ever points at a file that is not durable; a crash before leaves at worst unreferenced files or
// temporaries (which a later put of the same content overwrites). Same layout and digests as
// BlobStore.put.
import { createHash, randomBytes } from 'node:crypto';
import fsp from 'node:fs/promises';
import path from 'node:path';
import type { BlobStore, StoredBlob } from '../../store/blob-store.ts';

const PARALLEL = 16;

async function eachLimited<T>(items: T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) await fn(items[next++]!);
    }),
  );
}

async function exists(file: string): Promise<boolean> {
  try {
    await fsp.access(file);
    return true;
  } catch {
    return false;
  }
}

async function syncPath(target: string): Promise<void> {
  const handle = await fsp.open(target, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

export class BlobBatch {
  private readonly pending = new Map<string, Uint8Array>();

  constructor(private readonly blobs: BlobStore) {}

  /** Hashes the content and schedules its write; the digest is final, the file durable after flush(). */
  add(content: Uint8Array): StoredBlob {
    const sha256 = createHash('sha256').update(content).digest('hex');
    if (!this.pending.has(sha256)) this.pending.set(sha256, content);
    return { sha256, size: content.byteLength };
  }

  get size(): number {
    return this.pending.size;
  }

  /** Writes, fsyncs and renames every scheduled file, then fsyncs the directories touched. */
  async flush(): Promise<void> {
    const entries = [...this.pending];
    this.pending.clear();
    const root = this.blobs.root;
    const written: { temporary: string; target: string }[] = [];
    const directories = new Set<string>();
    try {
      await eachLimited(entries, PARALLEL, async ([sha256, content]) => {
        const target = this.blobs.pathOf(sha256);
        const directory = path.dirname(target);
        // Already there (an earlier batch, or another writer): its directory entry is fsynced with
        // the others, in case the write that put it there had not got that far.
        if (await exists(target)) {
          directories.add(directory);
          return;
        }
        const created = await fsp.mkdir(directory, { recursive: true });
        // A new directory's own entry must be durable too: fsync its parents up to the root.
        if (created) {
          for (let parent = path.dirname(directory); parent.length >= root.length; parent = path.dirname(parent)) {
            directories.add(parent);
            if (parent === root) break;
          }
        }
        const temporary = path.join(directory, `.${sha256}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
        const handle = await fsp.open(temporary, 'w', 0o640);
        try {
          await handle.writeFile(content);
        } finally {
          await handle.close();
        }
        written.push({ temporary, target });
        directories.add(directory);
      });
      await eachLimited(written, PARALLEL, ({ temporary }) => syncPath(temporary));
      await eachLimited(written, PARALLEL, ({ temporary, target }) => fsp.rename(temporary, target));
      written.length = 0;
      // Deepest first, so that a parent's fsync covers entries whose own directory is already durable.
      const ordered = [...directories].sort((a, b) => b.length - a.length);
      await eachLimited(ordered, PARALLEL, (directory) => syncPath(directory));
    } finally {
      await Promise.all(written.map(({ temporary }) => fsp.rm(temporary, { force: true })));
    }
  }
}
