// Time to an interactive dashboard, and what the first page downloads (issue 9 targets:
// interactive ≤ 1 s on localhost; ≤ 250 KB brotli for what the first page loads).
//
//   BASE_URL=http://127.0.0.1:3300 EMAIL=… PASSWORD=… node end2end/bench/interactive.mjs
//
// Signs in once, then loads the dashboard RUNS times in fresh browser contexts (empty
// cache, as a first visit) and RUNS times in one warm context (cached assets). "Interactive"
// is when the WebAssembly client has hydrated the page: the app sets data-hydrated on
// <body> at the end of hydrate(), and an observer installed before any script runs records
// performance.now() at that moment (milliseconds since navigation start).
import { chromium, request } from '@playwright/test';

const base = process.env.BASE_URL ?? 'http://127.0.0.1:3300';
const runs = Number(process.env.RUNS ?? 15);
const executablePath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

const api = await request.newContext({ baseURL: base });
const signIn = await api.post('/api/sign_in', {
  form: { email: process.env.EMAIL, password: process.env.PASSWORD },
  headers: { accept: 'application/json' },
});
if (!signIn.ok()) throw new Error(`sign-in failed: ${signIn.status()} ${await signIn.text()}`);
const storageState = await api.storageState();

const browser = await chromium.launch({
  executablePath,
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync'],
});

const observe = () => {
  new MutationObserver((_, obs) => {
    if (document.body?.dataset.hydrated) {
      window.__interactiveAt = performance.now();
      obs.disconnect();
    }
  }).observe(document, { subtree: true, attributes: true, attributeFilter: ['data-hydrated'] });
};

async function load(context) {
  const page = await context.newPage();
  await page.addInitScript(observe);
  const assets = [];
  page.on('requestfinished', async (req) => {
    const url = new URL(req.url());
    if (url.pathname.startsWith('/pkg/')) {
      const sizes = await req.sizes().catch(() => null);
      const res = await req.response();
      assets.push({ path: url.pathname, encoded: sizes?.responseBodySize ?? 0,
        encoding: res?.headers()['content-encoding'] ?? 'identity' });
    }
  });
  await page.goto(`${base}/`);
  await page.waitForFunction(() => window.__interactiveAt !== undefined, null, { timeout: 30_000 });
  const ms = await page.evaluate(() => window.__interactiveAt);
  await page.close();
  return { ms, assets };
}

const stats = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const at = (q) => s[Math.min(s.length - 1, Math.floor(q * s.length))];
  return { p50: at(0.5), p95: at(0.95), min: s[0], max: s[s.length - 1] };
};

const cold = [];
let firstAssets = [];
for (let i = 0; i < runs; i++) {
  const context = await browser.newContext({ storageState });
  const r = await load(context);
  if (i === 0) firstAssets = r.assets;
  cold.push(r.ms);
  await context.close();
}
const warmContext = await browser.newContext({ storageState });
await load(warmContext);
const warm = [];
for (let i = 0; i < runs; i++) warm.push((await load(warmContext)).ms);
await browser.close();

const fmt = (o) => `p50 ${o.p50.toFixed(0)} ms, p95 ${o.p95.toFixed(0)} ms (min ${o.min.toFixed(0)}, max ${o.max.toFixed(0)})`;
const total = firstAssets.reduce((n, a) => n + a.encoded, 0);
console.log(`dashboard, first visit (empty cache), ${runs} loads: interactive ${fmt(stats(cold))}`);
console.log(`dashboard, repeat visit (cached assets), ${runs} loads: interactive ${fmt(stats(warm))}`);
console.log(`downloaded by the first page's client (/pkg/, as sent): ${(total / 1024).toFixed(1)} KiB`);
for (const a of firstAssets) console.log(`  ${a.path}: ${(a.encoded / 1024).toFixed(1)} KiB (${a.encoding})`);
console.log(JSON.stringify({ cold: stats(cold), warm: stats(warm), first_page_bytes: total }));
