import AxeBuilder from '@axe-core/playwright';
import type { Page } from '@playwright/test';
import { expect, test } from '../lib/fixtures';
import { heading, settle, visit } from '../lib/ui';

/**
 * Layout that holds: every staff page, on the data the earlier specs made, at desktop,
 * small-laptop and phone sizes. A page fails if it is wider than the screen (the whole
 * page scrolls sideways) or if two controls a user can press overlap. Every page has a
 * title of its own ("… · Dossier"), so tabs and history say where they lead.
 */

const SIZES = [
  { width: 1366, height: 900 },
  { width: 1024, height: 768 },
  { width: 390, height: 844 },
];

interface Layout {
  overflow: number;
  wide: string[];
  overlaps: string[];
}

/** Measures, in the page: sideways overflow, what sticks out, and overlapping controls. */
async function measure(page: Page, within: string): Promise<Layout> {
  return page.evaluate((scope) => {
    const vw = document.documentElement.clientWidth;
    const name = (e: Element) => {
      const label = (e.getAttribute('aria-label') ?? e.textContent ?? '').trim().replace(/\s+/g, ' ').slice(0, 40);
      return `${e.tagName.toLowerCase()}${e.id ? '#' + e.id : ''}${e.className && typeof e.className === 'string' ? '.' + e.className.trim().split(/\s+/).join('.') : ''} "${label}"`;
    };
    const clipped = (e: Element) => {
      for (let p = e.parentElement; p; p = p.parentElement) {
        const ox = getComputedStyle(p).overflowX;
        if (ox === 'auto' || ox === 'scroll' || ox === 'hidden') return true;
      }
      return false;
    };
    const root = document.querySelector(scope) ?? document.body;
    const wide = Array.from(root.querySelectorAll('*'))
      .filter((e) => e.getBoundingClientRect().right > vw + 1 && (!clipped(e) || getComputedStyle(e).position === 'absolute'))
      .slice(0, 6)
      .map(name);
    const controls = Array.from(
      root.querySelectorAll('a[href], button, input:not([type="hidden"]), select, textarea, summary'),
    ).filter((e) => {
      const r = e.getBoundingClientRect();
      return r.width > 0 && r.height > 0 && !e.closest('.sticky-actions') && getComputedStyle(e).visibility !== 'hidden';
    });
    const overlaps: string[] = [];
    for (let i = 0; i < controls.length; i++) {
      for (let j = i + 1; j < controls.length; j++) {
        const [a, b] = [controls[i], controls[j]];
        if (a.contains(b) || b.contains(a)) continue;
        const [r, s] = [a.getBoundingClientRect(), b.getBoundingClientRect()];
        const w = Math.min(r.right, s.right) - Math.max(r.left, s.left);
        const h = Math.min(r.bottom, s.bottom) - Math.max(r.top, s.top);
        if (w > 2 && h > 2) overlaps.push(`${name(a)} overlaps ${name(b)}`);
      }
    }
    return { overflow: document.documentElement.scrollWidth - vw, wide, overlaps: overlaps.slice(0, 6) };
  }, within);
}

/** axe-core (WCAG 2.1 A and AA) finds nothing on the page, or on the part `within`. */
async function axe(page: Page, label: string, within?: string) {
  let builder = new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']);
  if (within) builder = builder.include(within);
  const results = await builder.analyze();
  const summary = results.violations.map((v) => `${v.id} (${v.impact}): ${v.nodes.map((n) => n.target.join(' ')).slice(0, 4).join(', ')}`);
  expect(summary, `axe-core on ${label}`).toEqual([]);
}

async function check(page: Page, label: string, within = 'body') {
  const size = page.viewportSize()!;
  const got = await measure(page, within);
  const at = `${label} at ${size.width}×${size.height}`;
  expect(got.overflow, `${at} is wider than the screen; sticking out: ${got.wide.join('; ')}`).toBeLessThanOrEqual(1);
  expect(got.overlaps, `${at}: controls overlap`).toEqual([]);
  if (size.width !== 1024) {
    const file = `${label.replace(/[^a-z0-9]+/gi, '-').toLowerCase()}-${size.width}.png`;
    await page.screenshot({ path: test.info().outputPath(file), fullPage: true });
  }
}

