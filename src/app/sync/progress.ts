// How a sync shows its progress: a one-line bar redrawn on a terminal (structures, pages,
// invoices, rate, ETA), plain log lines otherwise (CI, cron, pipes) at most every few seconds.
import type { SyncProgress } from './sync.ts';

function duration(seconds: number | null): string {
  if (seconds === null || !Number.isFinite(seconds)) return '--:--';
  const total = Math.max(0, Math.round(seconds));
  const minutes = Math.floor(total / 60);
  return `${minutes}:${String(total % 60).padStart(2, '0')}`;
}

export function describeProgress(progress: SyncProgress): string {
  const structure = `structure ${progress.structureIndex}/${progress.structureCount}${progress.structureName ? ` (${progress.structureName})` : ''}`;
  if (progress.phase === 'search') return `${structure} · pages ${progress.pages} · ${progress.seen} factures vues`;
  return `${structure} · pages ${progress.pages} · factures ${progress.processed}/${progress.toFetch} · ${progress.rate.toFixed(0)}/s · reste ${duration(progress.etaSeconds)}`;
}

export type ProgressReporter = { update(progress: SyncProgress): void; log(line: string): void; done(): void };

export function createProgressReporter(stream: NodeJS.WriteStream = process.stderr): ProgressReporter {
  if (stream.isTTY) {
    let last = '';
    let drawnAt = 0;
    const clear = () => {
      if (last) stream.write('\r\x1b[2K');
    };
    return {
      update(progress) {
        const now = Date.now();
        if (now - drawnAt < 100 && progress.processed !== progress.toFetch) return;
        drawnAt = now;
        const width = 24;
        const ratio = progress.toFetch > 0 ? progress.processed / progress.toFetch : progress.phase === 'search' ? 0 : 1;
        const bar = `[${'█'.repeat(Math.round(ratio * width)).padEnd(width, '░')}]`;
        const line = `${bar} ${describeProgress(progress)}`.slice(0, Math.max(20, (stream.columns ?? 120) - 1));
        clear();
        stream.write(line);
        last = line;
      },
      log(line) {
        clear();
        stream.write(`${line}\n`);
        if (last) stream.write(last);
      },
      done() {
        clear();
        last = '';
      },
    };
  }
  let loggedAt = 0;
  let lastPhase = '';
  return {
    update(progress) {
      const now = Date.now();
      const key = `${progress.phase}:${progress.structureIndex}`;
      if (key === lastPhase && now - loggedAt < 5000) return;
      lastPhase = key;
      loggedAt = now;
      stream.write(`${new Date().toISOString()} ${describeProgress(progress)}\n`);
    },
    log(line) {
      stream.write(`${new Date().toISOString()} ${line}\n`);
    },
    done() {},
  };
}
