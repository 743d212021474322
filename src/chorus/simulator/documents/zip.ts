// ZIP archives (yazl) with a fixed timestamp so the same content always gives the same bytes.
import yazl from 'yazl';

export type ZipEntry = { name: string; content: Buffer; mtime?: Date };

export function zip(entries: ZipEntry[]): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const archive = new yazl.ZipFile();
    for (const entry of entries) {
      archive.addBuffer(entry.content, entry.name, { mtime: entry.mtime ?? new Date('2020-01-01T00:00:00Z'), compress: true });
    }
    const chunks: Buffer[] = [];
    archive.outputStream.on('data', (chunk: Buffer) => chunks.push(chunk));
    archive.outputStream.on('error', reject);
    archive.outputStream.on('end', () => resolve(Buffer.concat(chunks)));
    archive.end();
  });
}