test('every staff page fits the screen at desktop and phone sizes, with its own title, and passes axe-core', async ({ adminPage: page }) => {
  test.setTimeout(240_000);
  // Iris's profile by address (this test is about layout; 08-clients tests the search).
  await visit(page, '/app/clients');
  const origin = new URL(page.url()).origin;
  const found = (await (
    await page.request.post('/api/list_clients', { data: { query: 'ivers' }, headers: { origin } })
  ).json()) as { items: { id: string }[] };
  const profile = `/app/clients/${found.items[0].id}`;
  await visit(page, profile);
  await expect(heading(page, 'Iris Ivers')).toBeVisible();
  await visit(page, `${profile}/documents`);
  const docHref = await page.locator('section a[href^="/app/documents/"]').first().getAttribute('href');
  expect(docHref, 'Iris has a document').toMatch(/^\/app\/documents\//);

  const pages: [string, string, RegExp][] = [
    ['Overview', '/app', /^Overview · Dossier$/],
    ['Clients', '/app/clients', /^Clients · Dossier$/],
    ['Client profile', profile, /^Iris Ivers · Clients · Dossier$/],
    ['Client documents', `${profile}/documents`, /^Documents · Iris Ivers · Clients · Dossier$/],
    ['Client shares', `${profile}/shared`, /^Shared · Iris Ivers · Clients · Dossier$/],
    ['Client history', `${profile}/history`, /^History · Iris Ivers · Clients · Dossier$/],
    ['Contacts', '/app/contacts', /^Contacts · Dossier$/],
    ['Documents', '/app/documents', /^Documents · Dossier$/],
    ['Document', docHref!, / · Iris Ivers · Dossier$/],
    ['New document', `${profile}/documents/new`, /^New document · Dossier$/],
    ['Share wizard', `${profile}/share`, /^Share documents of Iris Ivers · Dossier$/],
    ['Shared', '/app/shared', /^Shared · Dossier$/],
    ['Audit log', '/app/audit', /^Audit log · Dossier$/],
    ['Disclosures', `${profile}/disclosures`, /^Accounting of disclosures · Dossier$/],
    ['Settings', '/app/settings', /^Settings · Dossier$/],
    ['Intake settings', '/app/settings/intake', /^Intake form · Dossier$/],
    ['Sharing settings', '/app/settings/sharing', /^Sharing settings · Dossier$/],
    ['Intake inbox', '/app/intake', /^Intake forms · Dossier$/],
    ['Staff', '/app/staff', /^Staff · Dossier$/],
  ];
  for (const size of SIZES) {
    await page.setViewportSize(size);
    for (const [label, url, title] of pages) {
      await visit(page, url);
      await expect(page.locator('h1').first()).toBeVisible();
      await expect(page, `${label} has its own title`).toHaveTitle(title);
      await check(page, label);
      if (size.width === 1366) {
        await settle(page);
        await axe(page, label);
      }
    }
    await visit(page, profile);
    await page.getByRole('button', { name: 'Client access control', exact: true }).click();
    const dialog = page.getByRole('dialog', { name: 'Client access control' });
    await expect(dialog).toBeVisible();
    await settle(page);
    await check(page, 'Client access dialog', '.dialog');
    if (size.width === 1366) await axe(page, 'Client access dialog', '.dialog');
    await page.keyboard.press('Escape');
  }
});

test('the icon is served: pages name it, and /favicon.ico leads to it', async ({ request }) => {
  const icon = await request.get('/favicon.ico');
  expect(icon.status()).toBe(200);
  expect(icon.headers()['content-type']).toContain('image/svg+xml');
  for (const path of ['/login', '/portal/link-invalid']) {
    const html = await (await request.get(path)).text();
    expect(html, `${path} names its icon`).toMatch(/<link rel="icon" href="\/pkg\/staff\/favicon-[0-9a-f]{8,16}\.svg"/);
  }
});
