// The tenant Resources tab (issue 12, R2-R3): scaling a resource with a reason changes its
// gauge and limits and adds a line to the history, without a reload; a change without a
// reason is refused with the field named.
import { createTenant, gotoHydrated, test, expect, uniqueToken } from './helpers';

test.describe('resources tab', () => {
  test('scales a resource with a reason and shows the change', async ({ page, request }) => {
    const t = await createTenant(request, { name: `E2E Resources ${uniqueToken('rs')}` });
    await gotoHydrated(page, `/tenants/${t.slug}/resources`);
    const card = page.locator('article[data-resource="users"]');
    await expect(card.getByTestId('allocated')).toHaveText('25 people');
    await expect(page.getByText('No changes yet')).toBeVisible();
    await page.evaluate(() => ((window as unknown as { stayed?: boolean }).stayed = true));

    await card.getByText('Scale…').click();
    await card.getByLabel('Allocation', { exact: true }).fill('40');
    await card.getByLabel('Soft limit', { exact: true }).fill('30');
    await card.getByLabel('Hard limit', { exact: true }).fill('');
    // The reason is required: the browser says so before anything is sent.
    await card.getByRole('button', { name: 'Save' }).click();
    expect(await card.getByLabel('Reason', { exact: true }).evaluate((el: HTMLInputElement) => el.validity.valueMissing)).toBe(true);

    await card.getByLabel('Reason', { exact: true }).fill('Seasonal team, agreed with the customer');
    await card.getByRole('button', { name: 'Save' }).click();
    await expect(page.getByText('Members scaled.')).toBeVisible();
    await expect(card.getByTestId('allocated')).toHaveText('40 people');
    await expect(card.getByTestId('soft')).toHaveText('30 people');
    await expect(card.getByTestId('hard')).toHaveText('40 people');
    await expect(card.getByRole('meter')).toHaveAttribute('aria-valuemax', '40');
    const row = page.locator('section[aria-labelledby="changes-title"] tbody tr').first();
    await expect(row).toContainText('users');
    await expect(row).toContainText('25 → 40');
    await expect(row).toContainText('Seasonal team, agreed with the customer');
    expect(await page.evaluate(() => (window as unknown as { stayed?: boolean }).stayed)).toBe(true);
  });

  test('refuses limits out of order with the field named', async ({ page, request }) => {
    const t = await createTenant(request, { name: `E2E Resources Bad ${uniqueToken('rb')}` });
    await gotoHydrated(page, `/tenants/${t.slug}/resources`);
    const card = page.locator('article[data-resource="projects"]');
    await card.getByText('Scale…').click();
    await card.getByLabel('Allocation', { exact: true }).fill('10');
    await card.getByLabel('Soft limit', { exact: true }).fill('20');
    await card.getByLabel('Hard limit', { exact: true }).fill('15');
    await card.getByLabel('Reason', { exact: true }).fill('testing the rules');
    await card.getByRole('button', { name: 'Save' }).click();
    await expect(card.getByText("The soft limit can't be above the hard limit.")).toBeVisible();
    await expect(page.getByText('No changes yet')).toBeVisible();
  });
});
