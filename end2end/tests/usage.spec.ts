// The tenant Usage tab refreshes on its own (issue 11, U3): usage reported through the
// REST API appears without a reload at the interval the person picked; pausing stops
// that; the choice survives a reload.
import type { APIRequestContext, Page } from '@playwright/test';
import { createTenant, gotoHydrated, test, expect, uniqueToken } from './helpers';

const used = (page: Page) => page.locator('article[data-metric="api_calls"] [data-testid="used"]');

async function report(request: APIRequestContext, tenant: string, value: number) {
  const res = await request.post('/api/v1/usage', {
    data: {
      tenant,
      events: [{ metric: 'api_calls', value, time: new Date().toISOString(), idempotency_key: uniqueToken('ev') }],
    },
  });
  expect(res.status(), await res.text()).toBe(200);
  expect((await res.json()).accepted).toBe(1);
}

test.describe('usage tab', () => {
  test('shows newly reported usage by itself, and stops while paused', async ({ page, request }) => {
    const t = await createTenant(request, { name: `E2E Usage ${uniqueToken('us')}` });
    await gotoHydrated(page, `/tenants/${t.slug}/usage`);
    await expect(used(page)).toHaveText('0 calls');
    // Nothing used yet: the allocation's line is drawn and sets the chart's scale.
    await expect(page.locator('article[data-metric="api_calls"] .ref-line')).toHaveCount(1);
    await page.getByLabel('Refresh every').selectOption('5');
    // Marks this document: a reload would lose it.
    await page.evaluate(() => ((window as unknown as { stayed?: boolean }).stayed = true));

    await report(request, t.id, 1234);
    await expect(used(page)).toHaveText('1,234 calls', { timeout: 15_000 });
    await expect(page.locator('.refresh-status')).toContainText(/Updated \d\d:\d\d:\d\d UTC/);

    // Paused: nothing new is shown, however long we wait.
    await page.getByRole('button', { name: 'Pause' }).click();
    await expect(page.getByRole('button', { name: 'Resume' })).toHaveAttribute('aria-pressed', 'true');
    await report(request, t.id, 1000);
    await page.waitForTimeout(7_000);
    await expect(used(page)).toHaveText('1,234 calls');

    // Resumed: it catches up.
    await page.getByRole('button', { name: 'Resume' }).click();
    await expect(used(page)).toHaveText('2,234 calls', { timeout: 15_000 });
    expect(await page.evaluate(() => (window as unknown as { stayed?: boolean }).stayed)).toBe(true);
  });

  test('the interval choice survives a reload', async ({ page, request }) => {
    const t = await createTenant(request, { name: `E2E Usage Pick ${uniqueToken('up')}` });
    await gotoHydrated(page, `/tenants/${t.slug}/usage`);
    await page.getByLabel('Refresh every').selectOption('60');
    await page.reload();
    await expect(page.getByLabel('Refresh every')).toHaveValue('60');
    await page.getByLabel('Refresh every').selectOption('0');
    await page.reload();
    await expect(page.getByLabel('Refresh every')).toHaveValue('0');
    await expect(page.getByRole('button', { name: 'Pause' })).toBeDisabled();
  });

  test('the chart reads out the day under the pointer and keeps it across refreshes', async ({ page, request }) => {
    const t = await createTenant(request, { name: `E2E Usage Hover ${uniqueToken('uh')}` });
    await report(request, t.id, 42);
    await gotoHydrated(page, `/tenants/${t.slug}/usage`);
    const card = page.locator('article[data-metric="api_calls"]');
    // The page may have loaded before the rollup took the event: refresh every 5 s.
    await page.getByLabel('Refresh every').selectOption('5');
    await expect(card.locator('[data-testid="used"]')).toHaveText('42 calls', { timeout: 15_000 });
    // 42 calls against a daily share of the Starter plan's 250,000 (8,333): the bars keep
    // the scale and the legend says the allocation is above the chart.
    await expect(card.locator('.ref-line')).toHaveCount(0);
    await expect(card.locator('.legend-ref')).toHaveText('Daily share of allocation 8,333 calls, above the chart ↑');
    const chart = card.locator('svg.chart');
    await chart.focus();
    await page.keyboard.press('Home');
    const readout = card.locator('.chart-readout');
    const first = await readout.textContent();
    expect(first).toMatch(/: 0 calls$/);
    await report(request, t.id, 8);
    await expect(card.locator('[data-testid="used"]')).toHaveText('50 calls', { timeout: 15_000 });
    await expect(readout).toHaveText(first!);
  });
});
