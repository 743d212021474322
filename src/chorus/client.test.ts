// Contract tests of the Chorus Pro client against the simulator over real HTTP on 127.0.0.1,
// including every fault the simulator can inject.
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import { ChorusError, createChorusClient, type ChorusClient, type ChorusClientOptions, type ChorusRetryEvent } from './client.ts';
import { startChorusSimulator, type ChorusSimulator } from './simulator/index.ts';

let sim: ChorusSimulator;

function client(overrides: Partial<ChorusClientOptions> = {}): ChorusClient {
  return createChorusClient({
    apiUrl: sim.url,
    tokenUrl: sim.tokenUrl,
    ...sim.credentials,
    retryBaseDelayMs: 5,
    maxRetries: 3,
    timeoutMs: 5_000,
    ...overrides,
  });
}

async function rejects(promise: Promise<unknown>, check: (error: ChorusError) => void): Promise<void> {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof ChorusError, `expected a ChorusError, got ${String(error)}`);
    check(error);
    return true;
  });
}

before(async () => {
  sim = await startChorusSimulator({ port: 0, host: '127.0.0.1', invoices: 120, seed: 'client-tests', referenceDate: '2026-12-10' });
});
after(async () => {
  await sim.close();
});
beforeEach(() => {
  Object.assign(sim.faults, {
    rate: 0,
    latencyMs: 0,
    unauthorizedNext: 0,
    forbiddenNext: 0,
    failNext: [],
    emptyTokenNext: 0,
    errorStyle: 'mixed',
    nullPagination: false,
    maxDownloadBytes: 120 * 1024 * 1024,
    retryAfterSeconds: 0,
  });
});

describe('authentication', () => {
  test('sends the Bearer token and the cpro-account header, and caches the token', async () => {
    let tokenCalls = 0;
    const seen: Headers[] = [];
    const c = client({
      fetch: async (input, init) => {
        if (String(input).endsWith('/api/oauth/token')) tokenCalls += 1;
        else seen.push(new Headers(init?.headers));
        return fetch(input, init);
      },
    });
    await c.recupererStructuresActivesDestinataire();
    await c.recupererTypeDemandePaiement();
    assert.equal(tokenCalls, 1);
    const headers = seen[0] as Headers;
    assert.match(headers.get('authorization') ?? '', /^Bearer \S+$/);
    assert.equal(headers.get('cpro-account'), Buffer.from(`${sim.credentials.login}:${sim.credentials.password}`).toString('base64'));
    assert.equal(headers.get('content-type'), 'application/json;charset=utf-8');
  });

  test('renews the token before expiry (60 s margin)', async () => {
    let clock = Date.now();
    let tokenCalls = 0;
    const c = client({
      now: () => clock,
      fetch: async (input, init) => {
        if (String(input).endsWith('/api/oauth/token')) tokenCalls += 1;
        return fetch(input, init);
      },
    });
    const first = await c.getToken();
    clock += (3600 - 61) * 1000;
    assert.equal((await c.getToken()).accessToken, first.accessToken);
    clock += 2000;
    assert.notEqual((await c.getToken()).accessToken, first.accessToken);
    assert.equal(tokenCalls, 2);
  });

  test('a token expired server-side is renewed once and the call retried', async () => {
    const c = client();
    await c.recupererStructuresActivesDestinataire();
    await fetch(`${sim.url}/_sim/token/expire`, { method: 'POST' });
    const structures = await c.recupererStructuresActivesDestinataire();
    assert.equal(structures.length, 3);
  });

  test('an empty-body 401 on a cached token is retried once with a new token', async () => {
    const c = client();
    await c.recupererTypeDemandePaiement();
    sim.faults.unauthorizedNext = 1;
    assert.equal((await c.recupererTypeDemandePaiement()).length, 4);
  });

  test('empty-body 401s that persist say "technical account" after a single renewal', async () => {
    const c = client();
    await c.recupererTypeDemandePaiement();
    sim.faults.unauthorizedNext = 5;
    await rejects(c.recupererTypeDemandePaiement(), (error) => {
      assert.equal(error.kind, 'account');
      assert.equal(error.httpStatus, 401);
    });
    assert.equal(sim.faults.unauthorizedNext, 3, 'exactly two calls: the first and one retry with a new token');
  });

  test('a 403 is an account error, not retried', async () => {
    sim.faults.forbiddenNext = 2;
    await rejects(client().recupererTypeDemandePaiement(), (error) => {
      assert.equal(error.kind, 'account');
      assert.equal(error.httpStatus, 403);
    });
    assert.equal(sim.faults.forbiddenNext, 1);
  });

  test('a wrong client secret is a piste-auth error', async () => {
    await rejects(client({ clientSecret: 'wrong' }).recupererTypeDemandePaiement(), (error) => {
      assert.equal(error.kind, 'piste-auth');
      assert.equal(error.httpStatus, 401);
      assert.match(error.message, /CHORUS_CLIENT_SECRET/);
    });
  });

  test('a wrong password says so once and does not loop', async () => {
    let apiCalls = 0;
    const c = client({
      password: 'wrong',
      fetch: async (input, init) => {
        if (!String(input).endsWith('/api/oauth/token')) apiCalls += 1;
        return fetch(input, init);
      },
    });
    await rejects(c.recupererTypeDemandePaiement(), (error) => {
      assert.equal(error.kind, 'account');
      assert.match(error.message, /CHORUS_PASSWORD/);
    });
    assert.equal(apiCalls, 1);
    await rejects(c.recupererTypeDemandePaiement(), (error) => assert.equal(error.kind, 'account'));
    assert.equal(apiCalls, 2, 'the second call does not renew a token the account already refused');
  });

  test('an empty token body (HTTP 200) is refused as invalid-response', async () => {
    sim.faults.emptyTokenNext = 1;
    await rejects(client().getToken(), (error) => assert.equal(error.kind, 'invalid-response'));
  });
});

