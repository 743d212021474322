// The command-line contract of `liasse parse` and `liasse validate`, through a child process.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(here, '../../..');
const CORPUS = path.resolve(ROOT, '../shared/corpus');
const BIN = path.join(ROOT, 'bin/liasse.mjs');

function liasse(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', cwd: ROOT, env: { ...process.env, LIASSE_DEBUG: '' } });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

const FIELDS = [
  'file', 'format', 'profile', 'documentType', 'typeCode', 'number', 'issueDate', 'dueDate', 'currency', 'buyerReference', 'orderReference',
  'contractReference', 'precedingInvoices', 'seller', 'buyer', 'payment', 'totals', 'vatBreakdown', 'lines', 'attachments',
];

test('parse --json: one JSON object per file, the contract fields, decimal strings, exit 0', () => {
  const files = [
    path.join(CORPUS, 'en16931/ubl/ubl-tc434-creditnote1.xml'),
    path.join(CORPUS, 'en16931/cii/CII_example1.xml'),
    path.join(CORPUS, 'facturx/akretion__invoice_EN16931.pdf'),
    path.join(CORPUS, 'pdf-only/zfcorpus__RE-E-974-Hetzner_2016-01-19_R0005532486.pdf'),
  ];
  const { status, stdout, stderr } = liasse('parse', ...files, '--json');
  assert.equal(status, 0, stderr);
  const objects = stdout.trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
  assert.equal(objects.length, 4);
  for (const [index, object] of objects.entries()) {
    assert.equal(object.file, files[index]);
    assert.deepEqual(Object.keys(object), FIELDS);
  }
  const [credit, cii, facturx, pdf] = objects as Record<string, any>[];
  assert.equal(credit!.documentType, 'creditNote');
  assert.equal(credit!.typeCode, '381');
  assert.equal(cii!.format, 'CII');
  assert.equal(cii!.totals.payable, '250.33');
  assert.equal(typeof cii!.lines[0].netAmount, 'string');
  assert.deepEqual(Object.keys(cii!.seller), ['name', 'identifiers', 'legalId', 'vatId', 'siret']);
  assert.deepEqual(Object.keys(cii!.payment), ['meansCode', 'iban', 'bic']);
  assert.deepEqual(Object.keys(cii!.totals), ['lineNet', 'allowances', 'charges', 'taxExclusive', 'tax', 'taxInclusive', 'prepaid', 'rounding', 'payable']);
  assert.equal(facturx!.format, 'FACTURX');
  assert.equal(facturx!.seller.siret.length, 14);
  const note = facturx!.attachments.find((attachment: { filename: string }) => attachment.filename === 'Bon_de_livraison.pdf');
  assert.match(note.sha256, /^[0-9a-f]{64}$/);
  assert.equal(pdf!.format, 'PDF');
  assert.equal(pdf!.number, null);
});

test('parse: an unreadable file gives an error line, the reason on stderr without a stack, exit 2', () => {
  const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'liasse-parse-'));
  const bad = path.join(directory, 'bad.xml');
  fs.writeFileSync(bad, '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><x>&e;</x>');
  const good = path.join(CORPUS, 'en16931/ubl/guide-example3.xml');
  const { status, stdout, stderr } = liasse('parse', good, bad, path.join(directory, 'missing.xml'), '--json');
  assert.equal(status, 2);
  const lines = stdout.trim().split('\n').map((line) => JSON.parse(line) as { file: string; error?: string; number?: string });
  assert.equal(lines[0]!.number, 'TOSL108');
  assert.equal(lines[1]!.file, bad);
  assert.match(lines[1]!.error!, /bad\.xml: the DOCTYPE declaration is refused/);
  assert.match(lines[2]!.error!, /missing\.xml: the file does not exist/);
  assert.match(stderr, /bad\.xml/);
  assert.doesNotMatch(stderr, /\n\s+at /);
  fs.rmSync(directory, { recursive: true });
});

test('validate: exit 0 valid, 1 invalid, 2 unreadable; --json lists findings', () => {
  const valid = liasse('validate', path.join(CORPUS, 'en16931/ubl/ubl-tc434-example4.xml'), '--json');
  assert.equal(valid.status, 0, valid.stdout + valid.stderr);
  assert.equal(JSON.parse(valid.stdout).valid, true);

  const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'liasse-validate-'));
  const invalid = path.join(directory, 'invalid.xml');
  const xml = fs.readFileSync(path.join(CORPUS, 'en16931/ubl/ubl-tc434-example4.xml'), 'utf8').replace('<cbc:PayableAmount currencyID="DKK">4675.00', '<cbc:PayableAmount currencyID="DKK">4600.00');
  fs.writeFileSync(invalid, xml);
  const broken = liasse('validate', invalid, '--json');
  assert.equal(broken.status, 1);
  const report = JSON.parse(broken.stdout) as { valid: boolean; findings: { rule: string; severity: string; bt: string; location: string; messageFr: string; messageEn: string }[] };
  assert.equal(report.valid, false);
  assert.ok(report.findings.some((finding) => finding.rule === 'BR-CO-16' && finding.bt === 'BT-115' && finding.messageFr && finding.messageEn));

  const unreadable = liasse('validate', path.join(directory, 'nope.xml'));
  assert.equal(unreadable.status, 2);
  assert.match(unreadable.stderr, /nope\.xml/);
  fs.rmSync(directory, { recursive: true });
});

test('parse: a malformed PDF names the file and what is wrong, never an internal error text', () => {
  const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'liasse-parse-'));
  const broken = path.join(directory, 'broken.pdf');
  fs.writeFileSync(broken, '%PDF-1.4\ngarbage');
  const { status, stderr } = liasse('parse', broken);
  assert.equal(status, 2);
  assert.equal(stderr, `liasse parse: ${broken}: the PDF is malformed: no cross-reference table or trailer could be read, so its document catalog cannot be found.\n`);
});
