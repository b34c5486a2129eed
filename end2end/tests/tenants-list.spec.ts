// The tenant list: search as you type, filters, status tabs, bookmarkable URLs.
import type { APIRequestContext, Page } from '@playwright/test';
import {
  activateTenant,
  createTenant,
  gotoHydrated,
  suspendTenant,
  test,
  expect,
  uniqueToken,
  type Tenant,
} from './helpers';

interface Fixture {
  token: string;
  alpha: Tenant; // free, active (provisioned when created)
  bravo: Tenant; // starter, active
  charlie: Tenant; // starter, suspended
}

/** Three tenants sharing a unique token, on two plans, one of them suspended. */
async function seed(request: APIRequestContext): Promise<Fixture> {
  const token = uniqueToken('lst');
  const alpha = await createTenant(request, { name: `E2E List ${token} Alpha`, plan: 'free', region: 'us-east-1' });
  const bravo = await createTenant(request, { name: `E2E List ${token} Bravo`, plan: 'starter', region: 'eu-west-1' });
  const charlie = await createTenant(request, {
    name: `E2E List ${token} Charlie`,
    plan: 'starter',
    region: 'eu-central-1',
  });
  await activateTenant(request, charlie.id);
  await suspendTenant(request, charlie.id, `Unpaid invoice ${token}`);
  return { token, alpha, bravo, charlie };
}

const rows = (page: Page) => page.locator('table.table tbody tr');
const rowLink = (page: Page, t: Tenant) => page.locator('table.table a.cell-title', { hasText: t.name });

/** The table shows exactly these tenants (in any order). */
async function expectRows(page: Page, shown: Tenant[], hidden: Tenant[] = []) {
  await expect(rows(page)).toHaveCount(shown.length);
  for (const t of shown) {
    await expect(rowLink(page, t)).toBeVisible();
    await expect(rowLink(page, t)).toHaveAttribute('href', `/tenants/${t.slug}`);
  }
  for (const t of hidden) {
    await expect(rowLink(page, t)).toHaveCount(0);
  }
}