describe('retries and faults', () => {
  test('500, 503 and 429 are retried with backoff, honouring Retry-After', async () => {
    const events: ChorusRetryEvent[] = [];
    sim.faults.failNext = [{ status: 500 }, { status: 503, retryAfterSeconds: 0 }, { status: 429, retryAfterSeconds: 1 }];
    const started = Date.now();
    const list = await client({ onRetry: (event) => events.push(event) }).recupererTypeDemandePaiement();
    assert.equal(list.length, 4);
    assert.deepEqual(events.map((e) => e.reason), ['HTTP 500', 'HTTP 503', 'HTTP 429']);
    assert.equal(events[2]?.delayMs, 1000);
    assert.ok(Date.now() - started >= 1000, 'waited the Retry-After of the 429');
  });

  test('a fault rate of 1 ends as "unavailable" after maxRetries', async () => {
    sim.faults.rate = 1;
    sim.faults.statuses = [503];
    const events: ChorusRetryEvent[] = [];
    await rejects(client({ maxRetries: 2, onRetry: (e) => events.push(e) }).recupererTypeDemandePaiement(), (error) => {
      assert.equal(error.kind, 'unavailable');
      assert.equal(error.httpStatus, 503);
    });
    assert.equal(events.length, 2);
    sim.faults.statuses = [500, 503, 429];
  });

  test('latency beyond the timeout is a network error after retries', async () => {
    sim.faults.latencyMs = 400;
    const events: ChorusRetryEvent[] = [];
    const c = client({ timeoutMs: 150, maxRetries: 1, onRetry: (e) => events.push(e) });
    await c.getToken();
    await rejects(c.recupererTypeDemandePaiement(), (error) => {
      assert.equal(error.kind, 'network');
      assert.match(error.message, /150 ms/);
    });
    assert.equal(events.length, 1);
  });

  test('a refused connection is a network error', async () => {
    await rejects(client({ apiUrl: 'http://127.0.0.1:1', tokenUrl: 'http://127.0.0.1:1/api/oauth/token', maxRetries: 1 }).getToken(), (error) =>
      assert.equal(error.kind, 'network'),
    );
  });

  test('functional errors are never retried, in both styles', async () => {
    const events: ChorusRetryEvent[] = [];
    const c = client({ onRetry: (e) => events.push(e) });
    const [invoice] = (await c.rechercherFactureParRecipiendaire({ statutCourant: 'MISE_EN_PAIEMENT' })).listeFactures;
    assert.ok(invoice);
    for (const style of ['http200', 'http400'] as const) {
      sim.faults.errorStyle = style;
      await rejects(c.traiterFactureRecue({ idFacture: invoice.idFacture, nouveauStatut: 'SERVICE_FAIT' }), (error) => {
        assert.equal(error.kind, 'functional');
        assert.equal(error.codeRetour, 20002);
        assert.equal(error.httpStatus, style === 'http200' ? 200 : 400);
        assert.match(error.libelle ?? '', /Incohérence/);
      });
    }
    assert.equal(events.length, 0);
  });
});

