// Branding (C2): colours are checked for contrast as they are typed, a failing one is
// refused with a colour that passes, and saved colours paint the tenant's pages at once,
// without a reload.
import { createTenant, gotoHydrated, test, expect, uniqueToken } from './helpers';

/** "#1d4ed8" → "rgb(29, 78, 216)", as computed styles say it. */
function rgb(hex: string): string {
  const n = (i: number) => parseInt(hex.slice(i, i + 2), 16);
  return `rgb(${n(1)}, ${n(3)}, ${n(5)})`;
}

test('a failing colour is refused with a suggestion; saved colours show without a reload', async ({ page, request }) => {
  const t = await createTenant(request, { name: `E2E Brand ${uniqueToken('br')}` });
  await gotoHydrated(page, `/tenants/${t.slug}/settings`);
  await page.evaluate(() => ((window as unknown as { stayed?: boolean }).stayed = true));
  const card = page.getByTestId('branding');
  const primary = card.getByRole('textbox', { name: 'Primary', exact: true });

  // #777 fails text on the light background: said at once, with a colour to use.
  await primary.fill('#777777');
  await expect(card).toContainText('4.29:1; text need 4.50:1');
  const use = card.getByRole('button', { name: /^Use #[0-9a-f]{6}$/ });
  await expect(use).toHaveCount(1);
  // Saving it anyway is refused, naming the colour to try.
  await card.getByRole('button', { name: 'Save branding' }).click();
  await expect(card.locator('#brand-primary_color-error')).toContainText('Try #');

  // The suggestion passes; the preview shows it; saved, the tenant's pages wear it.
  const hex = (await use.textContent())!.replace('Use ', '').trim();
  await use.click();
  await expect(primary).toHaveValue(hex);
  await expect(card).toContainText('✓');
  await expect(page.getByTestId('preview-light').locator('.pv-btn')).toHaveCSS('background-color', rgb(hex));
  await card.getByRole('button', { name: 'Save branding' }).click();
  await expect(page.getByText(/Saved the branding of/)).toBeVisible();
  await expect(page.locator('.branded.brand-primary')).toHaveCount(1);
  await page.mouse.move(0, 0); // not hovering the button (its hover colour is darker)
  await expect(page.locator('#save-branding')).toHaveCSS('background-color', rgb(hex));
  await expect(page.getByRole('link', { name: 'Settings', exact: true })).toHaveCSS('border-bottom-color', rgb(hex));
  expect(await page.evaluate(() => (window as unknown as { stayed?: boolean }).stayed)).toBe(true);

  // Cleared: the portal's own colours come back.
  await primary.fill('');
  await card.getByRole('button', { name: 'Save branding' }).click();
  await expect(page.locator('.branded')).toHaveCount(0);
});

test('a logo is uploaded and shown at once; a file that could run something is refused', async ({ page, request }) => {
  const t = await createTenant(request, { name: `E2E Logo ${uniqueToken('lg')}` });
  await gotoHydrated(page, `/tenants/${t.slug}/settings`);
  const card = page.getByTestId('branding');
  const file = page.locator('#logo-file');

  // An SVG with a script: refused with its reason, nothing shown.
  await file.setInputFiles({
    name: 'evil.svg',
    mimeType: 'image/svg+xml',
    buffer: Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10"><script>alert(1)</script></svg>'),
  });
  await expect(card.locator('#logo-error')).toContainText('<script>');
  await expect(page.locator('img.tenant-logo')).toHaveCount(0);

  // A clean SVG: saved at once; the tenant's header shows it without a reload.
  await file.setInputFiles({
    name: 'logo.svg',
    mimeType: 'image/svg+xml',
    buffer: Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 120 40"><rect width="120" height="40" fill="#1d4ed8"/></svg>'),
  });
  await expect(page.getByText('Uploaded the logo')).toBeVisible();
  const logo = page.getByRole('img', { name: `${t.name} logo` });
  await expect(logo).toBeVisible();
  await expect(logo).toHaveAttribute('src', /^\/logos\/[0-9a-f-]{36}\/[0-9a-f]{64}\.svg$/);
  await expect(card.getByTestId('logo-current')).toBeVisible();
  await expect(card.locator('#logo-error')).toHaveCount(0);
  // It loads (a broken image has no natural width).
  expect(await logo.evaluate((img: HTMLImageElement) => img.naturalWidth)).toBeGreaterThan(0);
});
