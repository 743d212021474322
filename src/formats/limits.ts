// Bounds applied to every read: invoices come from outside (suppliers, Chorus Pro, e-mail), so a
// hostile or broken file must fail fast and cleanly instead of exhausting memory or time.

export type Limits = {
  /** Largest input accepted, in bytes (also the largest decoded attachment or ZIP entry). */
  maxBytes: number;
  /** Deepest XML element nesting accepted. */
  maxXmlDepth: number;
  /** Entity references are never expanded beyond the five predefined ones; this bounds their count. */
  maxEntityExpansions: number;
  /** Most entries a ZIP (a pivot PJ) may hold. */
  maxZipEntries: number;
  /** Largest uncompressed/compressed ratio of a ZIP entry (zip bombs). */
  maxZipRatio: number;
  /** Deepest chain of nested PDF objects followed (name trees, Kids, page trees). */
  maxPdfDepth: number;
  /** Most PDF objects visited while looking for embedded files or text. */
  maxPdfObjects: number;
  /** Most characters of text extracted from a PDF. */
  maxTextChars: number;
  /** Wall-clock budget of one read, in milliseconds. */
  timeoutMs: number;
};

export const DEFAULT_LIMITS: Readonly<Limits> = Object.freeze({
  maxBytes: 50 * 1024 * 1024,
  maxXmlDepth: 64,
  maxEntityExpansions: 100_000,
  maxZipEntries: 64,
  maxZipRatio: 200,
  maxPdfDepth: 32,
  maxPdfObjects: 200_000,
  maxTextChars: 1_000_000,
  timeoutMs: 20_000,
});

export function resolveLimits(overrides?: Partial<Limits>): Limits {
  return { ...DEFAULT_LIMITS, ...overrides };
}

/** A point in time after which a read gives up; checked between chunks of work. */
export class Deadline {
  private readonly end: number;

  constructor(readonly timeoutMs: number) {
    this.end = performance.now() + timeoutMs;
  }

  expired(): boolean {
    return performance.now() > this.end;
  }

  /** Milliseconds left (0 once expired). */
  remaining(): number {
    return Math.max(0, this.end - performance.now());
  }
}
