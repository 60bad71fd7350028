// Screenshots of the main pages at 1366 and 390 pixels wide, for a reviewer to look at (written
// to artifacts/screens/, not committed); at 390 px no page may scroll sideways (a wide table
// scrolls inside its own wrapper, never the page).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { withDemo, firstLogin, login, artifacts } from './lib.mjs';

const env = withDemo({ before, after });
const out = join(artifacts, 'screens');
mkdirSync(out, { recursive: true });

/** What sticks out to the right of the viewport, outside any element that scrolls itself. */
function overflowing(w) {
  const scrolls = (el) => {
    for (let p = el.parentElement; p; p = p.parentElement) {
      const o = getComputedStyle(p).overflowX;
      if (o === 'auto' || o === 'scroll' || o === 'hidden') return true;
    }
    return false;
  };
  const found = [];
  for (const el of document.querySelectorAll('body *')) {
    const r = el.getBoundingClientRect();
    if (r.width > 0 && r.right > w + 1 && !scrolls(el)) {
      found.push(`${el.tagName.toLowerCase()}${el.id ? `#${el.id}` : ''}${el.className && typeof el.className === 'string' ? `.${el.className.split(' ').join('.')}` : ''} → ${Math.round(r.right)}px`);
    }
  }
  return found.slice(0, 8);
}

test('main pages at 1366 and 390 px: screenshots, no sideways scrolling on a phone', async () => {
  const base = env.demo.url;
  const wide = await env.browser.newContext({ locale: 'ja-JP', viewport: { width: 1366, height: 900 } });
  const page = await firstLogin(wide, base, env.demo.login.id, env.demo.login.password, 'Kanri2026x');
  const phoneCtx = await env.browser.newContext({ locale: 'ja-JP', viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
  const phone = await phoneCtx.newPage();
  await login(phone, base, env.demo.login.id, 'Kanri2026x');
  await phone.waitForURL((u) => u.pathname === '/');

  // A request to look at: a media take-out of the demo's USB-01.
  const me = await (await page.request.get(`${base}/api/v1/me`)).json();
  const req = await page.request.post(`${base}/api/v1/requests`, {
    data: { type: 'media_takeout', fields: { media: 'USB-01', purpose: '顧客先での製品説明', taken_on: me.today, due_on: me.today } },
    headers: { 'x-csrf-token': me.csrf_token },
  });
  assert.equal(req.status(), 201, await req.text());
  const requestId = (await req.json()).id;
  // A duty to look at: the first of the duty list.
  await page.goto(`${base}/duties?scope=all`);
  const dutyHref = await page.locator('main a[href^="/duties/"]').evaluateAll(
    (as) => as.map((a) => a.getAttribute('href')).find((h) => /^\/duties\/occurrences\/[0-9A-Za-z-]+$/.test(h)),
  );
  assert.ok(dutyHref, 'a duty on the list');

  const pages = [
    ['dashboard', '/'],
    ['controls', '/controls'],
    ['control', '/controls/5.1'],
    ['soa', '/soa'],
    ['registers', '/registers'],
    ['register', '/registers/assets'],
    ['duties', '/duties?scope=all'],
    ['duty', dutyHref],
    ['requests', '/requests?scope=all'],
    ['request', `/requests/${requestId}`],
    ['incidents', '/incidents'],
    ['documents', '/documents'],
    ['audit', '/audit'],
    ['m365', '/m365'],
    ['people', '/people'],
    ['me', '/me'],
  ];
  const problems = [];
  for (const [name, path] of pages) {
    for (const [p, width] of [[page, 1366], [phone, 390]]) {
      const r = await p.goto(`${base}${path}`);
      assert.equal(r.status(), 200, `${path} at ${width}px`);
      assert.equal(await p.locator('main h1, main h2').count() > 0, true, `${path} has a heading`);
      await p.screenshot({ path: join(out, `${name}-${width}.png`), fullPage: true });
      if (width === 390) await p.screenshot({ path: join(out, `${name}-${width}-top.png`) });
      if (width === 390) {
        const { scroll, inner } = await p.evaluate(() => ({ scroll: document.scrollingElement.scrollWidth, inner: window.innerWidth }));
        // On a phone a page wider than the screen widens the layout viewport itself (so
        // innerWidth grows too): both must stay at the phone's width.
        if (inner > width || scroll > width + 1) {
          problems.push(`${path}: ${scroll}px wide (viewport ${inner}px): ${(await p.evaluate(overflowing, width)).join(', ')}`);
        }
      }
    }
  }
  assert.deepEqual(problems, [], problems.join('\n'));
  await wide.close();
  await phoneCtx.close();
});
