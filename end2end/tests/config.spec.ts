// Configuration (C1): a tenant admin changes a setting, is told at once when a value is
// out of range, and rolls back to an earlier version from the history.
import { createTenant, gotoHydrated, test, expect, uniqueToken } from './helpers';

test('change a setting, see it refused out of range, and restore an earlier version', async ({ page, request }) => {
  const t = await createTenant(request, { name: `E2E Config ${uniqueToken('cf')}` });
  await gotoHydrated(page, `/tenants/${t.slug}/settings`);
  const card = page.getByTestId('config');
  await card.getByRole('button', { name: 'Sign-in', exact: true }).click();
  await expect(card.getByRole('button', { name: 'Sign-in', exact: true })).toHaveAttribute('aria-pressed', 'true');
  const timeout = card.getByLabel('Sign members out after');
  await expect(timeout).toHaveValue('720');
  await expect(card).toContainText('Never changed: these are the defaults.');
  const save = card.getByRole('button', { name: 'Save sign-in settings' });

  // Out of range: said under the field, nothing saved.
  await timeout.fill('1');
  await save.click();
  await expect(card.locator('#cfg-session_timeout_minutes-error')).toContainText('from 5 to 43200 minutes');
  await expect(card).toContainText('Never changed');

  // Version 1, then version 2.
  await timeout.fill('60');
  await save.click();
  await expect(page.getByText('Saved the sign-in settings (version 1).')).toBeVisible();
  await card.getByLabel('Require two-factor sign-in').check();
  await timeout.fill('30');
  await save.click();
  await expect(page.getByText('Saved the sign-in settings (version 2).')).toBeVisible();
  const v2 = card.getByTestId('config-version-2');
  await expect(v2).toContainText('current');
  await expect(v2).toContainText('Sign members out after: 60 minutes → 30 minutes');
  await expect(v2).toContainText('Require two-factor sign-in: off → on');

  // Back to version 1: a new version with version 1's values.
  await card.getByTestId('config-version-1').getByRole('button', { name: 'Restore version 1' }).click();
  await expect(page.getByText('Restored the sign-in settings as version 3.')).toBeVisible();
  await expect(card.getByTestId('config-version-3')).toContainText('restored version 1');
  await expect(card.getByLabel('Sign members out after')).toHaveValue('60');
  await expect(card.getByLabel('Require two-factor sign-in')).not.toBeChecked();
  const api = await request.get(`/api/v1/tenants/${t.id}/config/auth`).then((r) => r.json());
  expect([api.version, api.values.session_timeout_minutes, api.values.mfa_required]).toEqual([3, 60, false]);
});
