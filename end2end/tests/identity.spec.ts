// Identity in the browser (A1, A3, A4): signing in and out, inviting someone and reading
// the real email, accepting, switching tenants, and what a viewer may not do.
import { ADMIN_EMAIL, ADMIN_PASSWORD } from '../global-setup';
import {
  acceptAsNewPerson,
  activateTenant,
  createTenant,
  expect,
  gotoHydrated,
  invitationLink,
  invite,
  tenantWithNewMember,
  test,
  uniqueToken,
} from './helpers';

test.describe('signed out', () => {
  test.use({ storageState: { cookies: [], origins: [] } });

  test('sign in, a wrong password, sign out', async ({ page }) => {
    await page.goto('/tenants');
    await expect(page).toHaveURL(/\/login\?next=%2Ftenants$/);
    await expect(page.getByRole('heading', { name: 'Sign in' })).toBeVisible();
    await page.locator('body[data-hydrated="true"]').waitFor({ state: 'attached' });

    await page.getByLabel('Email').fill(ADMIN_EMAIL);
    await page.getByLabel('Password').fill('not my password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect(page.getByRole('alert')).toContainText("don't match");
    await expect(page).toHaveURL(/\/login/);

    await page.getByLabel('Password').fill(ADMIN_PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect(page).toHaveURL(/\/tenants$/);
    await expect(page.getByRole('heading', { name: 'Tenants', level: 1 })).toBeVisible();
    await expect(page.getByRole('region', { name: 'Your account' })).toContainText(ADMIN_EMAIL);

    // Sign out lives in the person's menu (a <details>, so it opens without JavaScript too).
    await page.getByRole('region', { name: 'Your account' }).locator('summary').click();
    await page.getByRole('button', { name: 'Sign out' }).click();
    await expect(page).toHaveURL(/\/login/);
    await page.goto('/tenants');
    await expect(page).toHaveURL(/\/login/);
  });
});

test('invite by email, accept, and see only your tenant', async ({ page, request, browser }) => {
  const token = uniqueToken('inv');
  const t = await activateTenant(request, (await createTenant(request, { name: `Invite ${token}`, plan: 'professional' })).id);
  await createTenant(request, { name: `Not Yours ${token}` });
  const email = `${token}@example.com`;

  await gotoHydrated(page, `/tenants/${t.slug}/members`);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Role').selectOption('member');
  await page.getByRole('button', { name: 'Send invitation' }).click();
  await expect(page.getByText(`Invitation sent to ${email}.`)).toBeVisible();
  await expect(page.getByRole('cell', { name: email, exact: true })).toBeVisible();

  const link = await invitationLink(email);
  const ctx = await browser.newContext({ storageState: { cookies: [], origins: [] } });
  const newcomer = await ctx.newPage();
  await acceptAsNewPerson(newcomer, link, 'New Member', 'a long enough password');
  await expect(newcomer.getByRole('heading', { name: t.name })).toBeVisible();
  await expect(newcomer.getByRole('region', { name: 'Your account' })).toContainText(t.name);

  // Only their tenant, in the list and by address.
  await gotoHydrated(newcomer, '/tenants');
  await expect(newcomer.locator('tbody tr')).toHaveCount(1);
  await expect(newcomer.locator('tbody')).toContainText(t.name);
  const other = await newcomer.goto(`/tenants/not-yours-${token}`);
  expect(other?.status()).toBe(404);

  // The link worked once.
  await newcomer.goto(link);
  await expect(newcomer.getByText('already accepted')).toBeVisible();
  await ctx.close();
});

test('switch between two tenants from the sidebar', async ({ request, browser }) => {
  const token = uniqueToken('sw');
  const a = await activateTenant(request, (await createTenant(request, { name: `Alpha ${token}`, plan: 'professional' })).id);
  const b = await activateTenant(request, (await createTenant(request, { name: `Bravo ${token}`, plan: 'professional' })).id);
  const email = `${token}@example.com`;
  await invite(request, a.id, email, 'admin');
  const first = await invitationLink(email);
  const ctx = await browser.newContext({ storageState: { cookies: [], origins: [] } });
  const page = await ctx.newPage();
  await acceptAsNewPerson(page, first, 'Switcher', 'a long enough password');

  // A second invitation to the same person: signed in, they just accept.
  await invite(request, b.id, email, 'viewer');
  const second = await invitationLink(email);
  expect(second).not.toBe(first);
  await gotoHydrated(page, second);
  await page.getByRole('button', { name: 'Accept invitation' }).click();
  await page.waitForURL(new RegExp(`/tenants/${b.id}$`));
  // Accepting ends in a full page load: wait for it to be interactive before switching.
  await page.waitForSelector('body[data-hydrated]');

  const account = page.getByRole('region', { name: 'Your account' });
  await expect(account).toContainText(b.name);
  await account.getByLabel('Switch tenant').selectOption({ label: `${a.name} (Admin)` });
  await expect(page).toHaveURL(new RegExp(`/tenants/${a.slug}$`));
  await expect(account).toContainText(a.name);
  await expect(page.getByRole('heading', { name: a.name })).toBeVisible();
  await ctx.close();
});

test('a viewer sees no edit controls and a crafted request is refused', async ({ request, browser }) => {
  const { t, page, ctx } = await tenantWithNewMember(request, browser, 'Viewed', 'viewer', 'Vic Viewer');

  await gotoHydrated(page, `/tenants/${t.slug}`);
  await expect(page.getByRole('heading', { name: t.name })).toBeVisible();
  await expect(page.getByRole('link', { name: 'Suspend' })).toHaveCount(0);
  await expect(page.getByRole('link', { name: 'API keys' })).toHaveCount(0);
  // The settings are there to read, not to change.
  await page.getByRole('link', { name: 'Settings', exact: true }).click();
  await expect(page.getByTestId('read-only')).toBeVisible();
  await expect(page.getByRole('textbox', { name: 'Name' })).toBeDisabled();
  await expect(page.getByRole('button', { name: 'Save changes' })).toBeDisabled();
  await expect(page.getByRole('button', { name: 'Save branding' })).toBeDisabled();
  await expect(page.locator('#logo-file')).toBeDisabled();
  await page.getByRole('link', { name: 'Members' }).click();
  await expect(page.getByRole('button', { name: 'Send invitation' })).toHaveCount(0);
  await expect(page.getByRole('button', { name: /^Remove/ })).toHaveCount(0);

  // Crafted calls with the viewer's own session: refused by the server.
  const suspend = await page.request.post(`/api/v1/tenants/${t.id}/suspend`, { data: { reason: 'crafted' } });
  expect(suspend.status()).toBe(403);
  const edit = await page.request.put(`/api/v1/tenants/${t.id}`, { data: { name: 'Hijacked' } });
  expect(edit.status()).toBe(403);
  expect((await request.get(`/api/v1/tenants/${t.id}`).then((r) => r.json())).name).toBe(t.name);
  await ctx.close();
});
