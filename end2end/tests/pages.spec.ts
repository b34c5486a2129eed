// The other pages render, client-side navigation works, and the list fits a phone.
import { ADMIN_EMAIL } from '../global-setup';
import { createTenant, gotoHydrated, test, expect, uniqueToken } from './helpers';

test.describe('pages', () => {
  test('the dashboard shows its heading and the new-tenants chart', async ({ page, request }) => {
    // At least one tenant, so the dashboard has something to count.
    await createTenant(request, { name: `E2E Dash ${uniqueToken('db')}` });
    await gotoHydrated(page, '/');
    await expect(page.getByRole('heading', { level: 1 })).toHaveText('Dashboard');
    await expect(page).toHaveTitle(/Tenantry/);
    await expect(page.getByRole('heading', { name: 'New tenants per day' })).toBeVisible();
    await expect(page.locator('svg.chart[role="img"]').first()).toBeVisible();
  });

  test('the audit log, REST API and status pages render', async ({ page }) => {
    await gotoHydrated(page, '/audit');
    await expect(page.getByRole('heading', { level: 1 })).toHaveText('Audit log');

    await gotoHydrated(page, '/api-docs');
    await expect(page.getByRole('heading', { level: 1 })).toHaveText('REST API');

    await gotoHydrated(page, '/status');
    await expect(page.getByRole('heading', { level: 1 })).toHaveText('System status');
    await expect(page.getByText('All systems operational')).toBeVisible();
    // Every background worker of this instance, beating (H1, O3).
    const workers = page.getByRole('region', { name: 'Background workers' });
    for (const name of ['workflow-listener', 'workflow-1', 'template-rollout', 'session-cleanup', 'export-purge']) {
      const row = workers.getByRole('row').filter({ hasText: name });
      await expect(row).toContainText('(this one)');
      // The listener's first round lasts until a notification or its poll interval.
      await expect(row).toContainText(/Running|Starting/);
      await expect(row).not.toContainText(/Stopped|Failing/);
    }
  });

  test('the sidebar navigates between pages in the client', async ({ page }) => {
    await gotoHydrated(page, '/');
    const nav = page.getByRole('navigation', { name: 'Main' });
    for (const [link, url, heading] of [
      ['Tenants', /\/tenants$/, 'Tenants'],
      ['Audit log', /\/audit$/, 'Audit log'],
      ['REST API', /\/api-docs$/, 'REST API'],
      ['System status', /\/status$/, 'System status'],
      ['Dashboard', /\/$/, 'Dashboard'],
    ] as const) {
      await nav.getByRole('link', { name: link }).click();
      await expect(page).toHaveURL(url);
      await expect(page.getByRole('heading', { level: 1 })).toHaveText(heading);
      await expect(nav.getByRole('link', { name: link })).toHaveAttribute('aria-current', 'page');
    }
  });

  test('the audit log filters by tenant', async ({ page, request }) => {
    const t = await createTenant(request, { name: `E2E Audit ${uniqueToken('au')}` });
    await gotoHydrated(page, `/audit?tenant=${t.slug}`);
    await expect(page.locator('#a-tenant')).toHaveValue(t.slug);
    // Created, then provisioned by its workflow: newest first.
    const events = page.locator('ol.timeline > li');
    await expect(events).toHaveCount(4);
    await expect(events.first()).toContainText(`${ADMIN_EMAIL} activated the tenant`);
    await expect(events.nth(1)).toContainText("provisioned the tenant's storage and template");
    await expect(events.last()).toContainText(`${ADMIN_EMAIL} created the tenant`);
    await expect(events.last().getByRole('link', { name: t.slug })).toHaveAttribute('href', `/tenants/${t.slug}`);
  });

  test('an unknown tenant shows "Tenant not found"', async ({ page }) => {
    await page.goto(`/tenants/${uniqueToken('missing')}`);
    await expect(page.getByRole('heading', { level: 1 })).toHaveText('Tenant not found');
    await expect(page.getByRole('link', { name: 'Back to the tenant list' })).toHaveAttribute('href', '/tenants');
  });

  test.describe('on a phone', () => {
    test.use({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });

    test('the tenant list has no horizontal page overflow', async ({ page, request }) => {
      const token = uniqueToken('ph');
      await createTenant(request, {
        name: `E2E Phone ${token} With A Rather Long Name For A Narrow Screen`,
        plan: 'enterprise',
        region: 'ap-southeast-1',
      });
      await gotoHydrated(page, `/tenants?q=${token}`);
      await expect(page.locator('table.table tbody tr')).toHaveCount(1);
      const { scrollWidth, innerWidth } = await page.evaluate(() => ({
        scrollWidth: document.documentElement.scrollWidth,
        innerWidth: window.innerWidth,
      }));
      expect(innerWidth).toBe(390);
      expect(scrollWidth).toBeLessThanOrEqual(innerWidth + 1);
    });

    test('the brand link keeps an accessible name when its text is hidden', async ({ page }) => {
      await gotoHydrated(page, '/');
      const brand = page.getByRole('link', { name: 'Tenantry home' });
      await expect(brand).toBeVisible();
      await expect(brand).toHaveAttribute('href', '/');
    });
  });
});
