// SIGTERM stops `liasse serve` and `liasse demo` promptly: the HTTP server, the simulator and the
// workers close and the process ends — also when started through `npm start`, where a shell stood
// between npm and node and kept the demo alive after npm was killed.
import assert from 'node:assert/strict';
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const BIN = path.join(ROOT, 'bin/liasse.mjs');

function waitForOutput(child: ChildProcess, pattern: RegExp, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    let output = '';
    const timer = setTimeout(() => reject(new Error(`no ${pattern} within ${timeoutMs} ms:\n${output}`)), timeoutMs);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (pattern.test(output)) {
        clearTimeout(timer);
        resolve(output);
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', () => reject(new Error(`exited before ${pattern}:\n${output}`)));
  });
}

/** Sends the signal and measures how long until the process and its pipes are gone. */
async function stopWith(child: ChildProcess, signal: NodeJS.Signals, timeoutMs: number): Promise<{ code: number | null; ms: number }> {
  const started = Date.now();
  const closed = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
  child.kill(signal);
  const timer = new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), timeoutMs).unref());
  const outcome = await Promise.race([closed, timer]);
  if (outcome === 'timeout') {
    child.kill('SIGKILL');
    spawnSync('pkill', ['-KILL', '-P', String(child.pid)]);
    assert.fail(`still running ${timeoutMs} ms after ${signal}`);
  }
  return { code: outcome, ms: Date.now() - started };
}

test('liasse serve: SIGTERM closes the server and the workers and the process exits within seconds', async () => {
  const env = { ...process.env, LIASSE_DATA_DIR: fs.mkdtempSync(path.join(os.tmpdir(), 'liasse-serve-')), DATABASE_URL: '', LIASSE_DEBUG: '' };
  assert.equal(spawnSync(process.execPath, [BIN, 'migrate'], { env, cwd: ROOT }).status, 0);
  const child = spawn(process.execPath, [BIN, 'serve', '--port', '0'], { env, cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  const output = await waitForOutput(child, /écoute sur (http:\/\/\S+)/, 60_000);
  const url = /écoute sur (http:\/\/\S+)/.exec(output)![1]!;
  // A client keeping its connection open must not hold the stop.
  const response = await fetch(`${url}/api/health`).catch(() => null);
  await response?.arrayBuffer();
  const { code, ms } = await stopWith(child, 'SIGTERM', 10_000);
  assert.equal(code, 0);
  assert.ok(ms < 10_000, `${ms} ms`);
});

test('npm start: SIGTERM to the process npm started stops the demo (no shell left in between)', async () => {
  const scripts = (JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'liasse-demo-'));
  // What npm does: `sh -c "<start script> <args>"`, and on SIGTERM it signals that child.
  const child = spawn('sh', ['-c', `${scripts.start} --port 0 --invoices 3 --data-dir ${dataDir}`], {
    cwd: ROOT,
    env: { ...process.env, LIASSE_DEBUG: '', PORT: '0' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  await waitForOutput(child, /Ctrl\+C pour arrêter/, 120_000);
  const { ms } = await stopWith(child, 'SIGTERM', 12_000);
  assert.ok(ms < 12_000, `${ms} ms`);
});
