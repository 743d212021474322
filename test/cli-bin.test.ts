import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import test from 'node:test';

const root = path.resolve(import.meta.dirname, '..');

test('the installed `liasse` bin answers --help and lists every command', () => {
  const result = spawnSync(path.join(root, 'node_modules/.bin/liasse'), ['--help'], { encoding: 'utf8' });
  assert.equal(result.status, 0, result.stderr);
  for (const command of ['sync', 'parse', 'match', 'mandat', 'bordereau', 'publish', 'serve', 'demo', 'chorus-sim']) {
    assert.match(result.stdout, new RegExp(`^  ${command} `, 'm'));
  }
});

test('an unknown command exits 2 with the usage, never a stack trace', () => {
  const result = spawnSync(path.join(root, 'node_modules/.bin/liasse'), ['frobnicate'], { encoding: 'utf8' });
  assert.equal(result.status, 2);
  assert.match(result.stderr, /unknown command "frobnicate"/);
  assert.doesNotMatch(result.stderr, /\n\s+at /);
});
