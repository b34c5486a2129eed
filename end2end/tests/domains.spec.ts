// Custom domains (C4): a tenant admin adds a domain, is shown the TXT record to publish,
// checks it at once and reads DNS's answer, and removes it. (Verification against a DNS
// server that has the record is in the integration tests, with a server of their own.)
import { createTenant, expect, gotoHydrated, test, uniqueToken } from './helpers';

test('add a domain, see the record to publish, verify now and remove it', async ({ page, request }) => {
  const t = await createTenant(request, { name: `E2E Domains ${uniqueToken('dm')}`, plan: 'professional' });
  await gotoHydrated(page, `/tenants/${t.slug}/settings`);
  const card = page.getByTestId('domains');
  await expect(card).toContainText('No custom domains yet.');

  const field = card.getByLabel('Add a domain');
  await field.fill('not a domain');
  await card.getByRole('button', { name: 'Add domain' }).click();
  await expect(card.locator('#new-domain-error')).toContainText('Enter a host name');

  const domain = `${uniqueToken('app')}.example.com`;
  await field.fill(domain);
  await card.getByRole('button', { name: 'Add domain' }).click();
  await expect(page.getByText(`Added ${domain}. Publish its TXT record, then verify.`)).toBeVisible();
  const row = card.getByTestId(`domain-${domain}`);
  await expect(row.getByTestId('domain-status')).toHaveText('Waiting for DNS');
  await expect(row.getByText('Primary')).toBeVisible();
  await expect(row.getByLabel('TXT record name')).toHaveValue(`_tenantry-challenge.${domain}`);
  await expect(row.getByLabel('TXT record value')).toHaveValue(/^tenantry-verification=[0-9a-f]{32}$/);
  await expect(row.getByTestId('domain-answer')).toHaveText('Not checked yet.');

  await row.getByRole('button', { name: 'Verify now' }).click();
  await expect(row.getByTestId('domain-answer')).toContainText('Checked', { timeout: 20_000 });
  await expect(row.getByTestId('domain-status')).toHaveText('Waiting for DNS');

  await row.getByRole('button', { name: 'Remove', exact: true }).click();
  await row.getByRole('button', { name: 'Remove domain' }).click();
  await expect(card).toContainText('No custom domains yet.');
  const api = await request.get(`/api/v1/tenants/${t.id}/domains`).then((r) => r.json());
  expect(api).toEqual([]);
});
