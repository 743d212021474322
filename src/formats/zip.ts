// Bounded ZIP expansion (a Chorus pivot PJ is often a ZIP of the actual file): entry count,
// declared and actual sizes, compression ratio and total size are all checked, so a zip bomb or a
// broken archive fails with a clear error instead of filling memory.
import yauzl from 'yauzl';

import { InvoiceFormatError } from './errors.ts';
import type { Deadline, Limits } from './limits.ts';

export type ZipEntry = { filename: string; content: Uint8Array };

export function isZip(bytes: Uint8Array): boolean {
  return bytes.length >= 4 && bytes[0] === 0x50 && bytes[1] === 0x4b && bytes[2] === 0x03 && bytes[3] === 0x04;
}

export async function expandZip(bytes: Uint8Array, file: string, limits: Limits, deadline: Deadline): Promise<ZipEntry[]> {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let zip: yauzl.ZipFile;
  try {
    zip = await yauzl.fromBufferPromise(buffer, { lazyEntries: true, validateEntrySizes: true, strictFileNames: false, decodeStrings: true });
  } catch (error) {
    throw new InvoiceFormatError(file, 'the ZIP archive', `is not a readable ZIP file (${(error as Error).message})`, { cause: error });
  }
  if (zip.entryCount > limits.maxZipEntries) {
    zip.close();
    throw new InvoiceFormatError(file, 'the ZIP archive', `holds ${zip.entryCount} entries, more than the limit of ${limits.maxZipEntries}`);
  }
  const entries: ZipEntry[] = [];
  let total = 0;
  try {
    for (;;) {
      const entry = await new Promise<yauzl.Entry | null>((resolve, reject) => {
        const onEntry = (value: yauzl.Entry): void => {
          cleanup();
          resolve(value);
        };
        const onEnd = (): void => {
          cleanup();
          resolve(null);
        };
        const onError = (error: Error): void => {
          cleanup();
          reject(error);
        };
        const cleanup = (): void => {
          zip.off('entry', onEntry);
          zip.off('end', onEnd);
          zip.off('error', onError);
        };
        zip.on('entry', onEntry);
        zip.on('end', onEnd);
        zip.on('error', onError);
        zip.readEntry();
      });
      if (entry === null) break;
      if (entry.fileName.endsWith('/')) continue;
      const ratio = entry.compressedSize > 0 ? entry.uncompressedSize / entry.compressedSize : entry.uncompressedSize > 0 ? Infinity : 0;
      if (ratio > limits.maxZipRatio && entry.uncompressedSize > 1024 * 1024) {
        throw new InvoiceFormatError(file, `ZIP entry "${entry.fileName}"`, `expands ${Math.round(ratio)} times, more than the limit of ${limits.maxZipRatio} (a zip bomb)`);
      }
      total += entry.uncompressedSize;
      if (entry.uncompressedSize > limits.maxBytes || total > limits.maxBytes) {
        throw new InvoiceFormatError(file, `ZIP entry "${entry.fileName}"`, `expands beyond the size limit of ${limits.maxBytes} bytes`);
      }
      if (deadline.expired()) throw new InvoiceFormatError(file, 'the ZIP archive', `could not be expanded within the time limit of ${deadline.timeoutMs} ms`);
      const stream = await zip.openReadStreamPromise(entry);
      const chunks: Buffer[] = [];
      let size = 0;
      for await (const chunk of stream) {
        size += (chunk as Buffer).length;
        if (size > entry.uncompressedSize || size > limits.maxBytes) {
          stream.destroy();
          throw new InvoiceFormatError(file, `ZIP entry "${entry.fileName}"`, 'is larger than its declared size');
        }
        chunks.push(chunk as Buffer);
      }
      const content = Buffer.concat(chunks);
      entries.push({ filename: entry.fileName.split('/').pop() ?? entry.fileName, content: new Uint8Array(content.buffer, content.byteOffset, content.byteLength) });
    }
  } catch (error) {
    if (error instanceof InvoiceFormatError) throw error;
    throw new InvoiceFormatError(file, 'the ZIP archive', `is corrupt (${(error as Error).message})`, { cause: error });
  } finally {
    zip.close();
  }
  return entries;
}
