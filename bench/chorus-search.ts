// Search latency of the Chorus Pro simulator at 10 000 invoices over loopback, through the real
// client (token, headers, JSON): p50 / p95 per request and pages per second for a full crawl.
import { createChorusClient } from '../src/chorus/client.ts';
import type { RechercherFactureParRecipiendaireRequest } from '../src/chorus/types.ts';
import { startChorusSimulator } from '../src/chorus/simulator/index.ts';

const INVOICES = Number(process.env.BENCH_INVOICES ?? 10_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 200);

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] as number;
}

const started = performance.now();
const sim = await startChorusSimulator({ port: 0, invoices: INVOICES, seed: 'bench', referenceDate: '2026-12-10' });
const startup = performance.now() - started;
const client = createChorusClient({ apiUrl: sim.url, tokenUrl: sim.tokenUrl, ...sim.credentials });
await client.getToken();

const structures = await client.recupererStructuresActivesDestinataire();
const scenarios: [string, () => RechercherFactureParRecipiendaireRequest][] = [
  ['page 1 of everything (100/page)', () => ({ paramRecherche: { pageResultatDemandee: 1, nbResultatsParPage: 100 } })],
  ['structure + status MISE_A_DISPOSITION', () => ({ idDestinataire: structures[0]?.idStructureCPP, statutCourant: 'MISE_A_DISPOSITION', paramRecherche: { nbResultatsParPage: 100 } })],
  ['incremental window (last 30 days by dateHeureEtatCourant)', () => ({ periodeDateHeureEtatCourantDu: '2026-11-10', periodeDateHeureEtatCourantAu: '2026-12-10T23:59:59', paramRecherche: { nbResultatsParPage: 1000 } })],
  ['not yet downloaded, sorted by DateDepot desc', () => ({ factureTelechargeeParDestinataire: false, paramRecherche: { nbResultatsParPage: 100, triColonne: 'DateDepot', triSens: 'Descendant' } })],
  ['random page of 50 with an amount range', () => ({ montantTTCMin: 100, montantTTCMax: 5000, paramRecherche: { pageResultatDemandee: 1 + Math.floor(Math.random() * 20), nbResultatsParPage: 50 } })],
];

process.stdout.write(`Chorus simulator: ${INVOICES} invoices, started in ${startup.toFixed(0)} ms; ${ROUNDS} requests per scenario over ${sim.url}\n\n`);
for (const [name, request] of scenarios) {
  for (let warm = 0; warm < 10; warm += 1) await client.rechercherFactureParRecipiendaire(request());
  const timings: number[] = [];
  let results = 0;
  for (let round = 0; round < ROUNDS; round += 1) {
    const t = performance.now();
    const page = await client.rechercherFactureParRecipiendaire(request());
    timings.push(performance.now() - t);
    results = page.listeFactures.length;
  }
  timings.sort((a, b) => a - b);
  process.stdout.write(`${name.padEnd(60)} p50 ${percentile(timings, 50).toFixed(2).padStart(7)} ms   p95 ${percentile(timings, 95).toFixed(2).padStart(7)} ms   (${results} per page)\n`);
}

for (const pageSize of [100, 1000]) {
  const t = performance.now();
  let count = 0;
  let pages = 0;
  for (let page = 1; ; page += 1) {
    const result = await client.rechercherFactureParRecipiendaire({ paramRecherche: { pageResultatDemandee: page, nbResultatsParPage: pageSize } });
    pages += 1;
    count += result.listeFactures.length;
    if (page >= (result.pages ?? 1)) break;
  }
  const seconds = (performance.now() - t) / 1000;
  process.stdout.write(`full crawl, ${String(pageSize).padStart(4)}/page: ${count} invoices, ${pages} pages in ${(seconds * 1000).toFixed(0)} ms = ${(pages / seconds).toFixed(1)} pages/s, ${(count / seconds).toFixed(0)} invoices/s\n`);
}
await sim.close();
