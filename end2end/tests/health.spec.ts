// Health monitoring (H2–H4): a check added through the Health tab's form follows a real
// service, without a reload: up, down once the service stops answering, up again when it is
// back. The service is an HTTP server in this process on 127.0.0.1, which scripts/test
// allows for outbound requests (TENANTRY_OUTBOUND__ALLOW=127.0.0.1); probes elsewhere would
// be refused. The tab refreshes on its own (every 5 s here), the state follows the server's
// state machine: down after 1 failure (confirmed by an immediate re-check), up after 1
// success, probes every 10 s.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createTenant, gotoHydrated, test, expect, uniqueToken } from './helpers';

/** A service answering 200 "ok" on 127.0.0.1: on `port`, or on a free one. */
async function service(port = 0): Promise<{ server: Server; port: number }> {
  // Restarting on the same port right after closing may find it busy for a moment.
  for (let attempt = 0; ; attempt++) {
    const server = createServer((_req, res) => {
      // No keep-alive: a stopped service must not go on answering over an open connection.
      res.writeHead(200, { 'content-type': 'text/plain', connection: 'close' }).end('ok');
    });
    try {
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, '127.0.0.1', () => resolve());
      });
      return { server, port: (server.address() as AddressInfo).port };
    } catch (e) {
      if (attempt >= 20 || (e as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw e;
      await new Promise((r) => setTimeout(r, 250));
    }
  }
}

/** Stops it at once: nothing listens on its port any more and no connection stays open. */
async function stop(server: Server): Promise<void> {
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeAllConnections();
  await closed;
}

test('a check follows its service: up, down when it stops answering, up again, without a reload', async ({
  page,
  request,
}) => {
  // Two state changes at a 10 s interval, each seen through a 5 s refresh.
  test.setTimeout(180_000);
  const t = await createTenant(request, { name: `E2E Health ${uniqueToken('hl')}` });
  const name = uniqueToken('svc');
  let svc = await service();
  const port = svc.port;
  try {
    await gotoHydrated(page, `/tenants/${t.slug}/health`);
    await expect(page.getByRole('heading', { name: 'No health checks yet' })).toBeVisible();
    await page.getByLabel('Refresh every').selectOption('5');
    // Marks this document: a reload would lose it.
    await page.evaluate(() => ((window as unknown as { stayed?: boolean }).stayed = true));

    // Add the check through the form.
    await page.getByRole('button', { name: 'Add a check' }).click();
    const dialog = page.getByRole('dialog', { name: 'Add a health check' });
    await expect(dialog).toBeVisible();
    await expect(dialog.getByLabel(/^Name/)).toBeFocused();
    await dialog.getByLabel(/^Name/).fill(name);
    await dialog.getByLabel(/^URL/).fill(`http://127.0.0.1:${port}/`);
    await dialog.getByLabel('Interval (seconds)').fill('10');
    await dialog.getByLabel('Timeout (ms)').fill('2000');
    await dialog.getByLabel('Down after (failures)').fill('1');
    await dialog.getByLabel('Up after (successes)').fill('1');
    await dialog.getByRole('button', { name: 'Add check' }).click();
    await expect(dialog).toHaveCount(0);

    const row = page.getByTestId(`check-${name}`);
    const state = row.getByTestId('check-state');
    await expect(row).toBeVisible();
    await expect(row).toContainText(`http://127.0.0.1:${port}/`);

    // Check now: the result shows next to the check, then the state follows.
    await row.getByRole('button', { name: 'Check now' }).click();
    const result = row.getByTestId('run-result');
    await expect(result).toBeVisible({ timeout: 15_000 });
    await expect(result).toHaveAttribute('data-outcome', 'up');
    await expect(result).toContainText('HTTP 200');
    await expect(state).toHaveAttribute('data-state', 'up', { timeout: 40_000 });
    await expect(state).toHaveText('Up');

    // The service stops answering: down (and an open incident), without a reload.
    await stop(svc.server);
    await expect(state).toHaveAttribute('data-state', 'down', { timeout: 60_000 });
    await expect(state).toHaveText('Down');
    await expect(row).toContainText('Connection refused');
    const incident = page.getByTestId('incidents').locator('[data-incident]').first();
    await expect(incident).toContainText(name);
    await expect(incident).toContainText('Ongoing');

    // Back on the same port: up again, the incident resolved.
    svc = await service(port);
    await expect(state).toHaveAttribute('data-state', 'up', { timeout: 60_000 });
    await expect(incident).toContainText('Resolved', { timeout: 15_000 });
    expect(await page.evaluate(() => (window as unknown as { stayed?: boolean }).stayed)).toBe(true);

    // The platform overview lists it with its tenant.
    await gotoHydrated(page, `/health?q=${name}`);
    const line = page.locator('tr[data-check]', { hasText: name });
    await expect(line).toHaveAttribute('data-state', 'up');
    await expect(line.getByRole('link', { name: t.name })).toHaveAttribute('href', `/tenants/${t.slug}/health`);
  } finally {
    await stop(svc.server);
  }
});

