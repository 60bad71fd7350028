// Journeys of the register engine: add an asset and see its risk value, import an xlsx with an
// error and fix it, and read a row's history.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { withDemo, login, changePassword, artifacts } from './lib.mjs';

const fixtures = join(dirname(fileURLToPath(import.meta.url)), 'fixtures');
const env = withDemo({ before, after });

test('asset ledger: risk value, xlsx import with an error then fixed, row history', async () => {
  const ctx = await env.browser.newContext({ locale: 'ja-JP' });
  const page = await ctx.newPage();
  await login(page, env.demo.url, env.demo.login.id, env.demo.login.password);
  await page.waitForURL(/\/password$/);
  await changePassword(page, env.demo.login.password, 'Kanri2026x');
  await page.waitForURL((u) => u.pathname === '/');

  // Add an asset through the form.
  await page.click('nav.menu >> text=台帳・記録');
  await page.click('text=情報資産リスクアセスメント表');
  await page.waitForURL(/\/registers\/assets$/);
  await page.click('#add-row');
  await page.fill('input[name=name]', '顧客名簿');
  await page.fill('input[name=confidentiality]', '3');
  await page.fill('input[name=integrity]', '2');
  await page.fill('input[name=availability]', '2');
  await page.fill('input[name=threat]', '2');
  await page.fill('input[name=vulnerability]', '3');
  await page.check('input[name=personal_info][value=個人情報]');
  await page.click('#save-row');
  await page.waitForURL(/\/registers\/assets\/rows\//);
  assert.equal((await page.textContent('output[name=importance]')).trim(), '3');
  assert.equal((await page.textContent('output[name=likelihood]')).trim(), '3');
  assert.equal((await page.textContent('output[name=risk]')).trim(), '9');
  await page.screenshot({ path: join(artifacts, 'asset-risk.png'), fullPage: true });

  // Change it, then read the history with the differences.
  await page.fill('input[name=vulnerability]', '1');
  await page.click('#save-row');
  await page.waitForLoadState();
  assert.equal((await page.textContent('output[name=risk]')).trim(), '3'); // likelihood(2, 1) = 1
  await page.click('#history-link');
  await page.waitForURL(/\/history$/);
  const first = page.locator('.history-entry').first();
  // The vulnerability change is listed with its value before (3) and after (1).
  const change = first.locator('tbody tr', { has: page.locator('td:first-child', { hasText: /^脆弱性$/ }) });
  assert.equal(await change.count(), 1, 'one change of 脆弱性 in the latest entry');
  assert.equal((await change.locator('td.before').textContent()).trim(), '3');
  assert.equal((await change.locator('td.after').textContent()).trim(), '1');
  assert.match(await page.textContent('main'), /作成/);

  // Import an xlsx with an error: nothing is written, the problem is named by row and column.
  await page.goto(`${env.demo.url}/registers/assets`);
  await page.setInputFiles('#import input[type=file]', join(fixtures, 'assets-with-error.xlsx'));
  await page.click('#import button[type=submit]');
  await page.waitForSelector('#import-problems');
  const problems = await page.textContent('#import-problems');
  assert.match(problems, /3/);
  assert.match(problems, /機密性/);
  assert.match(problems, /範囲外/);
  assert.match(await page.textContent('main'), /1 件/);
  await page.screenshot({ path: join(artifacts, 'import-error.png'), fullPage: true });

  // The corrected file imports both rows.
  await page.setInputFiles('#import input[type=file]', join(fixtures, 'assets-fixed.xlsx'));
  await page.click('#import button[type=submit]');
  await page.waitForURL(/imported=2/);
  assert.match(await page.textContent('main'), /3 件/);
  assert.match(await page.textContent('#rows'), /社員名簿/);

  // The heat map counts them.
  await page.click('text=リスクヒートマップ');
  const cells = await page.$$eval('#heatmap td[data-count]', (tds) => tds.map((t) => Number(t.dataset.count)));
  assert.equal(cells.reduce((a, b) => a + b, 0), 3);
  await ctx.close();
});
