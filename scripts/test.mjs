#!/usr/bin/env node
// `npm test`: typecheck, then every test file (node:test through tsx) on SQLite and PostgreSQL.
// Node 20's runner neither expands globs nor finds .ts files in folders, so the files are listed here.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const major = Number(process.versions.node.split('.')[0]);
if (major !== 20) {
  console.error(`Liasse needs Node.js 20 (found ${process.versions.node}). Install Node 20 (see .nvmrc).`);
  process.exit(1);
}

function findTests(directory) {
  if (!fs.existsSync(directory)) return [];
  return fs.readdirSync(directory, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(directory, entry.name);
    if (entry.isDirectory()) return entry.name === 'node_modules' ? [] : findTests(full);
    return entry.name.endsWith('.test.ts') ? [full] : [];
  });
}

const filters = process.argv.slice(2);
const files = [...findTests(path.join(root, 'src')), ...findTests(path.join(root, 'test'))]
  .map((file) => path.relative(root, file))
  .filter((file) => filters.length === 0 || filters.some((filter) => file.includes(filter)))
  .sort();
if (files.length === 0) {
  console.error(`No test file matches ${filters.join(' ')}`);
  process.exit(1);
}

if (filters.length === 0 && !process.env.LIASSE_SKIP_TYPECHECK) {
  const typecheck = spawnSync(path.join(root, 'node_modules/.bin/tsc'), ['-p', root], { stdio: 'inherit' });
  if (typecheck.status !== 0) {
    console.error('Typecheck failed (tsc -p .).');
    process.exit(typecheck.status ?? 1);
  }
}

const concurrency = process.env.LIASSE_TEST_CONCURRENCY ?? '2';
const result = spawnSync(
  process.execPath,
  ['--import', 'tsx', '--test', `--test-concurrency=${concurrency}`, '--test-timeout=600000', ...files],
  { stdio: 'inherit', cwd: root, env: { ...process.env, LIASSE_LOG_LEVEL: process.env.LIASSE_LOG_LEVEL ?? 'silent' } },
);
process.exit(result.status ?? 1);
