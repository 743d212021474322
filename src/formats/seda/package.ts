// The SEDA transfer package: a ZIP with manifest.xml at its root and every file the manifest
// describes, streamed with yazl (files are opened one at a time, never held in memory). Each file
// is re-hashed while it is written: content that no longer matches the SHA-256 announced in the
// manifest aborts the package instead of archiving a corrupted file.
import { createHash } from 'node:crypto';
import { Transform, type Readable, type Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import yazl from 'yazl';

export type PackageFile = {
  /** Path in the ZIP (the manifest's Uri). */
  path: string;
  sha256: string;
  size: number;
  open: () => Readable;
};

export class PackageIntegrityError extends Error {
  constructor(
    readonly path: string,
    readonly expected: string,
    readonly actual: string,
  ) {
    super(`Le fichier ${path} ne correspond plus à son empreinte (attendu ${expected}, lu ${actual}) : paquet abandonné.`);
    this.name = 'PackageIntegrityError';
  }
}

function verifying(file: PackageFile): Transform {
  const hash = createHash('sha256');
  return new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      hash.update(chunk);
      callback(null, chunk);
    },
    flush(callback) {
      const actual = hash.digest('hex');
      callback(actual === file.sha256 ? null : new PackageIntegrityError(file.path, file.sha256, actual));
    },
  });
}

/** Writes the ZIP to `out`; resolves once everything is flushed. */
export async function writeSedaPackage(out: Writable, manifestXml: string, files: readonly PackageFile[]): Promise<void> {
  const zip = new yazl.ZipFile();
  const paths = new Set<string>(['manifest.xml']);
  const mtime = new Date();
  let failure: Error | null = null;
  zip.addBuffer(Buffer.from(manifestXml, 'utf8'), 'manifest.xml', { mtime });
  for (const file of files) {
    if (paths.has(file.path)) throw new Error(`duplicate path in package: ${file.path}`);
    paths.add(file.path);
    zip.addReadStreamLazy(file.path, { mtime, size: file.size }, (callback) => {
      try {
        const source = file.open();
        const checked = verifying(file);
        source.on('error', (error) => checked.destroy(error));
        checked.on('error', (error) => {
          failure ??= error;
          (zip.outputStream as unknown as Readable).destroy(error);
        });
        callback(null, source.pipe(checked));
      } catch (error) {
        callback(error, undefined as unknown as NodeJS.ReadableStream);
      }
    });
  }
  zip.end();
  try {
    await pipeline(zip.outputStream as unknown as Readable, out);
  } catch (error) {
    throw failure ?? error;
  }
  if (failure) throw failure;
}
