// The lifecycle actions on the tenant page: confirm, reason, toast, badge, audit trail.
import { ADMIN_EMAIL } from '../global-setup';
import type { Page } from '@playwright/test';
import {
  activateTenant,
  createTenant,
  getTenant,
  gotoHydrated,
  test,
  expect,
  uniqueToken,
  type Tenant,
} from './helpers';

const badge = (page: Page) => page.locator('h1 .badge');
const dialog = (page: Page) => page.getByRole('dialog');
const tabs = (page: Page) => page.locator('nav.tabs');

async function activeTenant(request: Parameters<typeof createTenant>[0]): Promise<Tenant> {
  const token = uniqueToken('lc');
  const t = await createTenant(request, { name: `E2E Life ${token}`, plan: 'professional', region: 'us-west-2' });
  return activateTenant(request, t.id);
}

async function openAudit(page: Page, t: Tenant) {
  await tabs(page).getByRole('link', { name: 'Audit' }).click();
  await expect(page).toHaveURL(new RegExp(`/tenants/${t.slug}/audit$`));
  await expect(tabs(page).getByRole('link', { name: 'Audit' })).toHaveAttribute('aria-current', 'page');
  await expect(page.locator('ol.timeline')).toBeVisible();
}

test.describe('tenant lifecycle', () => {
  test('suspend with a reason, see it in the audit trail, then resume', async ({ page, request }) => {
    const t = await activeTenant(request);
    const reason = `Chargeback dispute ${uniqueToken('r')}`;

    await gotoHydrated(page, `/tenants/${t.slug}`);
    await expect(page.locator('h1')).toContainText(t.name);
    await expect(badge(page)).toHaveText('Active');
    await expect(page.getByRole('link', { name: 'Activate', exact: true })).toHaveCount(0);
    await expect(page.getByRole('link', { name: 'Resume', exact: true })).toHaveCount(0);
    await expect(page.locator('.alert-warning')).toHaveCount(0);

    // Suspend: the link opens a confirmation that asks for a reason.
    await page.getByRole('link', { name: 'Suspend', exact: true }).click();
    await expect(page).toHaveURL(new RegExp(`/tenants/${t.slug}\\?confirm=suspend$`));
    await expect(dialog(page)).toBeVisible();
    await expect(dialog(page).getByRole('heading')).toHaveText(`Suspend ${t.name}?`);
    const reasonBox = dialog(page).getByLabel('Reason');
    await expect(reasonBox).toHaveAttribute('required', '');
    await reasonBox.fill(reason);
    await dialog(page).getByRole('button', { name: 'Suspend' }).click();

    await expect(page.locator('.toast', { hasText: `${t.name} is now suspended.` })).toBeVisible();
    await expect(dialog(page)).toHaveCount(0);
    await expect(page).toHaveURL(new RegExp(`/tenants/${t.slug}$`));
    await expect(badge(page)).toHaveText('Suspended');
    await expect(page.locator('.alert-warning')).toHaveText(`Suspended: ${reason}`);
    await expect(page.getByRole('link', { name: 'Resume', exact: true })).toBeVisible();
    await expect(page.getByRole('link', { name: 'Suspend', exact: true })).toHaveCount(0);

    const suspended = await getTenant(request, t.id);
    expect(suspended.status).toBe('suspended');
    expect(suspended.status_reason).toBe(reason);

    // The audit tab lists the suspension with its reason, newest first.
    await openAudit(page, t);
    const events = page.locator('ol.timeline > li');
    await expect(events.first().locator('.timeline-action')).toHaveText(`${ADMIN_EMAIL} suspended the tenant`);
    await expect(events.first()).toContainText(`Reason: ${reason}`);
    await expect(page.locator('ol.timeline')).toContainText(`${ADMIN_EMAIL} activated the tenant`);
    await expect(events.last().locator('.timeline-action')).toHaveText(`${ADMIN_EMAIL} created the tenant`);

    // Resume: no reason needed.
    await page.getByRole('link', { name: 'Resume', exact: true }).click();
    await expect(page).toHaveURL(new RegExp(`/tenants/${t.slug}\\?confirm=resume$`));
    await expect(dialog(page).getByRole('heading')).toHaveText(`Resume ${t.name}?`);
    await expect(dialog(page).locator('#reason')).toHaveCount(0);
    await dialog(page).getByRole('button', { name: 'Resume' }).click();

    await expect(page.locator('.toast', { hasText: `${t.name} is now active.` })).toBeVisible();
    await expect(dialog(page)).toHaveCount(0);
    await expect(badge(page)).toHaveText('Active');
    await expect(page.locator('.alert-warning')).toHaveCount(0);
    expect((await getTenant(request, t.id)).status).toBe('active');

    // Still on the page after the action; the Audit tab now also shows the resumption.
    await page.reload();
    await page.locator('body[data-hydrated="true"]').waitFor({ state: 'attached' });
    await openAudit(page, t);
    await expect(events.first().locator('.timeline-action')).toHaveText(`${ADMIN_EMAIL} resumed the tenant`);
    await expect(page.locator('ol.timeline')).toContainText(`${ADMIN_EMAIL} suspended the tenant`);
  });

  test('Cancel closes the confirmation and leaves the status unchanged', async ({ page, request }) => {
    const t = await activeTenant(request);
    await gotoHydrated(page, `/tenants/${t.slug}`);

    await page.getByRole('link', { name: 'Suspend', exact: true }).click();
    await expect(dialog(page)).toBeVisible();
    await dialog(page).getByLabel('Reason').fill('Changed my mind');
    await dialog(page).getByRole('link', { name: 'Cancel' }).click();

    await expect(dialog(page)).toHaveCount(0);
    await expect(page).toHaveURL(new RegExp(`/tenants/${t.slug}$`));
    await expect(badge(page)).toHaveText('Active');
    await expect(page.locator('.toast')).toHaveCount(0);
    const after = await getTenant(request, t.id);
    expect(after.status).toBe('active');
    expect(after.version).toBe(t.version);

    await openAudit(page, t);
    await expect(page.locator('ol.timeline')).not.toContainText('suspended the tenant');
    await expect(page.locator('ol.timeline > li').first().locator('.timeline-action')).toHaveText(
      `${ADMIN_EMAIL} activated the tenant`,
    );
  });

  test('Escape closes the confirmation too', async ({ page, request }) => {
    const t = await activeTenant(request);
    await gotoHydrated(page, `/tenants/${t.slug}?confirm=suspend`);
    await expect(dialog(page)).toBeVisible();
    await dialog(page).getByLabel('Reason').press('Escape');
    await expect(dialog(page)).toHaveCount(0);
    await expect(page).toHaveURL(new RegExp(`/tenants/${t.slug}$`));
    await expect(badge(page)).toHaveText('Active');
  });

  test('a suspension without a reason is refused', async ({ page, request }) => {
    const t = await activeTenant(request);
    await gotoHydrated(page, `/tenants/${t.slug}?confirm=suspend`);
    const box = dialog(page).locator('#reason');

    // The browser blocks the empty required field: nothing is sent.
    let sent = 0;
    page.on('request', (r) => {
      if (r.method() === 'POST' && /\/api\/change_status/.test(r.url())) sent += 1;
    });
    await dialog(page).getByRole('button', { name: 'Suspend' }).click();
    expect(await box.evaluate((el: HTMLTextAreaElement) => el.validity.valueMissing)).toBe(true);
    await expect(dialog(page)).toBeVisible();
    await expect(badge(page)).toHaveText('Active');

    // Without the attribute (an old browser, a crafted request) the server says why.
    await box.evaluate((el) => el.removeAttribute('required'));
    await box.fill('   ');
    await dialog(page).getByRole('button', { name: 'Suspend' }).click();
    await expect(dialog(page).locator('.field-error')).toHaveText(
      'Say why; the reason is kept in the audit trail.',
    );
    await expect(box).toHaveAttribute('aria-invalid', 'true');
    expect(sent).toBe(1);
    await expect(dialog(page)).toBeVisible();
    await expect(badge(page)).toHaveText('Active');
    expect((await getTenant(request, t.id)).status).toBe('active');
  });

  test('an action that is not legal for the status shows no dialog', async ({ page, request }) => {
    const t = await activeTenant(request);
    // An active tenant cannot be activated again or resumed.
    await gotoHydrated(page, `/tenants/${t.slug}?confirm=resume`);
    await expect(page.locator('h1')).toContainText(t.name);
    await expect(dialog(page)).toHaveCount(0);
    await expect(badge(page)).toHaveText('Active');
  });
});
