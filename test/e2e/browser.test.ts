// The single window in a real browser (Debian Chromium through playwright-core): log in, find an
// invoice by text and by filter, reconcile it, certify the service fait, mandate it, build the
// bordereau and its PES, send it, and see MANDATEE reach the Chorus simulator; a lecteur cannot
// mandate; a user of another collectivité cannot open the invoice even by URL. axe-core checks
// each screen (WCAG 2.1 A/AA); screenshots of each step go to test-artifacts/e2e/.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import type { Page } from 'playwright-core';
import { listMatches } from '../../src/app/match/run.ts';
import { getInvoiceDetail } from '../../src/store/invoices.ts';
import { channelFromConfig, type DropFolderChannel } from '../../src/teletransmission/index.ts';
import { simulatedAcquit, summarisePes } from '../../src/teletransmission/s2low-sim.ts';
import { axeViolations, type Harness, login, shot, startHarness } from './harness.ts';

let harness: Harness;
let target: { id: string; number: string; supplier: string; chorusId: number; engagement: string };
/** A second reconciled invoice, for the failing checks shown inline. */
let other: { id: string; engagement: string } | undefined;

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

before(async () => {
  harness = await startHarness({ invoices: 80 });
  const db = harness.context.store.db;
  const matches = await listMatches(db, harness.demo.tenantId, { status: 'matched' });
  for (const match of matches) {
    if (match.anomalies.length > 0 || !match.engagement) continue;
    const invoice = await getInvoiceDetail(db, harness.demo.tenantId, match.invoiceId);
    if (!invoice || invoice.status !== 'received' || !invoice.number || !invoice.supplier.name || invoice.documentType !== 'invoice') continue;
    if (!target) target = { id: invoice.id, number: invoice.number, supplier: invoice.supplier.name, chorusId: invoice.chorusId, engagement: match.engagement.numero };
    else if (invoice.supplier.name !== target.supplier) {
      other = { id: invoice.id, engagement: match.engagement.numero };
      break;
    }
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
    // The form is pre-filled by the server's preview, every check passed, before anything is saved.
    await page.getByText('Tous les contrôles sont satisfaits').waitFor();
    assert.match(await page.getByLabel('Tiers', { exact: true }).inputValue(), new RegExp(escapeRegExp(target.supplier)));
    assert.equal(await page.getByLabel('Engagement', { exact: true }).inputValue(), target.engagement);
    assert.match(await page.getByLabel('Objet', { exact: true }).inputValue(), new RegExp(`Fact\\. ${escapeRegExp(target.number)}`));
    assert.match(await page.getByLabel('Exercice', { exact: true }).inputValue(), /^\d{4}$/);
    assert.notEqual(await page.getByLabel('Début du délai de paiement').inputValue(), '—');
    await expectAccessible(page, 'mandat');
    await shot(page, '07a-mandat-pre-rempli');
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

    // The accountant rejects the mandat: "Suivre l'acquittement" imports it, the reason shows per mandat.
    const db = harness.context.store.db;
    const sent = await db.selectFrom('bordereaux').selectAll().where('tenant_id', '=', tenantId).where('status', '=', 'sent').executeTakeFirstOrThrow();
    const summary = summarisePes(await harness.context.blobs.get(sent.pes_sha256!))!;
    const inbox = (channelFromConfig(harness.context.config) as DropFolderChannel).inbox;
    fs.mkdirSync(inbox, { recursive: true });
    const piece = summary.bordereaux[0]!.pieces[0]!;
    fs.writeFileSync(path.join(inbox, `ACQUIT_${sent.pes_filename}`), simulatedAcquit(summary, { accepted: false, reason: 'Compte 6064 non ouvert au budget', code: 'ERREUR_AUTRE', piece }));
    await page.goto(`${base}/c/${tenantId}/bordereaux`);
    await page.getByRole('button', { name: 'Suivre l’acquittement' }).first().click();
    await page.getByText('Acquittement importé : bordereau rejeté.').waitFor();
    await page.getByText(`Mandat n° ${piece} : rejeté, à corriger`).waitFor();
    await page.getByText(/Compte 6064 non ouvert au budget/).first().waitFor();
    await expectAccessible(page, 'bordereaux (acquittement)');
    await shot(page, '08a-acquittement-rejete');

    // A publication that failed is abandoned from the dashboard, with its reason.
    const publication = await db.selectFrom('publish_outbox').select('id').where('invoice_id', '=', target.id).where('status', '=', 'MANDATEE').executeTakeFirstOrThrow();
    await db.updateTable('publish_outbox').set({ state: 'failed', last_error: 'Chorus Pro : statut refusé (20001)', attempts: 5 }).where('id', '=', publication.id).execute();
    await page.goto(`${base}/c/${tenantId}/tableau-de-bord`);
    await page.getByText('Chorus Pro : statut refusé (20001)').waitFor();
    await page.getByRole('button', { name: 'Abandonner…' }).click();
    await page.getByLabel('Motif de l’abandon (gardé dans l’historique de la facture)').fill('Statut posé à la main sur le portail Chorus Pro');
    await expectAccessible(page, 'tableau de bord (abandon)');
    await shot(page, '08b-abandon-publication');
    await page.getByRole('button', { name: 'Abandonner la publication' }).click();
    await page.getByText('Aucun échec de publication.').waitFor();
    const abandoned = await db.selectFrom('publish_outbox').select(['state', 'resolution']).where('id', '=', publication.id).executeTakeFirstOrThrow();
    assert.deepEqual(abandoned, { state: 'skipped', resolution: 'abandoned' });

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

test('the mandat form shows a failing check inline, next to its field, and refuses to create', async () => {
  assert.ok(other, 'the seeded data has a second matched invoice');
  const db = harness.context.store.db;
  const engagement = await db.selectFrom('engagements').select(['budget_id', 'exercice']).where('tenant_id', '=', harness.demo.tenantId).where('numero', '=', other.engagement).executeTakeFirstOrThrow();
  const page = await harness.browser.newPage({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
  await db.updateTable('exercices').set({ open: 0 }).where('budget_id', '=', engagement.budget_id).where('year', '=', Number(engagement.exercice)).execute();
  try {
    await login(page, harness.server.url, 'valideur');
    await page.goto(`${harness.server.url}/c/${harness.demo.tenantId}/mandats/nouveau/${other.id}`);
    await page.getByRole('heading', { name: 'Nouveau mandat', level: 1 }).waitFor();
    const exercice = page.getByLabel('Exercice', { exact: true });
    await exercice.waitFor();
    assert.equal(await exercice.getAttribute('aria-invalid'), 'true');
    assert.match(await exercice.inputValue(), /clos/);
    await page.locator('#m-exercice-error').getByText(/est clos/).waitFor();
    assert.equal(await page.getByLabel('Engagement', { exact: true }).inputValue(), other.engagement);
    assert.ok(await page.getByRole('button', { name: 'Créer le mandat' }).isDisabled());
    await expectAccessible(page, 'mandat (contrôle en échec, mobile)');
    await page.evaluate(() => document.getElementById('m-exercice')?.closest('.field')?.scrollIntoView({ block: 'center' }));
    await shot(page, '07b-mandat-controle-mobile');
  } finally {
    await db.updateTable('exercices').set({ open: 1 }).where('budget_id', '=', engagement.budget_id).where('year', '=', Number(engagement.exercice)).execute();
    await page.close();
  }
});
