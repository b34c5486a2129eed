// Signs in once as the platform admin that the server created on its empty database
// (scripts/test passes the same email and password to the server) and keeps the session
// cookie for every test. Tests about signing in start from a clean context themselves.
import { request, type FullConfig } from '@playwright/test';

export const ADMIN_EMAIL = process.env.E2E_ADMIN_EMAIL || 'admin@example.com';
export const ADMIN_PASSWORD = process.env.E2E_ADMIN_PASSWORD || 'e2e admin password';
export const ADMIN_STATE = 'playwright/.auth/admin.json';

export default async function globalSetup(config: FullConfig): Promise<void> {
  const baseURL = config.projects[0].use.baseURL;
  const ctx = await request.newContext({ baseURL });
  const res = await ctx.post('/api/sign_in', {
    form: { email: ADMIN_EMAIL, password: ADMIN_PASSWORD },
    headers: { accept: 'application/json' },
    maxRedirects: 0,
  });
  if (res.status() >= 400) {
    throw new Error(`signing in as ${ADMIN_EMAIL} failed: ${res.status()} ${await res.text()}`);
  }
  await ctx.storageState({ path: ADMIN_STATE });
  await ctx.dispose();
}
