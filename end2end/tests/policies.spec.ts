// Auto-scaling policies on the Resources tab (issue 12, R4): a person adds a policy through
// the form, sees it listed with its condition and action, tries it on the last 30 days, and
// turns it off; a bad form names the field and adds nothing.
import { createTenant, gotoHydrated, test, expect, uniqueToken } from './helpers';

test.describe('auto-scaling policies', () => {
  test('adds a policy, tries it and turns it off', async ({ page, request }) => {
    const t = await createTenant(request, { name: `E2E Policies ${uniqueToken('po')}` });
    await gotoHydrated(page, `/tenants/${t.slug}/resources`);
    const card = page.getByTestId('policies');
    await expect(card.getByText('No policies yet')).toBeVisible();

    await card.getByText('Add a policy…').click();
    await card.getByLabel('Name', { exact: true }).fill('Grow storage early');
    await card.getByLabel('Resource', { exact: true }).selectOption('storage_gb');
    await card.getByLabel('Threshold', { exact: true }).fill('75');
    await card.getByLabel('Maximum allocation', { exact: true }).fill('abc');
    await card.getByRole('button', { name: 'Add policy' }).click();
    await expect(card.getByText('Enter a number.')).toBeVisible();
    await expect(card.getByText('No policies yet')).toBeVisible();

    await card.getByLabel('Maximum allocation', { exact: true }).fill('40');
    await card.getByRole('button', { name: 'Add policy' }).click();
    await expect(page.getByText('Policy “Grow storage early” added.')).toBeVisible();
    const row = card.locator('tbody tr').filter({ hasText: 'Grow storage early' });
    await expect(row).toContainText('utilization ≥ 75 % for 10 min');
    await expect(row).toContainText('× 1.5 within 1–40');
    await expect(row.locator('.badge')).toHaveText('on');

    await row.getByRole('button', { name: 'Try on 30 days' }).click();
    await expect(card.getByTestId('simulation')).toContainText('What it would have done.');

    await row.getByRole('button', { name: 'Turn off' }).click();
    await expect(row.locator('.badge')).toHaveText('off');
    await expect(row.getByRole('button', { name: 'Turn on' })).toBeVisible();
  });
});
