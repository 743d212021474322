// Layout regressions found by QA, measured in Chromium: the Factures table fits a 1400 px screen
// (no column cut, no horizontal scroll), and the dashboard charts' axis labels are readable.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Page } from 'playwright-core';
import { type Harness, login, shot, startHarness } from './harness.ts';

let harness: Harness;

before(async () => {
  harness = await startHarness({ invoices: 60 });
});

after(async () => {
  await harness?.close();
});

/** Rendered height of the chart labels, in CSS pixels (≈ 1.15 × the font size). */
function chartLabelHeights(page: Page): Promise<number[]> {
  return page.evaluate(() =>
    [...document.querySelectorAll('svg.chart text')]
      .filter((text) => getComputedStyle(text).display !== 'none')
      .map((text) => text.getBoundingClientRect().height),
  );
}

test('at 1400 px the Factures table shows every column, Engagement and DGP included', async () => {
  const page = await harness.browser.newPage({ viewport: { width: 1400, height: 900 } });
  await login(page, harness.server.url, 'valideur');
  await page.goto(`${harness.server.url}/c/${harness.demo.tenantId}/factures`);
  await page.locator('table tbody tr').first().waitFor();
  const measure = await page.evaluate(() => {
    const wrap = document.querySelector('.table-wrap')!;
    const right = wrap.getBoundingClientRect().right;
    return {
      overflow: wrap.scrollWidth - wrap.clientWidth,
      cut: [...document.querySelectorAll('table thead th')].filter((th) => th.getBoundingClientRect().right > right + 1).map((th) => th.textContent),
    };
  });
  await shot(page, 'layout-factures-1400');
  assert.equal(measure.overflow, 0);
  assert.deepEqual(measure.cut, []);
  await page.close();
});

test('dashboard chart labels are at least 12 px on a desktop screen and on a phone', async () => {
  for (const viewport of [{ width: 1400, height: 900 }, { width: 390, height: 844 }]) {
    const page = await harness.browser.newPage({ viewport });
    await login(page, harness.server.url, 'valideur');
    await page.goto(`${harness.server.url}/c/${harness.demo.tenantId}`);
    await page.locator('svg.chart').first().waitFor();
    const heights = await chartLabelHeights(page);
    await shot(page, `layout-dashboard-${viewport.width}`);
    assert.ok(heights.length > 0);
    // A 12 px font renders text boxes about 14 px high.
    assert.ok(Math.min(...heights) >= 13.5, `${viewport.width} px: label heights ${heights.join(', ')}`);
    await page.close();
  }
});
