#!/usr/bin/env node
// `npm ci` links the bins of dependencies, never the package's own: link ours so that
// `./node_modules/.bin/liasse` works right after install (npm runs this as `prepare`).
import fs from 'node:fs';
import path from 'node:path';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const binDir = path.join(root, 'node_modules', '.bin');
const link = path.join(binDir, 'liasse');
fs.mkdirSync(binDir, { recursive: true });
fs.rmSync(link, { force: true });
fs.symlinkSync(path.relative(binDir, path.join(root, 'bin', 'liasse.mjs')), link);