describe('invoices', () => {
  test('searchReceivedInvoices walks every page exactly once, also with null pagination fields', async () => {
    const c = client();
    const expected = sim.state.invoices.size;
    const ids: number[] = [];
    for await (const facture of c.searchReceivedInvoices({ pageSize: 7 })) ids.push(facture.idFacture);
    assert.equal(ids.length, expected);
    assert.equal(new Set(ids).size, expected);
    sim.faults.nullPagination = true;
    const again: number[] = [];
    for await (const facture of c.searchReceivedInvoices({ pageSize: 7 })) again.push(facture.idFacture);
    assert.deepEqual(again, ids);
  });

  test('codeRetour 20000 is an empty result, not an error', async () => {
    const c = client();
    const page = await c.rechercherFactureParRecipiendaire({ numeroFacture: 'N-EXISTE-PAS' });
    assert.equal(page.codeRetour, 20000);
    assert.deepEqual(page.listeFactures, []);
    const all = [];
    for await (const facture of c.searchReceivedInvoices({ numeroFacture: 'N-EXISTE-PAS' })) all.push(facture);
    assert.equal(all.length, 0);
  });

  test('incremental polling by dateHeureEtatCourant and the downloaded flag', async () => {
    const c = client();
    const all = [];
    for await (const facture of c.searchReceivedInvoices({ pageSize: 500 })) all.push(facture);
    const sorted = all.map((f) => f.dateHeureEtatCourant as string).sort();
    const middle = sorted[Math.floor(sorted.length / 2)] as string;
    const window = [];
    for await (const facture of c.searchReceivedInvoices({ periodeDateHeureEtatCourantDu: middle, periodeDateHeureEtatCourantAu: '2999-12-31' })) window.push(facture);
    assert.equal(window.length, sorted.filter((value) => value >= middle).length);
    const notDownloaded = [];
    for await (const facture of c.searchReceivedInvoices({ factureTelechargeeParDestinataire: false })) notDownloaded.push(facture);
    assert.ok(notDownloaded.every((f) => !f.factureTelechargeeParDestinataire));
    const target = notDownloaded[0];
    assert.ok(target);
    const pivot = await c.telechargerGroupeFacture({ format: 'PIVOT', idFactures: [target.idFacture] });
    assert.match(pivot.subarray(0, 200).toString('utf8'), /<CPPFacturePivot/);
    const [after] = (await c.rechercherFactureParRecipiendaire({ numeroFacture: target.numeroFacture })).listeFactures;
    assert.equal(after?.factureTelechargeeParDestinataire, true);
  });

  test('413 over the download limit is too-large', async () => {
    const c = client();
    const [invoice] = (await c.rechercherFactureParRecipiendaire({})).listeFactures;
    assert.ok(invoice);
    sim.faults.maxDownloadBytes = 100;
    await rejects(c.telechargerGroupeFacture({ format: 'PDF', idFactures: [invoice.idFacture] }), (error) => {
      assert.equal(error.kind, 'too-large');
      assert.equal(error.httpStatus, 413);
    });
  });

  test('processing: SERVICE_FAIT then MANDATEE with numeroDPMandat; same status again is a no-op; history and posts log', async () => {
    const c = client();
    const [invoice] = (await c.rechercherFactureATraiterParRecipiendaire({ idStructure: 26_004_811 })).listeFactures.filter((f) => f.statut === 'MISE_A_DISPOSITION');
    assert.ok(invoice);
    const done = await c.traiterFactureRecue({ idFacture: invoice.idFacture, nouveauStatut: 'SERVICE_FAIT' });
    assert.equal(done.nouveauStatut, 'SERVICE_FAIT');
    assert.equal((await c.traiterFactureRecue({ idFacture: invoice.idFacture, nouveauStatut: 'SERVICE_FAIT' })).codeRetour, 0);
    await c.traiterFactureRecue({ idFacture: invoice.idFacture, nouveauStatut: 'MANDATEE', numeroDPMandat: '2026-00042' });
    const detail = await c.consulterFactureParRecipiendaire(invoice.idFacture);
    assert.equal(detail.facture.statutFacture, 'MANDATEE');
    assert.equal(detail.facture.references.numeroDpMandat, '2026-00042');
    const history = await c.consulterHistoriqueFacture(invoice.idFacture);
    assert.equal(history.statutCourantCode, 'MANDATEE');
    assert.deepEqual(history.historiquesDesStatuts.histoStatut.slice(0, 2).map((h) => h.histoStatutCode), ['MANDATEE', 'SERVICE_FAIT']);
    await rejects(c.traiterFactureRecue({ idFacture: invoice.idFacture, nouveauStatut: 'SERVICE_FAIT' }), (error) => assert.equal(error.codeRetour, 20002));
    const posts = ((await (await fetch(`${sim.url}/_sim/posts`)).json()) as { posts: { idFacture: number; noop: boolean; codeRetour: number; at: string }[] }).posts.filter(
      (p) => p.idFacture === invoice.idFacture,
    );
    assert.deepEqual(posts.map((p) => [p.noop, p.codeRetour]), [[false, 0], [true, 0], [false, 0], [false, 20002]]);
    assert.ok(posts.every((p) => !Number.isNaN(Date.parse(p.at))));
  });

  test('REJETEE and SUSPENDUE need a motif', async () => {
    const c = client();
    const [invoice] = (await c.rechercherFactureParRecipiendaire({ statutCourant: ['MISE_A_DISPOSITION'] })).listeFactures;
    assert.ok(invoice);
    await rejects(c.traiterFactureRecue({ idFacture: invoice.idFacture, nouveauStatut: 'REJETEE' }), (error) => {
      assert.equal(error.kind, 'functional');
      assert.match(error.libelle ?? '', /motif/);
    });
    const suspended = await c.traiterFactureRecue({ idFacture: invoice.idFacture, nouveauStatut: 'SUSPENDUE', motif: 'Bon de livraison manquant — réf. « 12 »' });
    assert.equal(suspended.nouveauStatut, 'SUSPENDUE');
    const history = await c.consulterHistoriqueFacture(invoice.idFacture);
    assert.equal(history.historiquesDesStatuts.histoStatut[0]?.histoStatutCommentaire, 'Bon de livraison manquant — réf. « 12 »');
  });

  test('an unknown invoice is a functional error', async () => {
    await rejects(client().consulterFactureParRecipiendaire(999), (error) => {
      assert.equal(error.kind, 'functional');
      assert.equal(error.codeRetour, 20004);
    });
  });
});

