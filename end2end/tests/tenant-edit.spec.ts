// The Settings tab: per-field validation, saving, and the audit trail of the edit.
import { ADMIN_EMAIL } from '../global-setup';
import type { APIRequestContext, Page } from '@playwright/test';
import {
  createTenant,
  getTenant,
  gotoHydrated,
  test,
  expect,
  uniqueToken,
  waitForHydration,
  type Tenant,
} from './helpers';

/** A tenant that owns a custom domain, and a second tenant (named `E2E <label> <token>`) to try it on. */
async function domainClash(request: APIRequestContext, prefix: string, label: string) {
  const token = uniqueToken(prefix);
  const domain = `${token}.example.com`;
  await createTenant(request, { name: `E2E Owner ${token}`, domain });
  const t = await createTenant(request, { name: `E2E ${label} ${token}` });
  return { token, domain, t };
}

async function openSettings(page: Page, t: Tenant) {
  await gotoHydrated(page, `/tenants/${t.slug}`);
  await page.locator('nav.tabs').getByRole('link', { name: 'Settings' }).click();
  await expect(page).toHaveURL(new RegExp(`/tenants/${t.slug}/settings$`));
  await expect(page.getByRole('button', { name: 'Save changes' })).toBeVisible();
  await expect(page.getByLabel('Name *')).toHaveValue(t.name);
}

function countSaves(page: Page): { count: number } {
  const seen = { count: 0 };
  page.on('request', (r) => {
    if (r.method() === 'POST' && /\/api\/update_tenant/.test(r.url())) seen.count += 1;
  });
  return seen;
}