test('the chart shows 30 days per day and a custom period with its uptime, and refuses a backwards one', async ({
  page,
  request,
}) => {
  const t = await createTenant(request, { name: `E2E Periods ${uniqueToken('hp')}` });
  const svc = await service();
  try {
    const name = uniqueToken('svc');
    const res = await request.post(`/api/v1/tenants/${t.id}/health-checks`, {
      data: { name, url: `http://127.0.0.1:${svc.port}/`, interval_secs: 30, timeout_ms: 2000 },
    });
    expect(res.status(), await res.text()).toBe(201);
    const check = (await res.json()) as { id: string };
    // One probe now, so the periods have something to count.
    const ran = await request.post(`/api/v1/tenants/${t.id}/health-checks/${check.id}/run`);
    expect(ran.status(), await ran.text()).toBe(200);

    await gotoHydrated(page, `/tenants/${t.slug}/health`);
    const summary = page.getByTestId('period-summary');
    await expect(summary).toHaveAttribute('data-range', '24h');
    await expect(summary).toContainText('100.0% uptime');
    await expect(summary).toContainText(/\d+ probes?, 0 failed/);

    await page.getByRole('navigation', { name: 'Period' }).getByRole('link', { name: '30 d' }).click();
    await expect(summary).toHaveAttribute('data-range', '30d');
    await expect(page).toHaveURL(/range=30d/);
    await expect(page.locator('#response-chart')).toBeVisible();

    // A custom period: the week before today (UTC), then one ending today.
    const day = (back: number) => new Date(Date.now() - back * 86_400_000).toISOString().slice(0, 10);
    await page.getByLabel('From').fill(day(8));
    await page.getByLabel('to', { exact: true }).fill(day(1));
    await page.getByRole('button', { name: 'Show', exact: true }).click();
    await expect(page).toHaveURL(new RegExp(`from=${day(8)}&to=${day(1)}`));
    await expect(summary).toHaveAttribute('data-range', 'custom');
    await expect(summary).toContainText('No probes in this period.');
    await page.getByLabel('to', { exact: true }).fill(day(0));
    await page.getByRole('button', { name: 'Show', exact: true }).click();
    await expect(page).toHaveURL(new RegExp(`to=${day(0)}`));
    await expect(summary).toContainText(/\d+ probes?, 0 failed/);

    // Backwards: refused with the reason, the period shown stays.
    await page.getByLabel('From').fill(day(1));
    await page.getByLabel('to', { exact: true }).fill(day(5));
    await page.getByRole('button', { name: 'Show', exact: true }).click();
    await expect(page.locator('#period-error')).toContainText("first day is after its last");
    await expect(page).toHaveURL(new RegExp(`to=${day(0)}`));
  } finally {
    await stop(svc.server);
  }
});
