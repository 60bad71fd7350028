// Journeys of the regulation importer: upload → preview → confirm, then from a control to
// its records and duties.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { withDemo, login, changePassword, artifacts } from './lib.mjs';

const seedFile = join(dirname(fileURLToPath(import.meta.url)), '..', 'examples', 'seed-regulation.txt');
const env = withDemo({ before, after });

test('import the regulation through the page and browse from a control to its records and duties', async () => {
  const ctx = await env.browser.newContext({ locale: 'ja-JP' });
  const page = await ctx.newPage();
  await login(page, env.demo.url, env.demo.login.id, env.demo.login.password);
  await page.waitForURL(/\/password$/);
  await changePassword(page, env.demo.login.password, 'Kanri2026x');
  await page.waitForURL((u) => u.pathname === '/');

  // The demo already holds the seed as version 1.
  await page.click('nav.menu >> text=規程の取込');
  await page.waitForURL(/\/regulation\/import$/);
  assert.match(await page.textContent('main'), /seed-regulation\.txt/);

  // The very same file is refused in place: it would only add a version that changes nothing.
  await page.setInputFiles('input[type=file][name=file]', seedFile);
  await page.click('form[enctype="multipart/form-data"] button[type=submit]');
  await page.waitForSelector('p.error');
  assert.match(await page.textContent('p.error'), /前回取り込んだ版とまったく同じ内容のため、新しい版は作りませんでした/);
  // The regulation saved again (other bytes, same text) is previewed and imported as version 2.
  const resaved = join(mkdtempSync(join(tmpdir(), 'mamori-e2e-reg-')), 'seed-regulation.txt');
  writeFileSync(resaved, `${readFileSync(seedFile, 'utf8')}\n`);
  await page.setInputFiles('input[type=file][name=file]', resaved);
  await page.click('form[enctype="multipart/form-data"] button[type=submit]');
  await page.waitForSelector('#preview');
  const preview = await page.textContent('#preview');
  assert.match(preview, /AB-標準-250503/);
  assert.match(preview, /管理策 93 件/);
  assert.match(preview, /対象外 8 件/);
  assert.match(preview, /未決事項 7 件/);
  await page.screenshot({ path: join(artifacts, 'import-preview.png'), fullPage: false });
  await page.click('text=この内容で取り込む');
  await page.waitForURL(/\/controls\?done=imported/);
  assert.match(await page.textContent('main'), /第 2 版として取り込みました/);

  // Filter to the excluded controls.
  await page.selectOption('select[name=applicable]', 'no');
  await page.click('form.filters button[type=submit]');
  await page.waitForURL(/applicable=no/);
  assert.match(await page.textContent('main'), /8 件の管理策/);

  // From 7.10 to its records and duties.
  await page.goto(`${env.demo.url}/controls`);
  await page.click('a[href="/controls/7.10"] >> nth=0');
  await page.waitForURL(/\/controls\/7\.10$/);
  assert.match(await page.textContent('h1'), /7\.10 記憶媒体/);
  await page.click('#records a >> text=媒体持出管理記録');
  await page.waitForURL(/\/regulation\/records#/);
  const row = page.locator('tr', { hasText: '媒体持出管理記録' });
  assert.match(await row.textContent(), /7\.10/);

  await page.goto(`${env.demo.url}/controls/8.6`);
  const duties = await page.textContent('#duties');
  assert.match(duties, /半年ごと/);
  await page.click('#duties a >> nth=0');
  await page.waitForURL(/\/regulation\/duties#c-8\.6$/);
  assert.match(await page.locator('tr#c-8\\.6').first().textContent(), /容量/);
  await page.screenshot({ path: join(artifacts, 'duties.png'), fullPage: false });

  // The open items page lists the authors' notes.
  await page.click('nav.menu >> text=未決事項');
  assert.match(await page.textContent('main'), /確認後、記載/);
  await ctx.close();
});
