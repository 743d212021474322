// bench:pes — PES_Aller generation for bordereaux of 1, 100 and 2 000 mandats with PJ: time and
// peak memory. The PJ flow from the blob store through gzip to base64 into the file one at a time,
// so peak memory must not follow the PJ sizes (compare the 1 × 64 MB run with the others).
// Usage: npm run bench:pes [-- --validate]   (--validate runs xmllint on each file produced)
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { type PesAller, type PesPiece, writePesAller } from '../src/formats/pes/aller.ts';
import { validatePesFile } from '../src/formats/pes/validate.ts';
import { BlobStore } from '../src/store/blob-store.ts';

type Scenario = { name: string; mandats: number; pjBytes: number };

const SCENARIOS: Scenario[] = [
  { name: '1 mandat, PJ 64 Mo', mandats: 1, pjBytes: 64 * 1024 * 1024 },
  { name: '1 mandat, PJ 200 Ko', mandats: 1, pjBytes: 200 * 1024 },
  { name: '100 mandats, PJ 1 Mo', mandats: 100, pjBytes: 1024 * 1024 },
  { name: '2 000 mandats, PJ 200 Ko', mandats: 2000, pjBytes: 200 * 1024 },
];

/** PDF-like content: half incompressible, half repetitive, as scanned invoices are. */
function pseudoPdf(size: number, seed: number): Buffer {
  const buffer = Buffer.alloc(size);
  buffer.write(`%PDF-1.7\n% seed ${seed}\n`);
  for (let offset = 32; offset < size; offset += 8192) {
    const chunk = offset % 16384 === 32 ? randomBytes(Math.min(8192, size - offset)) : Buffer.alloc(Math.min(8192, size - offset), 0x20 + (offset % 90));
    chunk.copy(buffer, offset);
  }
  return buffer;
}

function piece(numero: number, idUnique: string): PesPiece {
  return {
    codServ: 'TECH',
    idPce: numero,
    typPce: '01',
    natPce: '01',
    obj: `Fournitures de bureau - Fact. FA2025-${numero}`,
    pjRefs: [{ idUnique, nomPj: `FA2025-${numero}.pdf`, typePj: '003' }],
    dgp: { start: '2025-03-01', end: '2025-03-31', days: 30 },
    lines: [
      {
        idLigne: 1,
        nature: '6064',
        fonction: '020',
        operation: null,
        facture: `FA2025-${numero}`,
        libVir1: `FACT FA2025-${numero}`,
        modRegl: '03',
        mtHt: '1000.00',
        mtTva: '200.00',
        mtFactHt: null,
        rattach: null,
        idMarche: null,
        tiers: {
          idTiers: '99900123400015',
          natIdTiers: '01',
          refTiers: null,
          catTiers: '50',
          natJur: '03',
          nom: 'PAPETERIE EXEMPLE SARL',
          address: { adr2: '12 RUE DES EXEMPLES', cp: '34000', ville: 'MONTPELLIER' },
          bank: { iban: 'FR7630001007941234567890185', bic: 'BDFEFRPPXXX', titulaire: 'PAPETERIE EXEMPLE SARL' },
        },
      },
    ],
  };
}

async function run(scenario: Scenario, root: string, validate: boolean) {
  const blobs = new BlobStore(path.join(root, 'blobs'));
  // A handful of distinct files, reused: the blob store holds them once, as for real invoices.
  const distinct = Math.min(scenario.mandats, 20);
  const stored: string[] = [];
  for (let index = 0; index < distinct; index += 1) stored.push((await blobs.put(pseudoPdf(scenario.pjBytes, index))).sha256);
  const document: PesAller = {
    fileName: 'PESALR2_21340123400017_250402_001.xml',
    generatedOn: '2025-04-02',
    emitter: { sigle: 'LIASSE', adresse: 'Liasse 0.1.0' },
    header: { idPost: '034099', idColl: '21340123400017', codCol: '123', codBud: '00', libelleColBud: 'BUDGET PRINCIPAL' },
    bordereaux: [{ exer: 2025, idBord: 1, date: '2025-04-02', typBord: '01', mtCumulAnnuel: null, pieces: [] }],
    pjs: [],
  };
  for (let numero = 1; numero <= scenario.mandats; numero += 1) {
    const idUnique = `213401234000172025DEP${String(numero).padStart(10, '0')}`;
    const sha256 = stored[(numero - 1) % distinct]!;
    document.bordereaux[0]!.pieces.push(piece(numero, idUnique));
    document.pjs.push({
      idUnique,
      nomPj: `FA2025-${numero}.pdf`,
      mimeType: 'application/pdf',
      typePj: '003',
      description: `Facture FA2025-${numero} recue via Chorus Pro`,
      refCompta: { exercice: 2025, typeObjet: '01', identifiant: String(numero) },
      open: () => blobs.createReadStream(sha256),
    });
  }
  global.gc?.();
  const baseline = process.memoryUsage();
  let peakRss = baseline.rss;
  let peakHeap = baseline.heapUsed;
  const sampler = setInterval(() => {
    const usage = process.memoryUsage();
    peakRss = Math.max(peakRss, usage.rss);
    peakHeap = Math.max(peakHeap, usage.heapUsed);
  }, 5);
  const file = path.join(root, `${scenario.mandats}.xml`);
  const started = process.hrtime.bigint();
  const out = fs.createWriteStream(file);
  const bytes = await writePesAller(document, out);
  await new Promise<void>((resolve, reject) => out.end((error?: Error | null) => (error ? reject(error) : resolve())));
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  clearInterval(sampler);
  const usage = process.memoryUsage();
  peakRss = Math.max(peakRss, usage.rss);
  peakHeap = Math.max(peakHeap, usage.heapUsed);
  let valid: boolean | null = null;
  if (validate) valid = (await validatePesFile(file)).valid;
  const sha = createHash('sha256').update(fs.readFileSync(file).subarray(0, 1024)).digest('hex').slice(0, 8);
  fs.rmSync(file);
  fs.rmSync(path.join(root, 'blobs'), { recursive: true, force: true });
  return {
    scenario: scenario.name,
    mandats: scenario.mandats,
    pjInputMiB: +((scenario.pjBytes * scenario.mandats) / 1048576).toFixed(1),
    outputMiB: +(bytes / 1048576).toFixed(1),
    seconds: +seconds.toFixed(2),
    mibPerSecond: +(bytes / 1048576 / seconds).toFixed(1),
    peakRssDeltaMiB: +((peakRss - baseline.rss) / 1048576).toFixed(1),
    peakHeapDeltaMiB: +((peakHeap - baseline.heapUsed) / 1048576).toFixed(1),
    valid,
    head: sha,
  };
}

const validate = process.argv.includes('--validate');
const root = fs.mkdtempSync(path.join(os.tmpdir(), 'liasse-bench-pes-'));
try {
  const results = [];
  for (const scenario of SCENARIOS) {
    const result = await run(scenario, root, validate);
    results.push(result);
    process.stdout.write(
      `${result.scenario.padEnd(26)} ${String(result.outputMiB).padStart(8)} MiB out  ${String(result.seconds).padStart(7)} s  ` +
        `${String(result.mibPerSecond).padStart(6)} MiB/s  peak RSS +${result.peakRssDeltaMiB} MiB  heap +${result.peakHeapDeltaMiB} MiB` +
        `${result.valid === null ? '' : result.valid ? '  valid' : '  INVALID'}\n`,
    );
  }
  process.stdout.write(`${JSON.stringify({ node: process.version, results })}\n`);
} finally {
  fs.rmSync(root, { recursive: true, force: true });
}
