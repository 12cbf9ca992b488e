import { expect, test } from '../lib/fixtures';
import { expectPath, signIn } from '../lib/ui';

function csp(headers: Record<string, string>): string {
  return headers['content-security-policy'] ?? '';
}

function nonceOf(policy: string): string | undefined {
  return /'nonce-([^']+)'/.exec(policy)?.[1];
}

test('POSTs to /auth/login from another site or without an origin are refused', async ({ request, baseURL, project }) => {
  // An unknown address, so none of these can count against a real account.
  const form = { email: `csrf-probe-${project}@example.test`, password: 'not a real password at all' };

  const crossOrigin = await request.post('/auth/login', {
    headers: { Origin: 'https://evil.example' },
    form,
    maxRedirects: 0,
  });
  expect(crossOrigin.status(), 'Origin: https://evil.example').toBe(403);

  const noOrigin = await request.post('/auth/login', { form, maxRedirects: 0 });
  expect(noOrigin.status(), 'no Origin and no Sec-Fetch-Site').toBe(403);

  const crossSite = await request.post('/auth/login', {
    headers: { 'Sec-Fetch-Site': 'cross-site' },
    form,
    maxRedirects: 0,
  });
  expect(crossSite.status(), 'Sec-Fetch-Site: cross-site').toBe(403);

  // Control: the same request from the app's own origin is not refused as cross-site.
  const sameOrigin = await request.post('/auth/login', {
    headers: { Origin: new URL(baseURL as string).origin, 'Sec-Fetch-Site': 'same-origin' },
    form,
    maxRedirects: 0,
  });
  expect(sameOrigin.status(), 'same-origin POST').not.toBe(403);
});

test('/login is served with the security headers', async ({ request }) => {
  const first = await request.get('/login', { maxRedirects: 0 });
  expect(first.status()).toBe(200);
  const h = first.headers();
  const policy = csp(h);
  expect(policy).toContain("'nonce-");
  expect(policy).toContain("'wasm-unsafe-eval'");
  expect(policy).toContain("frame-ancestors 'none'");
  expect(policy).toContain("object-src 'none'");
  expect(h['referrer-policy']).toBe('no-referrer');
  expect(h['x-content-type-options']).toBe('nosniff');
  expect(h['strict-transport-security']).toBeTruthy();

  // The nonce is fresh for every response.
  const second = await request.get('/login', { maxRedirects: 0 });
  const n1 = nonceOf(policy);
  const n2 = nonceOf(csp(second.headers()));
  expect(n1).toBeTruthy();
  expect(n2).toBeTruthy();
  expect(n2).not.toBe(n1);
});

