import type { Deadline, Limits } from '../limits.ts';
import type { PdfAttachment } from './embedded.ts';

/** Placeholder until the lazy reader lands: null means "use the full parse". */
export function listEmbeddedFilesFast(_content: Uint8Array, _file: string, _limits: Limits, _deadline: Deadline): PdfAttachment[] | null {
  return null;
}