describe('structures, reference lists and check()', () => {
  test('structures, services (all pages), rattachements, reference lists and health-check', async () => {
    const c = client();
    const structures = await c.recupererStructuresActivesDestinataire();
    assert.equal(structures.length, 3);
    const services = await c.rechercherServicesStructure(26_004_811);
    assert.ok(services.length >= 5);
    assert.equal((await c.consulterStructure(26_004_811)).informationGenerales.identifiantStructure, structures[0]?.identifiant);
    assert.equal((await c.consulterServiceStructure(26_004_811, services[0]?.idService as number)).informationsGenerales.codeService, services[0]?.codeService);
    assert.equal((await c.recupererRattachements()).length, 3);
    assert.ok((await c.recupererEtatsPossiblesPourTraitement('MISE_A_DISPOSITION')).includes('SERVICE_FAIT'));
    assert.ok((await c.recupererEtatParTypeDemandePaiement()).includes('MISE_EN_PAIEMENT'));
    assert.deepEqual(await c.recupererCadreFacturation(), ['A1_FACTURE_FOURNISSEUR', 'A2_FACTURE_FOURNISSEUR_DEJA_PAYEE', 'A9_FACTURE_SOUSTRAITANT', 'A12_FACTURE_COTRAITANT']);
    assert.equal((await c.recupererTauxTva()).length, 5);
    assert.equal((await c.healthCheck()).statusCodeValue, 200);
    assert.equal((await c.rechercherStructure({ structure: { identifiantStructure: structures[1]?.identifiant } }))[0]?.idStructureCPP, structures[1]?.idStructureCPP);
  });

  test('check() names the failing part', async () => {
    assert.deepEqual((await client().check()).failedPart, null);
    assert.equal((await client({ clientSecret: 'nope' }).check()).failedPart, 'piste-application');
    assert.equal((await client({ password: 'nope' }).check()).failedPart, 'technical-account');
    const down = await client({ apiUrl: 'http://127.0.0.1:1', tokenUrl: 'http://127.0.0.1:1/api/oauth/token', maxRetries: 0 }).check();
    assert.equal(down.failedPart, 'network');
    const attached = [...sim.state.structures.values()];
    for (const structure of attached) structure.attached = false;
    try {
      const diagnosis = await client().check();
      assert.equal(diagnosis.failedPart, 'structure-access');
      assert.match(diagnosis.steps.at(-1)?.message ?? '', /rattaché/);
    } finally {
      for (const structure of attached) structure.attached = true;
    }
  });
});
