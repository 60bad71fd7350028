// Journey of Microsoft 365 evidence: upload an audit-log export, see the password-spray
// finding, and confirm it into an incident.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { withDemo, login, changePassword, artifacts } from './lib.mjs';

const fixtures = join(dirname(fileURLToPath(import.meta.url)), 'fixtures');
const env = withDemo({ before, after });

test('upload an export, see the password spray, confirm it', async () => {
  const ctx = await env.browser.newContext({ locale: 'ja-JP' });
  const page = await ctx.newPage();
  await login(page, env.demo.url, env.demo.login.id, env.demo.login.password);
  await page.waitForURL(/\/password$/);
  await changePassword(page, env.demo.login.password, 'Kanri2026x');
  await page.waitForURL((u) => u.pathname === '/');

  await page.click('nav.menu >> text=Microsoft 365');
  await page.waitForURL(/\/m365$/);
  await page.setInputFiles('#m365-import input[type=file]', join(fixtures, 'm365-spray.jsonl'));
  await page.click('#m365-import button[type=submit]');
  await page.waitForSelector('#import-report');
  assert.equal((await page.textContent('#import-format')).trim(), '監査ログ（AuditData JSON）');
  assert.equal((await page.textContent('#import-new')).trim(), '6');
  assert.equal((await page.textContent('#import-rejected')).trim(), '0');
  assert.match(page.url(), /\/m365$/, 'the upload went through the progress script, not a form navigation');

  await page.click('#to-findings');
  await page.waitForURL(/\/m365\/findings$/);
  const finding = page.locator('section.finding[data-rule="password_spray"]');
  assert.match(await finding.textContent(), /パスワードスプレー攻撃/);
  assert.match(await finding.textContent(), /203\.0\.113\.77/);
  assert.match(await finding.textContent(), /イベント 6 件/);
  await page.screenshot({ path: join(artifacts, 'm365-finding.png'), fullPage: true });
  await finding.locator('input[name=reason]').fill('海外 IP からの攻撃。全員のパスワードを変更');
  await finding.locator('button.confirm').click();
  await page.waitForSelector('section.finding-confirmed');
  await page.click('section.finding-confirmed a.finding-incident');
  await page.waitForURL(/\/incidents\//);
  // The incident is titled in Japanese with the rule's name, never its key.
  assert.match(await page.textContent('h1'), /パスワードスプレー攻撃/);
  assert.doesNotMatch(await page.textContent('main'), /password_spray|\["/);

  // Detection and retention settings: an allow-list line that is not an address block is
  // refused with the field named by its label (the browser itself refuses a retention under 180 days); a
  // year and a block are saved.
  await page.goto(`${env.demo.url}/m365/settings`);
  assert.equal(await page.getAttribute('#m365-settings input[name=retention_days]', 'min'), '180');
  await page.fill('#m365-settings textarea[name=allow_list]', 'office');
  await page.click('#m365-settings button[type=submit]');
  await page.waitForSelector('#settings-errors');
  assert.match(await page.textContent('#settings-errors'), /許可リスト: /, 'the field by its label');
  assert.doesNotMatch(await page.textContent('#settings-errors'), /allow_list/, 'never by its key');
  await page.fill('#m365-settings input[name=retention_days]', '365');
  await page.fill('#m365-settings textarea[name=allow_list]', '192.0.2.0/24');
  await page.click('#m365-settings button[type=submit]');
  await page.waitForSelector('#settings-saved');
  assert.equal(await page.inputValue('#m365-settings input[name=retention_days]'), '365');
  assert.equal(await page.inputValue('#m365-settings textarea[name=allow_list]'), '192.0.2.0/24');
  await ctx.close();
});
