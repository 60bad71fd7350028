// Journeys of regulation fidelity: a revised regulation offers a new duty that waits for the
// organisation's confirmation before it is scheduled; an open item of the regulation gets an
// owner and a due date (a past date is refused in place, the typed values kept) and is resolved.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { withDemo, login, changePassword, artifacts, serverToday } from './lib.mjs';

const seedFile = join(dirname(fileURLToPath(import.meta.url)), '..', 'examples', 'seed-regulation.txt');
const env = withDemo({ before, after });

function addDays(iso, n) {
  const d = new Date(`${iso}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + n);
  return d.toISOString().slice(0, 10);
}

test('a revised regulation offers a duty, confirmed before it is scheduled; an open item is owned and resolved', async () => {
  const ctx = await env.browser.newContext({ locale: 'ja-JP' });
  const page = await ctx.newPage();
  await login(page, env.demo.url, env.demo.login.id, env.demo.login.password);
  await page.waitForURL(/\/password$/);
  await changePassword(page, env.demo.login.password, 'Kanri2026x');
  await page.waitForURL((u) => u.pathname === '/');

  // The demo's duties are confirmed: nothing waits.
  await page.goto(`${env.demo.url}/duties/all`);
  assert.equal(await page.locator('#pending').count(), 0);

  // A revision: the yearly review of the list of laws becomes monthly.
  const seed = readFileSync(seedFile, 'utf8');
  const revised = seed.replace('1 回/年見直しを実施する', '1 回/月見直しを実施する');
  assert.notEqual(revised, seed);
  const file = join(mkdtempSync(join(tmpdir(), 'mamori-rev-')), 'regulation-rev2.txt');
  writeFileSync(file, revised);
  await page.goto(`${env.demo.url}/regulation/import`);
  await page.setInputFiles('input[type=file][name=file]', file);
  await page.click('form[enctype="multipart/form-data"] button[type=submit]');
  await page.waitForSelector('#preview');
  await page.click('text=この内容で取り込む');
  await page.waitForURL(/\/controls\?done=imported/);

  await page.goto(`${env.demo.url}/duties/all`);
  await page.click('text=規程から定期業務を取り込む');
  await page.waitForSelector('#pending');
  const pending = page.locator('#pending-table tbody tr');
  assert.ok((await pending.count()) >= 1);
  const row = pending.filter({ hasText: '毎月' }).first();
  assert.match(await row.textContent(), /5\.31/);
  const title = (await row.locator('a').first().textContent()).trim();
  assert.ok(title.length > 0 && !/^(また|なお)、/.test(title), `a readable title: ${title}`);
  await page.screenshot({ path: join(artifacts, 'duties-pending.png'), fullPage: true });
  await row.locator('input[type=checkbox]').check();
  await page.click('#confirm-picked');
  await page.waitForURL(/\/duties\/all\?confirmed=1/);
  const listed = page.locator('#duties-table tr', { hasText: title }).first();
  assert.match(await listed.textContent(), /\d{4}-\d{2}-\d{2}/, 'the confirmed duty has its next due date');
  const today = await serverToday(page, env.demo.url);
  const next = (await listed.textContent()).match(/\d{4}-\d{2}-\d{2}/)[0];
  assert.ok(next >= today, `nothing backdated: ${next} >= ${today}`);

  // An open item: a past due date is refused at its field, the typed resolution kept.
  await page.click('nav.menu >> text=未決事項');
  await page.waitForURL(/\/open-items/);
  const itemId = await page.locator('#open-items tbody tr:has(form.open-item-form)').first().getAttribute('id');
  const form = page.locator(`#${itemId} form.open-item-form`);
  await form.locator('select[name=owner_id]').selectOption({ label: '管理者' });
  await form.locator('input[name=due]').fill('2000-01-01');
  await form.locator('textarea[name=resolution]').fill('供給者ごとに確認し、規程に追記した');
  await form.locator('button[type=submit]').click();
  await page.waitForSelector('.field-error');
  const again = page.locator(`#${itemId}`);
  assert.match(await again.locator('.field-error').textContent(), /過去の日付/);
  assert.equal(await again.locator('textarea[name=resolution]').inputValue(), '供給者ごとに確認し、規程に追記した');
  assert.equal(await again.locator('input[name=due]').inputValue(), '2000-01-01');
  await page.screenshot({ path: join(artifacts, 'open-item-refused.png'), fullPage: false });
  await again.locator('input[name=due]').fill(addDays(today, 30));
  await again.locator('button[type=submit]').click();
  await page.waitForURL(/\/open-items\?saved=1/);
  assert.match(await page.textContent('.flash'), /保存しました/);
  const resolved = page.locator(`#${itemId}`);
  assert.match(await resolved.textContent(), /解決済み/);
  assert.match(await resolved.textContent(), /管理者/);
  assert.match(await resolved.textContent(), /供給者ごとに確認し、規程に追記した/);
  await ctx.close();
});
