// Browser-test harness: a demo installation (simulator in-process, temporary SQLite), the server on
// port 0 with its workers, extra users, and Debian's Chromium driven by playwright-core.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import axe from 'axe-core';
import { type Browser, chromium, type Page } from 'playwright-core';
import { type AppContext, openContextFromConfig } from '../../src/app/context.ts';
import { createTenant } from '../../src/app/tenants.ts';
import { loadSecretKey } from '../../src/app/secrets.ts';
import { loadConfig } from '../../src/config.ts';
import { type Demo, ensureUser, setUpDemo } from '../../src/http/demo-setup.ts';
import { type RunningServer, startHttp } from '../../src/http/start.ts';
import { ensureWebBuilt } from '../../src/http/web-build.ts';

export const CHROMIUM = process.env.LIASSE_CHROMIUM ?? '/usr/bin/chromium';
export const CHROMIUM_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];
export const ARTIFACTS = path.resolve(import.meta.dirname, '../../test-artifacts/e2e');
export const PASSWORD = 'motdepasse-e2e';

export type Harness = {
  context: AppContext;
  demo: Demo;
  server: RunningServer;
  browser: Browser;
  otherTenantId: string;
  close(): Promise<void>;
};

export function requireChromium(): void {
  if (!fs.existsSync(CHROMIUM)) {
    throw new Error(`Chromium is required by the browser tests and was not found at ${CHROMIUM}: run \`apt-get install chromium\` (bash .ci/run does it), or set LIASSE_CHROMIUM.`);
  }
}

export async function startHarness(options: { invoices?: number } = {}): Promise<Harness> {
  requireChromium();
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  await ensureWebBuilt();
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'liasse-e2e-'));
  const context = await openContextFromConfig(loadConfig({ LIASSE_DATA_DIR: dataDir, LIASSE_LOG_LEVEL: 'silent', LIASSE_SYNC_INTERVAL_MINUTES: '600' }));
  const demo = await setUpDemo(context, { invoices: options.invoices ?? 80, seed: 'liasse-e2e', demoAccount: false, tenantName: 'Commune de Saint-Aubin' });
  await ensureUser(context, demo.tenantId, 'valideur', PASSWORD, 'valideur', 'Marie Valideur');
  await ensureUser(context, demo.tenantId, 'lecteur', PASSWORD, 'lecteur', 'Léo Lecteur');
  const other = await createTenant(context.store.db, { name: 'Commune Voisine', kind: 'commune' }, loadSecretKey(context.config));
  await ensureUser(context, other.id, 'voisin', PASSWORD, 'administrateur', 'Victor Voisin');
  const server = await startHttp(context, { port: 0, host: '127.0.0.1', handleSignals: false, closeContext: false, workerPollMs: 200 });
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_FLAGS, headless: true });
  return {
    context,
    demo,
    server,
    browser,
    otherTenantId: other.id,
    async close() {
      await browser.close().catch(() => undefined);
      await server.stop();
      await demo.close();
      await context.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export async function login(page: Page, baseUrl: string, username: string, password = PASSWORD): Promise<void> {
  await page.goto(`${baseUrl}/`);
  await page.getByLabel('Identifiant').fill(username);
  await page.getByLabel('Mot de passe').fill(password);
  await page.getByRole('button', { name: 'Se connecter' }).click();
  await page.getByRole('button', { name: 'Se déconnecter' }).waitFor();
}

/** Runs axe-core (WCAG 2.1 A and AA rules) on the page; returns readable violations. */
export async function axeViolations(page: Page): Promise<string[]> {
  // evaluate goes through the DevTools protocol: the page's CSP (script-src 'self') does not apply.
  await page.evaluate(axe.source);
  const result = await page.evaluate(async () => {
    const run = (window as unknown as { axe: { run: (context: Document, options: unknown) => Promise<{ violations: { id: string; help: string; nodes: { target: unknown[] }[] }[] }> } }).axe.run;
    return run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } });
  });
  return result.violations.map((violation) => `${violation.id}: ${violation.help} — ${violation.nodes.map((node) => JSON.stringify(node.target)).slice(0, 3).join(', ')}`);
}

export async function shot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`), fullPage: false });
}