test.describe('tenant list', () => {
  test('typing a search narrows the table to the matches and puts q in the URL', async ({ page, request }) => {
    const { token, alpha, bravo, charlie } = await seed(request);
    await gotoHydrated(page, '/tenants');

    // Count the list requests the typing causes: the search is debounced.
    const listCalls: string[] = [];
    page.on('request', (r) => {
      if (r.method() === 'POST' && /\/api\/list_tenants/.test(r.url())) listCalls.push(r.postData() ?? '');
    });

    const search = page.getByRole('searchbox', { name: 'Search tenants' });
    await expect(search).toHaveAttribute('id', 'tenant-search');
    await search.pressSequentially(token);

    await expect(page).toHaveURL(new RegExp(`/tenants\\?(.*&)?q=${token}(&|$)`));
    await expectRows(page, [alpha, bravo, charlie]);
    await expect(page.locator('.pager')).toContainText('Showing 3 tenants');
    await expect(search).toHaveValue(token);

    // Debounced: far fewer requests than keystrokes, and the last one carries the whole token.
    expect(listCalls.length).toBeGreaterThanOrEqual(1);
    expect(listCalls.length).toBeLessThan(token.length / 2);
    expect(listCalls[listCalls.length - 1]).toContain(token);
  });

  test('a search without matches shows the empty state', async ({ page, request }) => {
    const { token, alpha } = await seed(request);
    await gotoHydrated(page, `/tenants?q=${token}`);
    await expect(rows(page)).toHaveCount(3);

    const nonsense = `zq${token}xx`;
    await page.locator('#tenant-search').fill(nonsense);
    await expect(page).toHaveURL(new RegExp(`q=${nonsense}`));
    await expect(page.getByRole('heading', { name: 'No tenants match' })).toBeVisible();
    await expect(page.locator('table.table')).toHaveCount(0);
    await expect(rowLink(page, alpha)).toHaveCount(0);
    await expect(page.getByRole('link', { name: 'Clear filters' })).toHaveAttribute('href', '/tenants');
  });

  test('the plan filter narrows the table and keeps the search', async ({ page, request }) => {
    const { token, alpha, bravo, charlie } = await seed(request);
    await gotoHydrated(page, `/tenants?q=${token}`);
    await expectRows(page, [alpha, bravo, charlie]);

    const plan = page.getByLabel('Plan', { exact: true });
    await expect(plan).toHaveAttribute('id', 'f-plan');
    await plan.selectOption('starter');
    await expect(page).toHaveURL(/[?&]plan=starter(&|$)/);
    expect(new URL(page.url()).searchParams.get('q')).toBe(token);
    await expectRows(page, [bravo, charlie], [alpha]);

    await page.locator('#f-plan').selectOption('free');
    await expect(page).toHaveURL(/[?&]plan=free(&|$)/);
    await expectRows(page, [alpha], [bravo, charlie]);

    // Region filter combines with the plan: nothing on the free plan in eu-central-1.
    await page.getByLabel('Region', { exact: true }).selectOption('eu-central-1');
    await expect(page).toHaveURL(/[?&]region=eu-central-1(&|$)/);
    await expect(page.getByRole('heading', { name: 'No tenants match' })).toBeVisible();

    await page.locator('#f-plan').selectOption('');
    await expect(page).not.toHaveURL(/plan=/);
    await expectRows(page, [charlie], [alpha, bravo]);
  });

  test('the Suspended tab narrows to the suspended tenant and the URL reproduces the view', async ({
    page,
    request,
  }) => {
    const { token, alpha, bravo, charlie } = await seed(request);
    await gotoHydrated(page, `/tenants?q=${token}`);
    await expectRows(page, [alpha, bravo, charlie]);

    const tabs = page.getByRole('navigation', { name: 'Filter by status' });
    await expect(tabs.locator('a[aria-current="page"]')).toHaveText(/All\s*3/);
    const suspended = tabs.getByRole('link', { name: /^Suspended/ });
    await expect(suspended).toHaveText(/Suspended\s*1/);
    await expect(tabs.getByRole('link', { name: /^Active/ })).toHaveText(/Active\s*2/);

    await suspended.click();
    await expect(page).toHaveURL(/[?&]status=suspended(&|$)/);
    expect(new URL(page.url()).searchParams.get('q')).toBe(token);
    await expectRows(page, [charlie], [alpha, bravo]);
    await expect(suspended).toHaveAttribute('aria-current', 'page');
    await expect(rows(page).locator('.badge').first()).toHaveText('Suspended');

    // The bookmarked URL, opened afresh, shows the same view with the inputs filled in.
    const bookmark = page.url();
    const fresh = await page.context().newPage();
    await gotoHydrated(fresh, bookmark);
    await expect(fresh.locator('#tenant-search')).toHaveValue(token);
    await expectRows(fresh, [charlie], [alpha, bravo]);
    await expect(
      fresh.getByRole('navigation', { name: 'Filter by status' }).getByRole('link', { name: /^Suspended/ }),
    ).toHaveAttribute('aria-current', 'page');
    await fresh.close();

    // A bookmarked combination of search and plan, loaded directly.
    await gotoHydrated(page, `/tenants?q=${token}&plan=starter`);
    await expect(page.locator('#tenant-search')).toHaveValue(token);
    await expect(page.locator('#f-plan')).toHaveValue('starter');
    await expectRows(page, [bravo, charlie], [alpha]);
  });

  test('clicking a row opens the tenant page', async ({ page, request }) => {
    const { token, bravo } = await seed(request);
    await gotoHydrated(page, `/tenants?q=${token}`);
    await rowLink(page, bravo).click();
    await expect(page).toHaveURL(new RegExp(`/tenants/${bravo.slug}$`));
    await expect(page.locator('h1')).toContainText(bravo.name);
    await expect(page.locator('h1 .badge')).toHaveText('Active');
  });

  test('sorting by name toggles the order and aria-sort', async ({ page, request }) => {
    const { token, alpha, bravo, charlie } = await seed(request);
    await gotoHydrated(page, `/tenants?q=${token}`);
    const titles = page.locator('table.table a.cell-title');
    // Newest first by default.
    await expect(titles).toHaveText([charlie.name, bravo.name, alpha.name]);

    const nameHeader = page.locator('th', { has: page.locator('a.sort', { hasText: 'Name' }) });
    await expect(nameHeader).toHaveAttribute('aria-sort', 'none');
    await nameHeader.locator('a.sort').click();
    await expect(page).toHaveURL(/[?&]sort=name(&|$)/);
    await expect(titles).toHaveText([alpha.name, bravo.name, charlie.name]);
    await expect(nameHeader).toHaveAttribute('aria-sort', 'ascending');

    await nameHeader.locator('a.sort').click();
    await expect(page).toHaveURL(/[?&]sort=-name(&|$)/);
    await expect(titles).toHaveText([charlie.name, bravo.name, alpha.name]);
    await expect(nameHeader).toHaveAttribute('aria-sort', 'descending');
    expect(new URL(page.url()).searchParams.get('q')).toBe(token);
  });
});
