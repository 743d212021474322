// The web application has its own tsconfig (JSX, DOM, bundler resolution): typecheck it with the
// rest of the test suite, since `tsc -p .` at the root covers only the server side.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import test from 'node:test';

test('web/ typechecks', () => {
  const root = path.resolve(import.meta.dirname, '../..');
  const result = spawnSync(path.join(root, 'node_modules/.bin/tsc'), ['-p', path.join(root, 'web')], { encoding: 'utf8' });
  assert.equal(result.status, 0, `tsc -p web failed:\n${result.stdout}${result.stderr}`);
});
