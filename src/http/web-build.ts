// The web application is built with Vite on demand: `liasse serve`, `liasse demo` and the browser
// tests call ensureWebBuilt(), which builds web/dist when it is missing or older than a source file.
// So a fresh clone needs only `npm ci`; no prepare/postinstall step. Concurrent callers (parallel
// tests, several instances) serialise on a lock directory; the build lands through a rename.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const WEB_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../web');
export const WEB_DIST = path.join(WEB_ROOT, 'dist');

function newestSource(directory: string): number {
  let newest = 0;
  for (const entry of fs.readdirSync(directory, { withFileTypes: true })) {
    if (entry.name === 'dist' || entry.name === 'node_modules' || entry.name.startsWith('.')) continue;
    const full = path.join(directory, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestSource(full) : fs.statSync(full).mtimeMs);
  }
  return newest;
}

export function webBuildIsFresh(): boolean {
  const index = path.join(WEB_DIST, 'index.html');
  if (!fs.existsSync(index)) return false;
  return fs.statSync(index).mtimeMs >= newestSource(WEB_ROOT);
}

async function withLock<T>(lock: string, body: () => Promise<T>): Promise<T> {
  const started = Date.now();
  for (;;) {
    try {
      fs.mkdirSync(lock);
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      // A lock left by a killed build is taken over after two minutes.
      const age = Date.now() - fs.statSync(lock, { throwIfNoEntry: false })!.mtimeMs;
      if (Number.isFinite(age) && age > 120_000) fs.rmSync(lock, { recursive: true, force: true });
      if (Date.now() - started > 300_000) throw new Error(`Timed out waiting for the web build lock ${lock}`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
  try {
    return await body();
  } finally {
    fs.rmSync(lock, { recursive: true, force: true });
  }
}

/** Builds web/dist if needed; returns its path. `log` receives one line when a build runs. */
export async function ensureWebBuilt(log: (line: string) => void = () => undefined): Promise<string> {
  if (webBuildIsFresh()) return WEB_DIST;
  await withLock(path.join(WEB_ROOT, '.build-lock'), async () => {
    if (webBuildIsFresh()) return;
    log('Construction de l’application web (vite build)…');
    const started = Date.now();
    const { build } = await import('vite');
    const staging = path.join(WEB_ROOT, `.dist-${process.pid}`);
    await build({
      configFile: path.join(WEB_ROOT, 'vite.config.ts'),
      root: WEB_ROOT,
      logLevel: 'warn',
      build: { outDir: staging, emptyOutDir: true },
    });
    const previous = path.join(WEB_ROOT, `.dist-old-${process.pid}`);
    if (fs.existsSync(WEB_DIST)) fs.renameSync(WEB_DIST, previous);
    fs.renameSync(staging, WEB_DIST);
    fs.rmSync(previous, { recursive: true, force: true });
    log(`Application web construite en ${((Date.now() - started) / 1000).toFixed(1)} s.`);
  });
  return WEB_DIST;
}
