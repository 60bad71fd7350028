// The first run of a fresh installation (issue 15): an organisation and its administrator made
// on the command line, then in the browser the dashboard's checklist leads to the regulation
// imported, its duties drafted and confirmed (nothing overdue), the calendar feed issued, and
// the registers and request types reviewed. Screenshots at 1366 and 390 pixels wide.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { launch, login, changePassword, artifacts } from './lib.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const seedFile = join(here, '..', 'examples', 'seed-regulation.txt');
const bin = process.env.MAMORI_TEST_BIN ?? join(here, '..', 'target', 'debug', 'mamori');
const env = {};

before(async () => {
  env.dir = mkdtempSync(join(tmpdir(), 'mamori-e2e-fresh-'));
  const data = ['--data-dir', join(env.dir, 'data')];
  execFileSync(bin, [...data, 'org', 'add', '--slug', 'acme', '--name', 'テスト株式会社'], { env: { ...process.env, MAMORI_LOG: 'warn' } });
  execFileSync(bin, [...data, 'user', 'add', '--login-id', 'kanri', '--display-name', '管理 太郎', '--role', 'security_manager',
    '--role', 'top_management', '--role', 'system_admin', '--password', 'Shoki-Pass2026'], { env: { ...process.env, MAMORI_LOG: 'warn' } });
  env.child = spawn(bin, [...data, 'serve', '--port', '0'], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, MAMORI_LOG: 'info' } });
  let err = '';
  env.child.stderr.on('data', (d) => { err += d; });
  env.child.stdout.on('data', (d) => { err += d; });
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline && !env.url) {
    env.url = err.match(/serving on (http:\/\/[0-9.:]+)/)?.[1];
    if (env.child.exitCode !== null) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  if (!env.url) throw new Error(`mamori serve did not start: ${err}`);
  env.browser = await launch();
});

after(async () => {
  await env.browser?.close();
  if (env.child && env.child.exitCode === null) {
    env.child.kill('SIGTERM');
    await new Promise((r) => env.child.once('exit', r));
  }
  if (env.dir) rmSync(env.dir, { recursive: true, force: true });
});

test('a fresh installation: the checklist leads to a confirmed regulation, duties and calendar', async () => {
  const ctx = await env.browser.newContext({ locale: 'ja-JP', viewport: { width: 1366, height: 900 } });
  const page = await ctx.newPage();
  await login(page, env.url, 'kanri', 'Shoki-Pass2026');
  await page.waitForURL(/\/password$/);
  await changePassword(page, 'Shoki-Pass2026', 'Kanri-Pass2026');
  await page.waitForURL((u) => u.pathname === '/');

  // Nothing done: the regulation comes first.
  const card = page.locator('#first-run');
  assert.match(await card.textContent(), /はじめに行うこと/);
  assert.match(await card.textContent(), /0 \/ 5 完了/);
  assert.match(await page.getAttribute('#first-run-regulation', 'class'), /next/);
  await page.screenshot({ path: join(artifacts, 'first-run-1366.png'), fullPage: true });
  const phone = await env.browser.newContext({ locale: 'ja-JP', viewport: { width: 390, height: 844 }, storageState: await ctx.storageState() });
  const small = await phone.newPage();
  await small.goto(`${env.url}/`);
  await small.screenshot({ path: join(artifacts, 'first-run-390.png'), fullPage: true });
  const overflow = await small.evaluate(() => document.scrollingElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 1, `the checklist fits a phone (overflow ${overflow}px)`);
  await phone.close();

  // 1. The regulation, from the checklist's link.
  await page.click('#first-run-regulation a:has-text("規程を取り込む")');
  await page.waitForURL(/\/regulation\/import$/);
  await page.setInputFiles('input[type=file][name=file]', seedFile);
  await page.click('form[enctype="multipart/form-data"] button[type=submit]');
  await page.waitForSelector('#preview');
  assert.match(await page.textContent('#preview'), /管理策 93 件/);
  await page.click('text=この内容で取り込む');
  await page.waitForURL(/\/controls\?done=imported/);

  // 2. The duties: drafted from the regulation, then confirmed from today.
  await page.goto(`${env.url}/`);
  assert.match(await card.textContent(), /1 \/ 5 完了/);
  assert.match(await page.textContent('#first-run-duties'), /まだ定期業務の案がありません/);
  await page.click('#first-run-offer-duties');
  await page.waitForURL(/\/duties\/all/);
  const offered = await page.locator('#pending-table tbody tr').count();
  assert.ok(offered > 20, `the regulation's duties are offered (${offered})`);
  await page.click('#confirm-all');
  await page.waitForURL(/confirmed=1/);
  await page.goto(`${env.url}/`);
  assert.match(await page.getAttribute('#first-run-duties', 'class'), /done/);
  assert.match(await page.textContent('#card-duties'), /期限超過 0 件/, 'nothing is backdated');
  const api = await (await page.request.get(`${env.url}/api/v1/first-run`)).json();
  assert.deepEqual(api.steps.filter((s) => s.done).map((s) => s.key), ['regulation', 'duties']);
  assert.equal(api.next, 'catalogue');

  // The calendar feed of the confirmed duties.
  await page.goto(`${env.url}/duties/calendar`);
  await page.click('#rotate-calendar');
  await page.waitForSelector('#calendar-url');
  const feed = await page.inputValue('#calendar-url');
  const ics = await (await page.request.get(feed)).text();
  assert.match(ics, /BEGIN:VCALENDAR/);
  assert.ok((ics.match(/BEGIN:VEVENT/g) ?? []).length > 10, 'the confirmed duties are in the calendar');

  // 3. The registers and request types reviewed, marked from the checklist.
  await page.goto(`${env.url}/`);
  await page.click('#first-run-mark-catalogue');
  await page.waitForURL(/done=first-run-catalogue/);
  assert.match(await page.textContent('main'), /台帳と申請の種類を確認済みにしました/);
  assert.match(await card.textContent(), /3 \/ 5 完了/);
  assert.match(await page.textContent('#first-run-people'), /担当者のいない役割があります：.*内部監査員/);
  await page.screenshot({ path: join(artifacts, 'first-run-progress-1366.png'), fullPage: true });
  await ctx.close();
});
