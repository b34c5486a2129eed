// Creating a tenant: client and server validation, live slug availability, the result.
import type { Page } from '@playwright/test';
import { createTenant, getTenant, gotoHydrated, searchTenants, slugOf, test, expect, uniqueToken } from './helpers';

const fieldError = (page: Page, id: string) => page.locator(`#${id}-error.field-error`);

/** Counts the create requests the page sends to the server. */
function countCreates(page: Page): { count: number } {
  const seen = { count: 0 };
  page.on('request', (r) => {
    if (r.method() === 'POST' && /\/api\/create_tenant/.test(r.url())) seen.count += 1;
  });
  return seen;
}

test.describe('new tenant', () => {
  test('submitting the empty form shows what is missing and creates nothing', async ({ page, request }) => {
    const token = uniqueToken('nx');
    await gotoHydrated(page, '/tenants/new');
    await expect(page.getByRole('heading', { level: 1 })).toHaveText('New tenant');
    const creates = countCreates(page);

    // Only a (searchable) domain, so we can look for an accidental tenant afterwards.
    await page.getByLabel('Custom domain').fill(`${token}.example.com`);
    await page.getByRole('button', { name: 'Create tenant' }).click();

    await expect(fieldError(page, 'name')).toHaveText('Enter a name.');
    await expect(fieldError(page, 'plan')).toHaveText('Choose a plan.');
    await expect(fieldError(page, 'region')).toHaveText('Choose a region.');
    await expect(page.locator('#name')).toHaveAttribute('aria-invalid', 'true');
    await expect(page.locator('#plan')).toHaveAttribute('aria-invalid', 'true');
    await expect(page).toHaveURL(/\/tenants\/new$/);
    await expect(page.locator('.toast')).toHaveCount(0);
    expect(creates.count).toBe(0);
    expect(await searchTenants(request, token)).toHaveLength(0);

    // Fixing one field clears only its message on the next submit.
    await page.getByLabel('Name *').fill(`E2E Partial ${token}`);
    await page.getByRole('button', { name: 'Create tenant' }).click();
    await expect(fieldError(page, 'name')).toHaveCount(0);
    await expect(fieldError(page, 'plan')).toHaveText('Choose a plan.');
    await expect(fieldError(page, 'region')).toHaveText('Choose a region.');
    expect(creates.count).toBe(0);
    expect(await searchTenants(request, token)).toHaveLength(0);
  });

  test('the slug follows the name, is checked live, and a valid form creates the tenant', async ({
    page,
    request,
  }) => {
    const token = uniqueToken('nw');
    const name = `E2E Fresh ${token}`;
    const slug = slugOf(name);
    await gotoHydrated(page, '/tenants/new');

    await page.getByLabel('Name *').pressSequentially(name);
    await expect(page.getByLabel('Slug')).toHaveValue(slug);
    await expect(page.locator('.slug-status')).toHaveText(`✓ ${slug} is available`);

    await page.getByLabel('Description').fill('Created by the end-to-end tests.');
    await page.getByLabel('Plan *').selectOption('professional');
    await page.getByLabel('Region *').selectOption('ap-northeast-1');
    await page.getByLabel('Custom domain').fill(`${token}.example.com`);
    await page.getByRole('button', { name: 'Create tenant' }).click();

    await expect(page).toHaveURL(new RegExp(`/tenants/${slug}$`));
    await expect(page.locator('.toast', { hasText: `Created ${name}.` })).toBeVisible();
    await expect(page.locator('h1')).toContainText(name);
    await expect(page.locator('h1 .badge')).toHaveText('Pending');
    await expect(page.getByRole('link', { name: 'Activate', exact: true })).toBeVisible();

    const created = await getTenant(request, slug);
    expect(created).toMatchObject({
      name,
      slug,
      status: 'pending',
      plan: 'professional',
      region: 'ap-northeast-1',
      domain: `${token}.example.com`,
      description: 'Created by the end-to-end tests.',
    });
    // The overview shows what was entered.
    const props = page.locator('dl.props').first();
    await expect(props).toContainText('ap-northeast-1');
    await expect(props).toContainText(`${token}.example.com`);
  });

  test('a taken slug is flagged live and refused by the server, then a free one works', async ({
    page,
    request,
  }) => {
    const token = uniqueToken('tk');
    const existing = await createTenant(request, { name: `E2E Taken ${token}`, plan: 'free', region: 'us-east-1' });
    const name = `E2E Second ${token}`;
    await gotoHydrated(page, '/tenants/new');

    await page.getByLabel('Name *').fill(name);
    await expect(page.locator('.slug-status')).toHaveText(`✓ ${slugOf(name)} is available`);

    // Editing the slug by hand stops it following the name.
    const slugBox = page.getByLabel('Slug');
    await slugBox.fill(existing.slug);
    await expect(page.locator('.slug-status')).toHaveText('✗ That slug is already taken.');
    await page.getByLabel('Name *').fill(`${name} Renamed`);
    await expect(slugBox).toHaveValue(existing.slug);

    await page.getByLabel('Plan *').selectOption('starter');
    await page.getByLabel('Region *').selectOption('eu-west-1');
    await page.getByRole('button', { name: 'Create tenant' }).click();

    // The server's answer lands under the slug field; nothing else is flagged.
    await expect(fieldError(page, 'slug')).toHaveText('That slug is already taken.');
    await expect(slugBox).toHaveAttribute('aria-invalid', 'true');
    await expect(page.locator('.field-error')).toHaveCount(1);
    await expect(page).toHaveURL(/\/tenants\/new$/);
    expect(await searchTenants(request, token)).toHaveLength(1);
    expect((await getTenant(request, existing.slug)).name).toBe(existing.name);

    // A malformed slug is caught before anything is sent.
    await slugBox.fill('Bad_Slug');
    await expect(page.locator('.slug-status .taken')).toBeVisible();

    // A free slug goes through.
    const free = `e2e-free-${token}`;
    await slugBox.fill(free);
    await expect(page.locator('.slug-status')).toHaveText(`✓ ${free} is available`);
    await page.getByRole('button', { name: 'Create tenant' }).click();
    await expect(page).toHaveURL(new RegExp(`/tenants/${free}$`));
    await expect(page.locator('.toast', { hasText: `Created ${name} Renamed.` })).toBeVisible();
    await expect(page.locator('h1 .badge')).toHaveText('Pending');
    expect(await searchTenants(request, token)).toHaveLength(2);
  });
});
