import assert from 'node:assert/strict';
import test from 'node:test';
import { Decimal, sumDecimals } from './money.ts';

test('decimal arithmetic is exact where binary floating point is not', () => {
  assert.equal(Decimal.parse('0.1').add(Decimal.parse('0.2')).toString(), '0.3');
  assert.equal(Decimal.parse('1 234,56').toString(2), '1234.56');
  assert.equal(sumDecimals(['19.99', '0.01', '-5'].map(Decimal.parse)).toString(2), '15.00');
  assert.equal(Decimal.parse('100').mul(Decimal.parse('0.055')).toString(2), '5.50');
});

test('rounding is half away from zero', () => {
  assert.equal(Decimal.parse('2.345').round(2).toString(), '2.35');
  assert.equal(Decimal.parse('-2.345').round(2).toString(), '-2.35');
  assert.equal(Decimal.parse('2.344').round(2).toString(), '2.34');
  assert.equal(Decimal.parse('10').div(Decimal.parse('3'), 2).toString(), '3.33');
  assert.equal(Decimal.parse('20').div(Decimal.parse('3'), 2).toString(), '6.67');
});

test('cents and French formatting', () => {
  assert.equal(Decimal.parse('1240.5').toCents(), 124050n);
  assert.equal(Decimal.fromCents(124050n).toFrench(), '1\u202f240,50');
  assert.equal(Decimal.parse('-0.5').toFrench(), '-0,50');
  assert.throws(() => Decimal.parse('1e3'), /not a decimal/);
});
