// The single window in a real browser (Debian Chromium through playwright-core): log in, find an
// invoice by text and by filter, reconcile it, certify the service fait, mandate it, build the
// bordereau and its PES, send it, and see MANDATEE reach the Chorus simulator; a lecteur cannot
// mandate; a user of another collectivité cannot open the invoice even by URL. axe-core checks
// each screen (WCAG 2.1 A/AA); screenshots of each step go to test-artifacts/e2e/.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Page } from 'playwright-core';
import { listMatches } from '../../src/app/match/run.ts';
import { getInvoiceDetail } from '../../src/store/invoices.ts';
import { axeViolations, type Harness, login, shot, startHarness } from './harness.ts';

let harness: Harness;
let target: { id: string; number: string; supplier: string; chorusId: number; engagement: string };

before(async () => {
  harness = await startHarness({ invoices: 80 });
  const db = harness.context.store.db;
  const matches = await listMatches(db, harness.demo.tenantId, { status: 'matched' });
  for (const match of matches) {
    if (match.anomalies.length > 0 || !match.engagement) continue;
    const invoice = await getInvoiceDetail(db, harness.demo.tenantId, match.invoiceId);
    if (!invoice || invoice.status !== 'received' || !invoice.number || !invoice.supplier.name || invoice.documentType !== 'invoice') continue;
    target = { id: invoice.id, number: invoice.number, supplier: invoice.supplier.name, chorusId: invoice.chorusId, engagement: match.engagement.numero };
    break;
  }
  assert.ok(target, 'the seeded data has a matched, received invoice without anomaly');
});

after(async () => {
  await harness?.close();
});

async function expectAccessible(page: Page, screen: string): Promise<void> {
  const violations = await axeViolations(page);
  assert.deepEqual(violations, [], `${screen}: accessibility violations`);
}

test('from the inbox to the accountant: find, reconcile, service fait, mandat, bordereau, PES, MANDATEE on Chorus', async () => {
  const base = harness.server.url;
  const tenantId = harness.demo.tenantId;
  const page = await harness.browser.newPage({ viewport: { width: 1280, height: 860 }, locale: 'fr-FR' });
  try {
    await page.goto(`${base}/`);
    await page.getByRole('heading', { name: 'Connexion' }).waitFor();
    assert.equal(await page.getAttribute('html', 'lang'), 'fr');
    await expectAccessible(page, 'connexion');
    await shot(page, '01-connexion');

    await login(page, base, 'valideur');
    await page.getByRole('heading', { name: 'Factures à traiter par budget' }).waitFor();
    await expectAccessible(page, 'tableau de bord');
    await shot(page, '02-tableau-de-bord');

    // Find by text.
    await page.getByRole('link', { name: 'Factures', exact: true }).click();
    await page.getByRole('heading', { name: /facture/, level: 2 }).first().waitFor();
    await page.getByLabel('Rechercher', { exact: true }).fill(target.number);
    await page.getByRole('button', { name: 'Rechercher', exact: true }).click();
    await page.locator(`a[href$="/factures/${target.id}"]`).waitFor();
    await expectAccessible(page, 'factures');
    await shot(page, '03-recherche-texte');

    // Find by filter: supplier and status, no text.
    await page.goto(`${base}/c/${tenantId}/factures`);
    await page.getByLabel('Fournisseur (SIRET ou nom)').fill(target.supplier);
    await page.getByLabel('Statut').selectOption('received');
    await page.getByRole('button', { name: 'Appliquer' }).click();
    await page.waitForURL(/status=received/);
    await page.locator(`a[href$="/factures/${target.id}"]`).waitFor();
    await shot(page, '04-recherche-filtres');

    await page.locator(`a[href$="/factures/${target.id}"]`).click();
    await page.getByRole('heading', { name: `Facture ${target.number}` }).waitFor();
    await page.locator('canvas[data-state="ready"], .alert-error').first().waitFor({ timeout: 20_000 });
    await expectAccessible(page, 'facture');
    await shot(page, '05-facture');

    await page.getByRole('button', { name: `Rapprocher de ${target.engagement}` }).click();
    await page.getByText('Rapprocher — Action enregistrée.').waitFor();
    await page.getByRole('button', { name: 'Certifier le service fait' }).click();
    await page.getByText('Certifier le service fait — Action enregistrée.').waitFor();
    await shot(page, '06-service-fait');

    await page.getByRole('button', { name: 'Mandater' }).click();
    await page.getByRole('heading', { name: 'Nouveau mandat', level: 1 }).waitFor();
    await expectAccessible(page, 'mandat');
    await page.getByRole('button', { name: 'Créer le mandat' }).click();
    await page.getByText(/Mandat n° \d+ créé/).waitFor();
    await shot(page, '07-mandat');

    await page.getByRole('link', { name: 'Aller aux bordereaux' }).click();
    await page.getByRole('heading', { name: 'Mandats en attente de bordereau' }).waitFor();
    await page.getByRole('button', { name: /^Composer le bordereau/ }).first().click();
    await page.getByText(/Bordereau n° \d+ créé/).waitFor();
    await page.getByRole('button', { name: 'Générer le PES' }).first().click();
    await page.getByText('PES généré.').waitFor();
    await page.getByRole('link', { name: 'Télécharger le PES' }).first().waitFor();
    await page.getByRole('button', { name: 'Transmettre' }).first().click();
    await page.getByText('Bordereau transmis.').waitFor();
    await expectAccessible(page, 'bordereaux');
    await shot(page, '08-bordereau');

    // The MANDATEE status reaches Chorus through the publishing job.
    await harness.server.workers!.queue.enqueue('publish', {}, { singletonKey: 'e2e' });
    const deadline = Date.now() + 30_000;
    let posted = false;
    while (!posted && Date.now() < deadline) {
      const posts = (await (await fetch(`${harness.demo.simulator.url}/_sim/posts`)).json()) as { posts: { idFacture: number | null; nouveauStatut: string | null; numeroDPMandat: string | null }[] };
      posted = posts.posts.some((post) => post.idFacture === target.chorusId && post.nouveauStatut === 'MANDATEE' && post.numeroDPMandat !== null);
      if (!posted) await new Promise((resolve) => setTimeout(resolve, 300));
    }
    assert.ok(posted, `MANDATEE for Chorus invoice ${target.chorusId} reached the simulator`);

    for (const [path, heading, name] of [
      ['referentiel', 'Référentiel', '09-referentiel'],
      ['tableau-de-bord', 'Tableau de bord', '10-tableau-de-bord-apres'],
    ] as const) {
      await page.goto(`${base}/c/${tenantId}/${path}`);
      await page.getByRole('heading', { name: heading, level: 1 }).waitFor();
      await page.waitForLoadState('networkidle');
      await expectAccessible(page, path);
      await shot(page, name);
    }
  } finally {
    await page.close();
  }
});

