import assert from 'node:assert/strict';
import test from 'node:test';
import { chorusInstantToUtc } from './index.ts';

test('Chorus Paris local times become UTC instants (winter and summer time)', () => {
  assert.equal(chorusInstantToUtc('2026-12-03T16:20:00'), '2026-12-03T15:20:00.000Z');
  assert.equal(chorusInstantToUtc('2026-07-01 10:36'), '2026-07-01T08:36:00.000Z');
  assert.equal(chorusInstantToUtc('2026-12-03T15:20:00.000Z'), '2026-12-03T15:20:00.000Z');
});
