// Shared helpers for the end-to-end specs: unique names, REST setup, hydration.
import { test as base, expect, type APIRequestContext, type Browser, type BrowserContext, type Page } from '@playwright/test';

export type Plan = 'free' | 'starter' | 'professional' | 'enterprise';
export type Region =
  | 'us-east-1'
  | 'us-west-2'
  | 'eu-west-1'
  | 'eu-central-1'
  | 'ap-southeast-1'
  | 'ap-northeast-1';

export interface Tenant {
  id: string;
  slug: string;
  name: string;
  description: string;
  domain: string | null;
  status: string;
  plan: string;
  region: string;
  status_reason: string | null;
  version: number;
}

let counter = 0;

/**
 * A token that is unique per call and per run: lowercase letters and digits only, so it
 * survives slugification unchanged and starts with a letter. Names containing it never
 * collide with data from other tests or earlier runs against the same database.
 */
export function uniqueToken(prefix = 'e2e'): string {
  counter += 1;
  const time = Date.now().toString(36);
  const rand = Math.floor(Math.random() * 36 ** 4)
    .toString(36)
    .padStart(4, '0');
  return `${prefix}${time}${rand}${counter.toString(36)}`;
}

/** The slug the app derives from a name (the same rules as `slugify` for ASCII names). */
export function slugOf(name: string): string {
  return name
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
}

export async function createTenant(
  request: APIRequestContext,
  input: { name: string; plan?: Plan; region?: Region; slug?: string; description?: string; domain?: string },
): Promise<Tenant> {
  const res = await request.post('/api/v1/tenants', {
    data: { plan: 'starter', region: 'eu-west-1', ...input },
  });
  expect(res.status(), `create ${input.name}: ${await res.text()}`).toBe(201);
  const t = (await res.json()) as Tenant;
  expect(t.status).toBe('pending');
  return waitProvisioned(request, t.id);
}

/**
 * Creating a tenant queues its provisioning workflow, which the server's workers run at
 * once: wait until its newest run has finished, and answer the tenant as it then is.
 */
export async function waitProvisioned(request: APIRequestContext, id: string): Promise<Tenant> {
  await expect
    .poll(
      async () => {
        const res = await request.get(`/api/v1/tenants/${id}/workflows`);
        const runs = (await res.json()) as { status: string }[];
        return runs[0]?.status;
      },
      { timeout: 20_000, intervals: [50, 100, 200] },
    )
    .toBe('succeeded');
  return getTenant(request, id);
}

async function act(request: APIRequestContext, id: string, action: string, reason?: string): Promise<Tenant> {
  const res = await request.post(`/api/v1/tenants/${id}/${action}`, {
    data: reason === undefined ? {} : { reason },
  });
  expect(res.status(), `${action} ${id}: ${await res.text()}`).toBe(200);
  return (await res.json()) as Tenant;
}

/** Active, whether provisioning already made it so or this call does. */
export async function activateTenant(request: APIRequestContext, id: string): Promise<Tenant> {
  const now = await getTenant(request, id);
  if (now.status === 'active') return now;
  const t = await act(request, id, 'activate');
  expect(t.status).toBe('active');
  return t;
}

export async function suspendTenant(request: APIRequestContext, id: string, reason: string): Promise<Tenant> {
  const t = await act(request, id, 'suspend', reason);
  expect(t.status).toBe('suspended');
  return t;
}

export async function getTenant(request: APIRequestContext, idOrSlug: string): Promise<Tenant> {
  const res = await request.get(`/api/v1/tenants/${idOrSlug}`);
  expect(res.status(), `get ${idOrSlug}: ${await res.text()}`).toBe(200);
  return (await res.json()) as Tenant;
}

/** Tenants whose name, slug or domain contains `q`, through the REST API. */
export async function searchTenants(request: APIRequestContext, q: string): Promise<Tenant[]> {
  const res = await request.get('/api/v1/tenants', { params: { q, limit: '100' } });
  expect(res.status(), await res.text()).toBe(200);
  const page = (await res.json()) as { items: Tenant[] };
  return page.items;
}