test.describe('tenant settings', () => {
  test('invalid input shows messages under the fields and saves nothing', async ({ page, request }) => {
    const t = await createTenant(request, { name: `E2E Edit ${uniqueToken('ed')}`, plan: 'starter' });
    await openSettings(page, t);
    const saves = countSaves(page);

    await page.getByLabel('Name *').fill('');
    await page.getByRole('button', { name: 'Save changes' }).click();

    await expect(page.locator('#name-error.field-error')).toHaveText('Enter a name.');
    await expect(page.getByLabel('Name *')).toHaveAttribute('aria-invalid', 'true');
    await expect(page.locator('.toast')).toHaveCount(0);
    expect(saves.count).toBe(0);

    // Invalid JSON in the metadata is caught too.
    await page.getByLabel('Metadata (JSON)').fill('{ not json');
    await page.getByRole('button', { name: 'Save changes' }).click();
    await expect(page.locator('#metadata-error.field-error')).toContainText('Enter valid JSON');
    expect(saves.count).toBe(0);

    const after = await getTenant(request, t.id);
    expect(after.name).toBe(t.name);
    expect(after.version).toBe(t.version);
    await expect(page.locator('h1')).toContainText(t.name);
  });

  test('a valid rename saves, survives a reload and is audited', async ({ page, request }) => {
    const token = uniqueToken('rn');
    const t = await createTenant(request, { name: `E2E Before ${token}`, plan: 'starter' });
    const newName = `E2E After ${token}`;
    await openSettings(page, t);

    await page.getByLabel('Name *').fill(newName);
    await page.getByLabel('Description').fill('Renamed by the end-to-end tests.');
    await page.getByRole('button', { name: 'Save changes' }).click();

    await expect(page.locator('.toast', { hasText: `Saved changes to ${newName}.` })).toBeVisible();
    await expect(page.locator('.field-error')).toHaveCount(0);
    await expect(page.locator('h1')).toContainText(newName);

    const saved = await getTenant(request, t.id);
    expect(saved.name).toBe(newName);
    expect(saved.slug).toBe(t.slug); // renaming keeps the URL
    expect(saved.version).toBeGreaterThan(t.version);

    await page.reload();
    await waitForHydration(page);
    await expect(page.locator('h1')).toContainText(newName);
    await expect(page.locator('h1')).not.toContainText(t.name);
    await expect(page.getByLabel('Name *')).toHaveValue(newName);

    await page.locator('nav.tabs').getByRole('link', { name: 'Audit' }).click();
    await expect(page).toHaveURL(new RegExp(`/tenants/${t.slug}/audit$`));
    const first = page.locator('ol.timeline > li').first();
    await expect(first.locator('.timeline-action')).toHaveText(`${ADMIN_EMAIL} edited the tenant`);
    await expect(first.locator('details.diff summary')).toContainText('name');

    // A second save from the refreshed form works too (the form sends the new version).
    await page.locator('nav.tabs').getByRole('link', { name: 'Settings' }).click();
    await page.getByLabel('Description').fill('Edited twice.');
    await page.getByRole('button', { name: 'Save changes' }).click();
    await expect.poll(async () => (await getTenant(request, t.id)).description).toBe('Edited twice.');
    await expect(page.locator('.toast', { hasText: `Saved changes to ${newName}.` }).last()).toBeVisible();
    await expect(page.locator('.toast-error')).toHaveCount(0);
  });

  test('the server refuses a domain another tenant uses, and nothing saves', async ({ page, request }) => {
    const { token, domain, t } = await domainClash(request, 'dm', 'Other');
    await openSettings(page, t);

    await page.getByLabel('Custom domain', { exact: true }).fill(domain);
    await page.getByRole('button', { name: 'Save changes' }).click();
    await expect(page.locator('#domain-error.field-error')).toHaveText('Another tenant already uses this domain.');
    await expect(page.locator('.toast-success')).toHaveCount(0);
    const after = await getTenant(request, t.id);
    expect(after.domain).toBeNull();
    expect(after.version).toBe(t.version);
  });

  test('a save over someone else\'s newer change is refused', async ({ page, request }) => {
    const token = uniqueToken('vc');
    const t = await createTenant(request, { name: `E2E Race ${token}` });
    await openSettings(page, t);

    // Someone else edits the tenant after the form was opened.
    const res = await request.put(`/api/v1/tenants/${t.id}`, { data: { description: 'Changed elsewhere.' } });
    expect(res.status()).toBe(200);

    await page.getByLabel('Name *').fill(`E2E Race Mine ${token}`);
    await page.getByRole('button', { name: 'Save changes' }).click();
    await expect(page.locator('.toast-error').first()).toContainText('Someone else changed this tenant');
    await expect(page.locator('.toast-success')).toHaveCount(0);
    const after = await getTenant(request, t.id);
    expect(after.name).toBe(t.name);
    expect(after.description).toBe('Changed elsewhere.');
  });

  // A save reports once, and a refused save leaves the form as the user typed it.
  test('one save shows one toast, and re-opening Settings does not repeat it', async ({ page, request }) => {
    const token = uniqueToken('dt');
    const t = await createTenant(request, { name: `E2E Toast ${token}` });
    await openSettings(page, t);
    // Count every toast ever added (toasts also expire after 6 s, so counting the visible
    // ones would depend on timing).
    await page.evaluate(() => {
      const w = window as unknown as { toastsShown: string[] };
      w.toastsShown = [];
      new MutationObserver((records) => {
        for (const r of records)
          r.addedNodes.forEach((n) => {
            if (n instanceof HTMLElement && n.classList.contains('toast')) w.toastsShown.push(n.innerText);
          });
      }).observe(document.querySelector('.toasts')!, { childList: true, subtree: true });
    });
    const shown = () => page.evaluate(() => (window as unknown as { toastsShown: string[] }).toastsShown.length);

    await page.getByLabel('Description').fill('Saved once.');
    await page.getByRole('button', { name: 'Save changes' }).click();
    await expect(page.locator('.toast', { hasText: `Saved changes to ${t.name}.` }).first()).toBeVisible();
    await expect.poll(async () => (await getTenant(request, t.id)).description).toBe('Saved once.');
    await page.waitForTimeout(1_000); // room for a duplicate to arrive
    expect(await shown(), 'toasts after one save').toBe(1);

    await page.locator('nav.tabs').getByRole('link', { name: 'Audit' }).click();
    await expect(page.locator('ol.timeline')).toBeVisible();
    await page.locator('nav.tabs').getByRole('link', { name: 'Settings' }).click();
    await expect(page.getByLabel('Description')).toHaveValue('Saved once.');
    await page.waitForTimeout(500);
    expect(await shown(), 'toasts after re-opening Settings').toBe(1);
  });

  test('a refused save keeps what was typed', async ({ page, request }) => {
    const { token, domain, t } = await domainClash(request, 'kp', 'Keep');
    await openSettings(page, t);

    await page.getByLabel('Name *').fill(`E2E Keep Renamed ${token}`);
    await page.getByLabel('Custom domain', { exact: true }).fill(domain);
    await page.getByRole('button', { name: 'Save changes' }).click();
    await expect(page.locator('#domain-error.field-error')).toHaveText('Another tenant already uses this domain.');
    await expect(page.getByLabel('Custom domain', { exact: true })).toHaveValue(domain, { timeout: 2_000 });
    await expect(page.getByLabel('Name *')).toHaveValue(`E2E Keep Renamed ${token}`, { timeout: 2_000 });
  });
});