test('the signed-in app is not cached and hydrates from its hashed, immutable bundle', async ({ adminPage }) => {
  const pkg = new Map<string, { status: number; cache: string }>();
  adminPage.on('response', (r) => {
    const u = new URL(r.url());
    if (u.pathname.startsWith('/pkg/')) pkg.set(u.pathname, { status: r.status(), cache: r.headers()['cache-control'] ?? '' });
  });
  // The bytes of code a cold browser fetches to start the app (wasm + JS glue, as sent).
  let code = 0;
  adminPage.on('requestfinished', async (req) => {
    if (/^\/pkg\/staff\/.*\.(js|wasm)$/.test(new URL(req.url()).pathname)) code += (await req.sizes()).responseBodySize;
  });
  const res = await adminPage.goto('/app');
  await expectPath(adminPage, '/app');
  expect(res?.status()).toBe(200);
  expect(res?.headers()['cache-control'] ?? '').toContain('no-store');

  await expect
    .poll(() => adminPage.evaluate(() => document.body.dataset.hydrated ?? null), {
      message: 'document.body.dataset.hydrated becomes "true"',
      timeout: 30_000,
    })
    .toBe('true');
  // Content-hashed names (pkg/staff/manifest.json lists them), cached for a year: Trunk's
  // stylesheet, and the main module of the bundle split at its lazy routes, in a folder named
  // by the hash of everything in it.
  const manifest = (await (await adminPage.request.get('/pkg/staff/manifest.json')).json()) as Record<string, string>;
  expect(manifest.css, 'a content-hashed name').toMatch(/^\/pkg\/staff\/[a-z_-]+-[0-9a-f]{8,16}\.css$/);
  for (const file of [manifest.js, manifest.wasm]) expect(file, 'in a content-hashed folder').toMatch(/^\/pkg\/staff\/split-[0-9a-f]{16}\/frontend(_bg)?\.(js|wasm)$/);
  for (const file of [manifest.js, manifest.wasm, manifest.css]) {
    expect(pkg.get(file)?.status, `${file} loaded`).toBe(200);
    expect(pkg.get(file)?.cache, `${file} cached as immutable`).toContain('immutable');
  }
  // The budget (README, "Build path and bundle architecture"): the overview is in the main
  // module, and every other page is a lazy chunk it does not fetch.
  await expect.poll(() => code, { message: 'the bundle has been fetched' }).toBeGreaterThan(0);
  await adminPage.waitForLoadState('networkidle');
  console.log(`staff app, cold /app: ${(code / 1024).toFixed(1)} KB of wasm + JS over the wire`);
  expect(code).toBeLessThanOrEqual(250 * 1024);
  const chunk = /^\/pkg\/staff\/split-[0-9a-f]{16}\/(split|chunk)_\d+\.wasm$/;
  expect([...pkg.keys()].filter((p) => chunk.test(p)), 'no lazy chunk on the overview').toEqual([]);

  // A lazy page: resting the pointer on its link fetches its chunks (immutable, like the
  // rest) before the click, and following the link shows the page with no full reload.
  await adminPage.evaluate(() => ((window as unknown as { stillHere: boolean }).stillHere = true));
  const clients = adminPage.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Clients' });
  await clients.hover();
  await expect.poll(() => [...pkg.keys()].filter((p) => chunk.test(p)).length, { message: 'hovering the link fetched the page' }).toBeGreaterThan(0);
  await clients.click();
  await expectPath(adminPage, '/app/clients');
  await expect(adminPage.getByRole('heading', { level: 1, name: 'Clients' })).toBeVisible();
  for (const [p, r] of pkg) if (chunk.test(p)) expect(r.cache, `${p} cached as immutable`).toContain('immutable');
  expect(await adminPage.evaluate(() => (window as unknown as { stillHere?: boolean }).stillHere)).toBe(true);
});

test('a full sign-in requests nothing from any other origin', async ({ newPage, baseURL }) => {
  const page = await newPage();
  const origin = new URL(baseURL as string).origin;
  const requested: string[] = [];
  const foreign: string[] = [];
  page.context().on('request', (req) => {
    const u = new URL(req.url());
    if (u.protocol === 'data:' || u.protocol === 'blob:' || u.protocol === 'about:') return;
    requested.push(req.url());
    if (u.origin !== origin) foreign.push(req.url());
  });

  await signIn(page, 'admin');
  await expect
    .poll(() => page.evaluate(() => document.body.dataset.hydrated ?? null), { timeout: 30_000 })
    .toBe('true');
  await page.waitForLoadState('networkidle');

  expect(requested.length).toBeGreaterThan(0);
  expect(foreign, 'requests to other origins').toEqual([]);

  if (process.env.DOSSIER_E2E_INSECURE_COOKIES !== 'true') {
    const cookies = await page.context().cookies();
    expect(cookies.length, 'a session cookie is set').toBeGreaterThan(0);
    for (const c of cookies) {
      expect(c.name, `cookie ${c.name} uses the __Host- prefix`).toMatch(/^__Host-/);
      expect(c.httpOnly, `cookie ${c.name} is HttpOnly`).toBe(true);
      expect(c.secure, `cookie ${c.name} is Secure`).toBe(true);
      expect(c.sameSite, `cookie ${c.name} is SameSite=Strict`).toBe('Strict');
      expect(c.path, `cookie ${c.name} has Path=/`).toBe('/');
    }
  }
});
