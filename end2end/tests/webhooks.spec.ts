// Signed webhooks (issue 12, E2): a tenant admin adds an endpoint, sees its secret once,
// sends a test event and sees it delivered in the log. The receiver is a real HTTP server
// in this process; it checks the Standard Webhooks signature with Node's own crypto
// (written from the specification, independent of the portal's Rust code).
import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  acceptAsNewPerson,
  activateTenant,
  createTenant,
  gotoHydrated,
  invitationLink,
  invite,
  test,
  expect,
  uniqueToken,
} from './helpers';

interface Got {
  id: string;
  timestamp: string;
  signature: string;
  body: string;
}

function verify(secret: string, got: Got): boolean {
  const key = Buffer.from(secret.replace(/^whsec_/, ''), 'base64');
  const expected = createHmac('sha256', key).update(`${got.id}.${got.timestamp}.${got.body}`).digest();
  return got.signature.split(' ').some((s) => {
    const [version, sig] = s.split(',');
    const given = Buffer.from(sig ?? '', 'base64');
    return version === 'v1' && given.length === expected.length && timingSafeEqual(given, expected);
  });
}

async function receiver(): Promise<{ server: Server; url: string; got: Got[] }> {
  const got: Got[] = [];
  const server = createServer((req: IncomingMessage, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      const h = (k: string) => String(req.headers[k] ?? '');
      got.push({ id: h('webhook-id'), timestamp: h('webhook-timestamp'), signature: h('webhook-signature'), body });
      res.writeHead(200, { 'content-type': 'text/plain' }).end('got it');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return { server, url: `http://127.0.0.1:${port}/hook`, got };
}

test('a tenant admin adds an endpoint, sees the secret once and a test event in the log', async ({ request, browser }) => {
  // Inviting and signing up the admin, then waiting for the worker: longer than the default.
  test.setTimeout(90_000);
  const token = uniqueToken('wh');
  const t = await activateTenant(request, (await createTenant(request, { name: `E2E Hooks ${token}` })).id);
  const email = `${token}@example.com`;
  await invite(request, t.id, email, 'admin');
  const link = await invitationLink(email);
  const ctx = await browser.newContext({ storageState: { cookies: [], origins: [] } });
  const page = await ctx.newPage();
  await acceptAsNewPerson(page, link, 'Hook Admin', 'a long enough password');
  const rx = await receiver();
  try {
    await gotoHydrated(page, `/tenants/${t.slug}/webhooks`);
    await expect(page.getByText('No endpoints yet')).toBeVisible();
    await page.getByLabel('URL').fill(rx.url);
    await page.getByLabel('Description (optional)').fill('e2e receiver');
    await page.getByRole('button', { name: 'Add endpoint' }).click();

    const secretField = page.getByLabel("The endpoint's signing secret");
    await expect(secretField).toBeVisible();
    const secret = await secretField.inputValue();
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/=]{40,}$/);
    await expect(page.getByText("you won't see this secret again")).toBeVisible();
    await page.getByRole('button', { name: "I've stored it" }).click();
    await expect(secretField).toHaveCount(0);
    // Nowhere else on the page, and not after a reload.
    expect(await page.content()).not.toContain(secret);

    const row = page.locator('tr[data-endpoint]');
    await expect(row).toContainText(rx.url);
    await expect(row).toContainText('alert.*');
    await row.getByRole('button', { name: `Send a test event to ${rx.url}` }).click();
    await expect(page.getByText('Test event queued')).toBeVisible();

    // The worker sends it within a second or two; the log refreshes on its own.
    const log = page.getByTestId('deliveries');
    const delivered = log.locator('tr[data-delivery]').first();
    await expect(delivered).toContainText('webhook.test', { timeout: 15_000 });
    await expect(delivered).toContainText('Delivered', { timeout: 15_000 });
    await expect(delivered).toContainText('HTTP 200');
    await expect(delivered).toContainText('got it');

    expect(rx.got.length).toBe(1);
    const got = rx.got[0];
    expect(verify(secret, got)).toBe(true);
    expect(verify('whsec_' + Buffer.from('another secret entirely!').toString('base64'), got)).toBe(false);
    expect(JSON.parse(got.body).type).toBe('webhook.test');
    await expect(delivered).toContainText(got.id);

    await page.reload();
    await page.waitForSelector('body[data-hydrated]');
    expect(await page.content()).not.toContain(secret);
  } finally {
    rx.server.close();
    await ctx.close();
  }
});
