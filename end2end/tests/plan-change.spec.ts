// Plan changes (issue 12, P5): a platform admin moves an active tenant to another plan
// from its Overview; the confirmation names the move, the run is shown live step by step
// like provisioning, and the tenant's plan changes without a reload.
import { activateTenant, createTenant, getTenant, gotoHydrated, test, expect, uniqueToken } from './helpers';

test('a platform admin upgrades a tenant and follows the run live', async ({ page, request }) => {
  const t = await activateTenant(request, (await createTenant(request, { name: `E2E Plans ${uniqueToken('pc')}` })).id);
  expect(t.plan).toBe('starter');
  await gotoHydrated(page, `/tenants/${t.slug}`);
  await page.evaluate(() => ((window as unknown as { stayed?: boolean }).stayed = true));
  const card = page.locator('section[aria-labelledby="plan-change-title"]');
  await card.getByLabel('Move to').selectOption('professional');
  await card.getByRole('button', { name: 'Change plan…' }).click();

  const dialog = page.getByRole('dialog');
  await expect(dialog).toContainText(`Move ${t.name} to the Professional plan?`);
  await dialog.getByRole('button', { name: 'Change plan' }).click();
  await expect(page.getByText(`The plan change of ${t.name} is under way.`)).toBeVisible();

  const run = card.locator('.run-card');
  await expect(run.locator('.run-head .badge')).toHaveText('Succeeded', { timeout: 20_000 });
  await expect(run.locator('.step-succeeded')).toHaveCount(4);
  await expect.poll(async () => (await getTenant(request, t.id)).plan).toBe('professional');
  // The page followed it without a reload: the select now offers the old plan.
  await expect(card.getByLabel('Move to').locator('option[value="starter"]')).toHaveCount(1);
  expect(await page.evaluate(() => (window as unknown as { stayed?: boolean }).stayed)).toBe(true);
});
