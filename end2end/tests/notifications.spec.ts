// Notifications (C5): a tenant admin hears of the tenant's suspension in the notification
// centre (the sidebar counts it), marks it read, and chooses what reaches them.
import { expect, gotoHydrated, suspendTenant, tenantWithNewMember, test } from './helpers';

test('a suspension reaches the centre, is marked read, and the choices are saved', async ({ request, browser }) => {
  const { t, page, ctx } = await tenantWithNewMember(request, browser, 'Notify', 'admin', 'Nia Notified');
  await suspendTenant(request, t.id, 'Payment overdue');

  // The notifications worker turns the event into a notice within a few seconds.
  await expect(async () => {
    await gotoHydrated(page, '/notifications');
    await expect(page.getByTestId('notice').filter({ hasText: 'The tenant was suspended' })).toBeVisible({ timeout: 1_000 });
  }).toPass({ timeout: 20_000 });
  const notice = page.getByTestId('notice').filter({ hasText: 'The tenant was suspended' });
  await expect(notice).toContainText('Reason: Payment overdue');
  await expect(notice).toContainText(t.name);
  const badge = page.getByRole('navigation', { name: 'Main' }).getByTestId('unread');
  await expect(badge).toBeVisible();

  await page.getByRole('button', { name: 'Mark all as read' }).click();
  await expect(page.getByText('0 unread')).toBeVisible();
  await expect(badge).toBeHidden();

  // The choices: everything in the app by default; an admin gets no email until asking.
  const prefs = page.getByTestId('notification-prefs');
  const byEmail = prefs.getByLabel(`${t.name}: Lifecycle by email`);
  const inApp = prefs.getByLabel(`${t.name}: Lifecycle in the app`);
  await expect(byEmail).not.toBeChecked();
  await expect(inApp).toBeChecked();
  await byEmail.check();
  await inApp.uncheck();
  await prefs.getByRole('button', { name: 'Save choices' }).click();
  await expect(page.getByText('Saved your notification choices.')).toBeVisible();
  const api = await page.request.get('/api/v1/me/notifications').then((r) => r.json());
  const lifecycle = api.preferences.find((p: { tenant_id: string; event: string }) => p.tenant_id === t.id && p.event === 'lifecycle');
  expect([lifecycle.email, lifecycle.in_app, lifecycle.default]).toEqual([true, false, false]);
  await ctx.close();
});
