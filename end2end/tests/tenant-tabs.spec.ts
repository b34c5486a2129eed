// The tenant page's tabs are nested routes: each has its own address that opens directly
// (server-rendered, then hydrated), the tab links navigate in the client and mark the
// current tab, old `?tab=` addresses are redirected, and an unknown tab is not found.
import type { Page } from '@playwright/test';
import { createTenant, gotoHydrated, test, expect, uniqueToken, type Tenant } from './helpers';

const tabs = (page: Page) => page.locator('nav.tabs');

/** Every tab: its path below the tenant's address, its link's name, and something only it shows. */
const TABS: { path: string; name: string; shows: (page: Page) => ReturnType<Page['locator']> }[] = [
  { path: '', name: 'Overview', shows: (p) => p.locator('dl.props').first() },
  { path: '/members', name: 'Members', shows: (p) => p.getByRole('heading', { name: 'Members', level: 2 }) },
  { path: '/api-keys', name: 'API keys', shows: (p) => p.getByRole('heading', { name: 'Create an API key' }) },
  { path: '/workflows', name: 'Workflows', shows: (p) => p.locator('.run-card').first() },
  { path: '/audit', name: 'Audit', shows: (p) => p.locator('ol.timeline') },
  { path: '/usage', name: 'Usage', shows: (p) => p.getByRole('heading', { name: 'Usage this month' }) },
  { path: '/resources', name: 'Resources', shows: (p) => p.getByRole('heading', { name: 'Changes' }) },
  { path: '/health', name: 'Health', shows: (p) => p.getByRole('heading', { name: 'Health checks', exact: true }) },
  { path: '/webhooks', name: 'Webhooks', shows: (p) => p.getByRole('heading', { name: 'Add an endpoint' }) },
  { path: '/settings', name: 'Settings', shows: (p) => p.getByRole('button', { name: 'Save changes' }) },
];

const tabAt = (path: string) => TABS.find((t) => t.path === path)!;

async function expectOnTab(page: Page, t: Tenant, tab: (typeof TABS)[number]) {
  await expect(page).toHaveURL(new RegExp(`/tenants/${t.slug}${tab.path}$`));
  await expect(tabs(page).getByRole('link', { name: tab.name, exact: true })).toHaveAttribute('aria-current', 'page');
  await expect(tabs(page).locator('[aria-current="page"]')).toHaveCount(1);
  await expect(tab.shows(page)).toBeVisible();
  await expect(page.locator('h1')).toContainText(t.name);
}

test.describe('tenant tabs', () => {
  test('the tab navigation is a labelled list of links', async ({ page, request }) => {
    const t = await createTenant(request, { name: `E2E Tabs Nav ${uniqueToken('tn')}` });
    await gotoHydrated(page, `/tenants/${t.slug}`);
    const nav = page.getByRole('navigation', { name: 'Tenant sections' });
    await expect(nav.getByRole('link')).toHaveText(TABS.map((tab) => tab.name));
    for (const tab of TABS) {
      await expect(nav.getByRole('link', { name: tab.name, exact: true })).toHaveAttribute(
        'href',
        `/tenants/${t.slug}${tab.path}`,
      );
    }
  });

  test('every tab opens directly at its own address', async ({ page, request }) => {
    const t = await createTenant(request, { name: `E2E Tabs Deep ${uniqueToken('td')}` });
    for (const tab of TABS) {
      await gotoHydrated(page, `/tenants/${t.slug}${tab.path}`);
      await expectOnTab(page, t, tab);
    }
  });

  test('the tab links navigate in the client and mark the current tab', async ({ page, request }) => {
    const t = await createTenant(request, { name: `E2E Tabs Click ${uniqueToken('tc')}` });
    await gotoHydrated(page, `/tenants/${t.slug}`);
    // A full page load would lose this.
    await page.evaluate(() => ((window as unknown as { stayed: boolean }).stayed = true));
    for (const tab of [...TABS.slice(1), tabAt('')]) {
      await tabs(page).getByRole('link', { name: tab.name, exact: true }).click();
      await expectOnTab(page, t, tab);
    }
    expect(await page.evaluate(() => (window as unknown as { stayed?: boolean }).stayed)).toBe(true);

    // Back goes to the previous tab.
    await page.goBack();
    await expectOnTab(page, t, TABS[TABS.length - 1]);
  });

  test('old ?tab= addresses lead to the tab routes, keeping their other parameters', async ({ page, request }) => {
    const t = await createTenant(request, { name: `E2E Tabs Old ${uniqueToken('to')}` });

    // A full page load (a browser asks for HTML) is answered with a redirect.
    const res = await page.request.get(`/tenants/${t.slug}?tab=members`, {
      maxRedirects: 0,
      headers: { accept: 'text/html' },
    });
    expect(res.status()).toBe(302);
    expect(res.headers()['location']).toBe(`/tenants/${t.slug}/members`);

    await gotoHydrated(page, `/tenants/${t.slug}?tab=members`);
    await expectOnTab(page, t, tabAt('/members'));
    await gotoHydrated(page, `/tenants/${t.slug}?tab=edit`);
    await expectOnTab(page, t, tabAt('/settings'));
    await gotoHydrated(page, `/tenants/${t.slug}?tab=overview`);
    await expectOnTab(page, t, tabAt(''));
    const id = '00000000-0000-4000-8000-000000000000';
    await gotoHydrated(page, `/tenants/${t.slug}?tab=api-keys&revoke=${id}`);
    await expect(page).toHaveURL(new RegExp(`/tenants/${t.slug}/api-keys\\?revoke=${id}$`));

    // An old link followed in the client is redirected too.
    await gotoHydrated(page, `/tenants/${t.slug}`);
    await page.evaluate((href) => {
      const a = document.createElement('a');
      a.href = href;
      a.id = 'old-link';
      a.textContent = 'old link';
      document.querySelector('main')!.prepend(a);
    }, `/tenants/${t.slug}?tab=audit`);
    await page.locator('#old-link').click();
    await expectOnTab(page, t, tabAt('/audit'));
  });

  test('an unknown tab is not found', async ({ page, request }) => {
    const t = await createTenant(request, { name: `E2E Tabs Nope ${uniqueToken('tx')}` });
    const res = await page.goto(`/tenants/${t.slug}/nope`);
    expect(res?.status()).toBe(404);
    await expect(page.getByRole('heading', { level: 1 })).toHaveText('Page not found');
  });

  test.describe('on a phone', () => {
    test.use({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });

    test('the tabs scroll sideways instead of widening the page', async ({ page, request }) => {
      const t = await createTenant(request, { name: `E2E Tabs Phone ${uniqueToken('tp')}` });
      await gotoHydrated(page, `/tenants/${t.slug}/settings`);
      await expectOnTab(page, t, tabAt('/settings'));
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      expect(overflow).toBeLessThanOrEqual(0);
      // The current tab is scrolled into view.
      const current = tabs(page).locator('[aria-current="page"]');
      await expect(current).toBeInViewport();
    });
  });
});
