import { chromium } from '@playwright/test';
const base = process.env.BASE || 'http://127.0.0.1:3400';
const pages = (process.env.PAGES || '/usage').split(',');
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox'] });
for (const [w, h, scheme, tag] of [[1280, 900, 'light', 'desk'], [390, 844, 'dark', 'phone']]) {
  const ctx = await browser.newContext({ viewport: { width: w, height: h }, colorScheme: scheme });
  const page = await ctx.newPage();
  page.on('pageerror', (e) => console.log('PAGEERROR', e.message));
  await page.goto(base + '/login');
  await page.fill('input[name=email]', 'admin@example.com');
  await page.fill('input[name=password]', 'admin password');
  await page.click('button[type=submit]');
  await page.waitForTimeout(1500);
  for (const p of pages) {
    await page.goto(base + p);
    await page.waitForTimeout(2500);
    const name = `/tmp/shots/${tag}-${p.replace(/[^a-z0-9]+/gi, '_')}.png`;
    await page.screenshot({ path: name, fullPage: true });
    console.log(name);
  }
  await ctx.close();
}
await browser.close();
