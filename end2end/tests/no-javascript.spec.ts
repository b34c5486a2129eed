// Without JavaScript: every page is complete server-rendered HTML, and the links and
import { ADMIN_EMAIL } from '../global-setup';
// forms still work (the lifecycle form posts to a server function that redirects back).
import { activateTenant, createTenant, getTenant, invite, test, expect, uniqueToken } from './helpers';

test.use({ javaScriptEnabled: false });

/** The `<dd>` that follows the `<dt>` with this text, in the overview. */
const prop = (page: import('@playwright/test').Page, term: string) =>
  page.locator('dl.props dt', { hasText: new RegExp(`^${term}$`) }).locator('xpath=following-sibling::dd[1]');

test.describe('without JavaScript', () => {
  test('the tenant page is complete server-rendered HTML', async ({ page, request }) => {
    const token = uniqueToken('nj');
    const t = await createTenant(request, {
      name: `E2E NoJS ${token}`,
      plan: 'enterprise',
      region: 'ap-southeast-1',
      description: 'Rendered on the server.',
    });

    const res = await page.goto(`/tenants/${t.slug}`);
    expect(res?.status()).toBe(200);
    // Really no client: hydration never happens.
    await expect(page.locator('body')).not.toHaveAttribute('data-hydrated', 'true');

    await expect(page.locator('h1')).toContainText(t.name);
    await expect(page.locator('h1 .badge')).toHaveText('Active');
    await expect(page).toHaveTitle(`${t.name} · Tenantry`);
    await expect(prop(page, 'Slug')).toHaveText(t.slug);
    await expect(prop(page, 'Region')).toHaveText('ap-southeast-1');
    await expect(prop(page, 'Plan')).toHaveText('Enterprise');
    await expect(prop(page, 'Description')).toHaveText('Rendered on the server.');
    await expect(prop(page, 'ID')).toHaveText(t.id);

    // The tabs are plain links that work too.
    await page.locator('nav.tabs').getByRole('link', { name: 'Audit' }).click();
    await expect(page).toHaveURL(new RegExp(`/tenants/${t.slug}/audit$`));
    await expect(page.locator('ol.timeline')).toContainText(`${ADMIN_EMAIL} created the tenant`);
    await page.locator('nav.tabs').getByRole('link', { name: 'Settings' }).click();
    await expect(page).toHaveURL(new RegExp(`/tenants/${t.slug}/settings$`));
    await expect(page.getByRole('button', { name: 'Save changes' })).toBeVisible();
  });

  test('the filtered list is server-rendered and the filter form works', async ({ page, request }) => {
    const token = uniqueToken('njl');
    const a = await createTenant(request, { name: `E2E NoJS List ${token} A`, plan: 'free' });
    const b = await createTenant(request, { name: `E2E NoJS List ${token} B`, plan: 'enterprise' });

    await page.goto(`/tenants?q=${token}`);
    await expect(page.locator('table.table tbody tr')).toHaveCount(2);
    await expect(page.locator('a.cell-title', { hasText: a.name })).toHaveAttribute('href', `/tenants/${a.slug}`);
    await expect(page.locator('a.cell-title', { hasText: b.name })).toBeVisible();

    // The toolbar is a GET form: enter a search, choose a plan and press Apply.
    await page.locator('#tenant-search').fill(token);
    await page.locator('#f-plan').selectOption('enterprise');
    await page.getByRole('button', { name: 'Apply' }).click();
    await expect(page).toHaveURL(/[?&]plan=enterprise(&|$)/);
    expect(new URL(page.url()).searchParams.get('q')).toBe(token);
    await expect(page.locator('table.table tbody tr')).toHaveCount(1);
    await expect(page.locator('a.cell-title')).toHaveText(b.name);
    await expect(page.locator('#f-plan')).toHaveValue('enterprise');

    await page.locator('a.cell-title', { hasText: b.name }).click();
    await expect(page).toHaveURL(new RegExp(`/tenants/${b.slug}$`));
    await expect(page.locator('h1')).toContainText(b.name);
  });

  test('the suspend confirmation is server-rendered and its form works', async ({ page, request }) => {
    const token = uniqueToken('njs');
    const t = await createTenant(request, { name: `E2E NoJS Suspend ${token}`, plan: 'starter' });
    await activateTenant(request, t.id);
    const reason = `Suspended without JavaScript ${token}`;

    await page.goto(`/tenants/${t.slug}`);
    await expect(page.locator('h1 .badge')).toHaveText('Active');
    await page.getByRole('link', { name: 'Suspend', exact: true }).click();
    await expect(page).toHaveURL(new RegExp(`/tenants/${t.slug}\\?confirm=suspend$`));
    const dialog = page.getByRole('dialog');
    await expect(dialog).toBeVisible();
    await expect(dialog.getByRole('heading')).toHaveText(`Suspend ${t.name}?`);

    await dialog.getByLabel('Reason').fill(reason);
    await dialog.getByRole('button', { name: 'Suspend' }).click();

    // The server function redirects back to the tenant page, which now shows the result.
    await expect(page).toHaveURL(new RegExp(`/tenants/${t.slug}(\\?.*)?$`));
    await expect(page.locator('h1 .badge')).toHaveText('Suspended');
    await expect(page.locator('.alert-warning')).toHaveText(`Suspended: ${reason}`);
    await expect(page.getByRole('dialog')).toHaveCount(0);
    const after = await getTenant(request, t.id);
    expect(after.status).toBe('suspended');
    expect(after.status_reason).toBe(reason);
  });

  // Inputs carry their value in the server HTML too, so forms work before (and without)
  // the WebAssembly.
  test('the server-rendered search box keeps the query, so Apply keeps the search', async ({
    page,
    request,
  }) => {
    const token = uniqueToken('njq');
    await createTenant(request, { name: `E2E NoJS Keep ${token}`, plan: 'free' });
    await page.goto(`/tenants?q=${token}`);
    await expect(page.locator('table.table tbody tr')).toHaveCount(1);
    await page.locator('#f-plan').selectOption('free');
    await page.getByRole('button', { name: 'Apply' }).click();
    await expect(page).toHaveURL(/[?&]plan=free(&|$)/);
    expect(new URL(page.url()).searchParams.get('q'), 'the search survives Apply').toBe(token);
  });

  test('the server-rendered Settings form shows the current values', async ({ page, request }) => {
    const t = await createTenant(request, {
      name: `E2E NoJS Form ${uniqueToken('njf')}`,
      description: 'Shown in the form.',
    });
    await page.goto(`/tenants/${t.slug}/settings`);
    await expect(page.getByRole('button', { name: 'Save changes' })).toBeVisible();
    await expect(page.getByLabel('Name *')).toHaveValue(t.name, { timeout: 2_000 });
    await expect(page.getByLabel('Description')).toHaveValue('Shown in the form.', { timeout: 2_000 });
  });

  test('an old ?tab= address is redirected to the tab', async ({ page, request }) => {
    const t = await createTenant(request, { name: `E2E NoJS Old ${uniqueToken('njo')}` });
    const res = await page.goto(`/tenants/${t.slug}?tab=audit`);
    expect(res?.status()).toBe(200);
    await expect(page).toHaveURL(new RegExp(`/tenants/${t.slug}/audit$`));
    await expect(page.locator('nav.tabs').getByRole('link', { name: 'Audit' })).toHaveAttribute('aria-current', 'page');
    await expect(page.locator('ol.timeline')).toContainText(`${ADMIN_EMAIL} created the tenant`);
  });

  test("the Members tab's revoke confirmation is server-rendered and its form works", async ({ page, request }) => {
    const token = uniqueToken('njm');
    const t = await activateTenant(request, (await createTenant(request, { name: `E2E NoJS Members ${token}`, plan: 'professional' })).id);
    const email = `${token}@example.com`;
    await invite(request, t.id, email, 'member');

    await page.goto(`/tenants/${t.slug}/members`);
    await expect(page.locator('nav.tabs').getByRole('link', { name: 'Members' })).toHaveAttribute('aria-current', 'page');
    await page.getByRole('link', { name: `Revoke the invitation to ${email}` }).click();
    await expect(page).toHaveURL(new RegExp(`/tenants/${t.slug}/members\\?revoke=[0-9a-f-]{36}$`));
    const dialog = page.getByRole('dialog');
    await expect(dialog.getByRole('heading')).toHaveText(`Revoke the invitation to ${email}?`);
    await dialog.getByRole('button', { name: 'Revoke' }).click();

    // The server function redirects back; the invitation is now an earlier one.
    await expect(page).toHaveURL(new RegExp(`/tenants/${t.slug}/members`));
    await expect(page.getByRole('dialog')).toHaveCount(0);
    await expect(page.getByText('No pending invitations.')).toBeVisible();
    await expect(page.locator('details.earlier')).toContainText('Earlier invitations (1)');
  });
});