test('the administration screen is accessible and tests the Chorus connection', async () => {
  const page = await harness.browser.newPage({ viewport: { width: 1280, height: 860 } });
  try {
    await harness.context.store.db.selectFrom('users').select('id').execute();
    const { ensureUser } = await import('../../src/http/demo-setup.ts');
    await ensureUser(harness.context, harness.demo.tenantId, 'admin', 'motdepasse-e2e', 'administrateur');
    await login(page, harness.server.url, 'admin');
    await page.getByRole('link', { name: 'Administration' }).click();
    await page.getByRole('heading', { name: 'Utilisateurs et rôles' }).waitFor();
    await page.getByRole('button', { name: 'Tester la connexion' }).click();
    await page.getByText('Connexion réussie.').waitFor({ timeout: 20_000 });
    await expectAccessible(page, 'administration');
    await shot(page, '11-administration');
  } finally {
    await page.close();
  }
});

test('a lecteur sees the invoice but cannot mandate it, even through the API', async () => {
  const page = await harness.browser.newPage({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
  try {
    await login(page, harness.server.url, 'lecteur');
    await page.goto(`${harness.server.url}/c/${harness.demo.tenantId}/factures/${target.id}`);
    await page.getByRole('heading', { name: `Facture ${target.number}` }).waitFor();
    assert.equal(await page.getByRole('button', { name: 'Mandater' }).count(), 0);
    assert.equal(await page.getByRole('button', { name: 'Certifier le service fait' }).count(), 0);
    await page.getByText('Votre rôle ne permet pas cette action.').waitFor();
    await expectAccessible(page, 'facture (lecteur, mobile)');
    await shot(page, '12-lecteur-mobile');
    const status = await page.evaluate(async ({ tenantId, invoiceId }) => {
      const session = (await (await fetch('/api/session')).json()) as { csrfToken: string };
      const response = await fetch(`/api/tenants/${tenantId}/mandats`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-csrf-token': session.csrfToken },
        body: JSON.stringify({ invoiceIds: [invoiceId] }),
      });
      return response.status;
    }, { tenantId: harness.demo.tenantId, invoiceId: target.id });
    assert.equal(status, 403);
  } finally {
    await page.close();
  }
});

test("a user of another collectivité cannot open this collectivité's invoice by URL", async () => {
  const page = await harness.browser.newPage({ viewport: { width: 1280, height: 860 } });
  try {
    await login(page, harness.server.url, 'voisin');
    await page.goto(`${harness.server.url}/c/${harness.demo.tenantId}/factures/${target.id}`);
    await page.getByText("Vous n'avez pas accès à cette collectivité ou à cette ressource.").waitFor();
    assert.equal(await page.getByText(target.supplier).count(), 0);
    const status = await page.evaluate(async (url) => (await fetch(url)).status, `/api/tenants/${harness.demo.tenantId}/invoices/${target.id}`);
    assert.equal(status, 403);
    // Its own collectivité does not hold the invoice either.
    const own = await page.evaluate(async (url) => (await fetch(url)).status, `/api/tenants/${harness.otherTenantId}/invoices/${target.id}`);
    assert.equal(own, 404);
    await shot(page, '13-autre-collectivite');
  } finally {
    await page.close();
  }
});

test('a share link opens the read-only dossier without an account', async () => {
  const page = await harness.browser.newPage({ viewport: { width: 1280, height: 860 } });
  try {
    await login(page, harness.server.url, 'valideur');
    await page.goto(`${harness.server.url}/c/${harness.demo.tenantId}/factures/${target.id}`);
    await page.getByRole('button', { name: 'Partager (lien en lecture seule)' }).click();
    const notice = await page.getByText('Lien de partage créé').textContent();
    const url = /(http\S+\/partage\/\S+)/.exec(notice ?? '')?.[1];
    assert.ok(url, `share URL in "${notice}"`);
    const anonymous = await harness.browser.newContext();
    const shared = await anonymous.newPage();
    await shared.goto(url);
    await shared.getByRole('heading', { name: `Facture ${target.number}` }).waitFor();
    await expectAccessible(shared, 'partage');
    await shot(shared, '14-partage');
    await anonymous.close();
  } finally {
    await page.close();
  }
});