/** Waits until the client has hydrated the server-rendered page (set by `hydrate()`). */
export async function waitForHydration(page: Page): Promise<void> {
  await page.locator('body[data-hydrated="true"]').waitFor({ state: 'attached' });
}

/** Opens a page and waits until it is interactive. */
export async function gotoHydrated(page: Page, url: string): Promise<void> {
  const res = await page.goto(url);
  expect(res?.status(), `GET ${url}`).toBe(200);
  await waitForHydration(page);
}

/**
 * `test` with one automatic check: any uncaught error in the page (a panic in the
 * WebAssembly client surfaces as one) fails the test, so a broken client cannot pass
 * just because the server-rendered HTML looks right.
 */
export const test = base.extend<{ pageErrors: string[] }>({
  pageErrors: [
    async ({ page }, use) => {
      const errors: string[] = [];
      page.on('pageerror', (err) => errors.push(err.stack || err.message));
      // E2E_CONSOLE=1 prints the browser's warnings and errors (hydration problems show up there).
      if (process.env.E2E_CONSOLE) {
        page.on('console', (m) => {
          if (m.type() === 'error' || m.type() === 'warning') console.log(`[browser ${m.type()}] ${m.text()}`);
        });
      }
      await use(errors);
      expect(errors, 'uncaught errors in the page').toEqual([]);
    },
    { auto: true },
  ],
});

export { expect };

/**
 * The accept link of the newest invitation email sent to `email`, read from the mail sink's
 * directory (scripts/test points the server's sink at E2E_MAIL_DIR). Waits up to 10 s.
 */
export async function invitationLink(email: string): Promise<string> {
  const fs = await import('node:fs');
  const path = await import('node:path');
  const dir = process.env.E2E_MAIL_DIR;
  if (!dir) throw new Error('E2E_MAIL_DIR is not set (scripts/test sets it)');
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    const files = fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => f.endsWith('.eml')).sort().reverse() : [];
    for (const f of files) {
      const text = fs.readFileSync(path.join(dir, f), 'utf8');
      if (!new RegExp(`^To: .*${email.replace(/[.+]/g, '\\$&')}`, 'mi').test(text)) continue;
      const m = text.match(/https?:\/\/\S+\/invite\/[A-Za-z0-9_-]{43}/);
      if (m) return m[0];
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`no invitation email to ${email} in ${dir}`);
}

/** Invites `email` to a tenant through the REST API (as the signed-in admin). */
export async function invite(request: APIRequestContext, tenantId: string, email: string, role: string): Promise<void> {
  const res = await request.post(`/api/v1/tenants/${tenantId}/invitations`, { data: { email, role } });
  expect(res.status(), await res.text()).toBe(201);
}

/** Opens an invitation link as a new person and sets their name and password. */
export async function acceptAsNewPerson(page: Page, link: string, name: string, password: string): Promise<void> {
  await gotoHydrated(page, link);
  await page.getByLabel('Your name').fill(name);
  await page.getByLabel('Choose a password').fill(password);
  await page.getByLabel('Password again').fill(password);
  await page.getByRole('button', { name: 'Accept invitation' }).click();
  await page.waitForURL(/\/tenants\/[0-9a-f-]{36}$/);
}

/**
 * A new active tenant (`<label> <token>`, professional plan) and a new person who accepted
 * an invitation to it as `role`, signed in on their own page (close `ctx` when done).
 */
export async function tenantWithNewMember(
  request: APIRequestContext,
  browser: Browser,
  label: string,
  role: string,
  name: string,
): Promise<{ t: Tenant; page: Page; ctx: BrowserContext }> {
  const token = uniqueToken(label.slice(0, 2).toLowerCase());
  const t = await activateTenant(request, (await createTenant(request, { name: `${label} ${token}`, plan: 'professional' })).id);
  const email = `${token}@example.com`;
  await invite(request, t.id, email, role);
  const ctx = await browser.newContext({ storageState: { cookies: [], origins: [] } });
  const page = await ctx.newPage();
  await acceptAsNewPerson(page, await invitationLink(email), name, 'a long enough password');
  return { t, page, ctx };
}
