// The provisioning wizard (P1): a validation error on each step, back and next keep what
// was typed, the draft survives a reload, create starts provisioning and the workflow view
// shows the steps complete; a taken slug is refused on the first step.
import type { Page } from '@playwright/test';
import { createTenant, getTenant, gotoHydrated, slugOf, test, expect, uniqueToken } from './helpers';

const stepHeading = (page: Page) => page.locator('.wizard-title');

/** Opens the wizard on a fresh draft (cancelling whatever an earlier run left). */
async function freshWizard(page: Page) {
  await gotoHydrated(page, '/tenants/new');
  if (!(await stepHeading(page).textContent())?.startsWith('Step 1 ')) {
    await page.getByRole('button', { name: 'Cancel' }).click();
    await expect(page).toHaveURL(/\/tenants$/);
    await gotoHydrated(page, '/tenants/new');
  }
  await expect(stepHeading(page)).toHaveText('Step 1 of 6: Organization');
}

const next = (page: Page) => page.getByRole('button', { name: 'Next' }).click();

test.describe('provisioning wizard', () => {
  test('every step checks its input, back and reload keep it, create provisions the tenant', async ({
    page,
    request,
  }) => {
    const token = uniqueToken('wz');
    const name = `E2E Wizard ${token}`;
    const slug = slugOf(name);
    await freshWizard(page);

    // 1. Organization: nothing typed → what is missing, still on step 1.
    await next(page);
    await expect(page.locator('#name-error')).toHaveText('Enter a name.');
    await expect(page.locator('#region-error')).toHaveText('Choose a region.');
    await expect(stepHeading(page)).toHaveText('Step 1 of 6: Organization');
    await page.getByLabel('Organization name').pressSequentially(name);
    await expect(page.getByLabel('Slug')).toHaveValue(slug);
    await expect(page.locator('.slug-status')).toHaveText(`✓ ${slug} is available`);
    await page.getByLabel('Description').fill('Made by the wizard test.');
    await page.getByLabel('Region').selectOption('eu-central-1');
    await next(page);

    // 2. Plan: none chosen → refused; then the Professional card.
    await expect(stepHeading(page)).toHaveText('Step 2 of 6: Plan');
    await next(page);
    await expect(page.locator('#plan-error')).toHaveText('Choose a plan.');
    await expect(page.locator('.plan-option')).toHaveCount(4);
    await page.locator('#plan-professional').check();
    await next(page);

    // 3. Resources: prefilled from the plan; above the plan is refused.
    await expect(stepHeading(page)).toHaveText('Step 3 of 6: Resources');
    const storage = page.getByLabel('Storage (GB)');
    await expect(storage).toHaveValue('200');
    await storage.fill('999');
    await next(page);
    await expect(page.locator('#allocations-error')).toContainText('between 0 and 200');
    await storage.fill('150');
    await next(page);

    // 4. Branding: a bad colour is refused; the preview follows the fields.
    await expect(stepHeading(page)).toHaveText('Step 4 of 6: Branding');
    await page.getByLabel('Primary colour').fill('blue-ish');
    await next(page);
    await expect(page.locator('.field.invalid')).toHaveCount(1);
    await expect(stepHeading(page)).toHaveText('Step 4 of 6: Branding');
    await page.getByLabel('Primary colour').fill('#3355ff');
    await expect(page.locator('.brand-bar')).toHaveAttribute('style', /#3355ff/);
    await expect(page.locator('.brand-name')).toHaveText(name);

    // Back keeps what was typed on the earlier steps.
    await page.getByRole('button', { name: 'Back' }).click();
    await expect(stepHeading(page)).toHaveText('Step 3 of 6: Resources');
    await expect(page.getByLabel('Storage (GB)')).toHaveValue('150');
    await next(page);
    await expect(page.getByLabel('Primary colour')).toHaveValue('#3355ff');
    await next(page);

    // 5. First admin; a reload (the draft is on the server) lands here again.
    await expect(stepHeading(page)).toHaveText('Step 5 of 6: First admin');
    await page.reload();
    await page.waitForSelector('body[data-hydrated]');
    await expect(stepHeading(page)).toHaveText('Step 5 of 6: First admin');
    await page.getByLabel("First admin's email").fill('not an email');
    await next(page);
    await expect(page.locator('#first_admin_email-error')).toBeVisible();
    await page.getByLabel("First admin's email").fill(`owner-${token}@example.com`);
    await next(page);

    // 6. Review shows everything, then create.
    await expect(stepHeading(page)).toHaveText('Step 6 of 6: Review');
    const review = page.locator('dl.review');
    await expect(review).toContainText(name);
    await expect(review).toContainText(slug);
    await expect(review).toContainText('Professional');
    await expect(review).toContainText('Storage (GB): 150');
    await expect(review).toContainText(`owner-${token}@example.com`);
    await page.getByRole('button', { name: 'Create tenant' }).click();

    // The tenant's live workflow view: the steps complete on their own.
    await expect(page).toHaveURL(new RegExp(`/tenants/${slug}/workflows$`));
    const run = page.locator('.run-card').first();
    await expect(run.locator('.run-head .badge')).toHaveText('Succeeded', { timeout: 20_000 });
    await expect(run.locator('.step-succeeded')).toHaveCount(7);
    const t = await getTenant(request, slug);
    expect(t).toMatchObject({ name, status: 'active', plan: 'professional', region: 'eu-central-1' });

    // The tenant opens, active; the wizard starts empty again.
    await page.getByRole('link', { name: 'Overview' }).click();
    await expect(page.locator('h1 .badge')).toHaveText('Active');
    await gotoHydrated(page, '/tenants/new');
    await expect(stepHeading(page)).toHaveText('Step 1 of 6: Organization');
    await expect(page.getByLabel('Organization name')).toHaveValue('');
  });

  test('a taken slug is flagged live and refused on the first step; cancel discards the draft', async ({
    page,
    request,
  }) => {
    const token = uniqueToken('wt');
    const existing = await createTenant(request, { name: `E2E Taken ${token}`, plan: 'free', region: 'us-east-1' });
    await freshWizard(page);
    await page.getByLabel('Organization name').fill(`E2E Other ${token}`);
    await page.getByLabel('Slug').fill(existing.slug);
    await expect(page.locator('.slug-status')).toHaveText('✗ That slug is already taken.');
    await page.getByLabel('Region').selectOption('us-east-1');
    // Steps 2–5 pass; the server refuses the slug when the tenant is created and sends
    // the person back to the step that has the field.
    await next(page);
    await page.locator('#plan-free').check();
    await next(page);
    await next(page);
    await next(page);
    await page.getByLabel("First admin's email").fill(`o-${token}@example.com`);
    await next(page);
    await page.getByRole('button', { name: 'Create tenant' }).click();
    await expect(stepHeading(page)).toHaveText('Step 1 of 6: Organization');
    await expect(page.locator('#slug-error')).toHaveText('That slug is already taken.');
    // Cancel throws the draft away.
    await page.getByRole('button', { name: 'Cancel' }).click();
    await expect(page).toHaveURL(/\/tenants$/);
    await gotoHydrated(page, '/tenants/new');
    await expect(page.getByLabel('Organization name')).toHaveValue('');
  });
});
