// Journeys of the foundation issue, in a real browser against the real binary.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { withDemo, login, changePassword, artifacts } from './lib.mjs';

const env = withDemo({ before, after });

test('log in with the printed credentials, change the initial password, see the dashboard in Japanese, switch to English', async () => {
  const ctx = await env.browser.newContext({ locale: 'ja-JP' });
  const page = await ctx.newPage();
  await login(page, env.demo.url, env.demo.login.id, env.demo.login.password);
  await page.waitForURL(/\/password$/);
  assert.match(await page.textContent('main'), /初期パスワードのままです/);

  // A password that breaks the policy is refused with the rule named.
  await changePassword(page, env.demo.login.password, 'abcdefgh');
  assert.match(await page.textContent('main'), /数字を含めてください/);

  await changePassword(page, env.demo.login.password, 'Kanri2026x');
  await page.waitForURL((u) => u.pathname === '/');
  assert.equal(await page.getAttribute('html', 'lang'), 'ja');
  assert.match(await page.textContent('h1'), /ホーム/);
  assert.match(await page.textContent('main'), /パスワードを変更しました/);
  assert.match(await page.textContent('main'), /経営責任者/);
  const menu = await page.textContent('nav.menu');
  assert.match(menu, /ユーザー管理/);
  assert.match(menu, /監査ログ/);
  await page.screenshot({ path: join(artifacts, 'dashboard-ja.png'), fullPage: true });

  await page.click('a[hreflang=en]');
  await page.waitForLoadState();
  assert.equal(await page.getAttribute('html', 'lang'), 'en');
  assert.match(await page.textContent('h1'), /Home/);
  assert.match(await page.textContent('nav.menu'), /Audit log/);
  await page.screenshot({ path: join(artifacts, 'dashboard-en.png'), fullPage: true });
  // Back to Japanese for the next journey.
  await page.click('a[hreflang=ja]');
  await ctx.close();
  env.demo.login.password = 'Kanri2026x';
});

test('three wrong passwords lock the account, the right one is refused, an administrator unlocks it', async () => {
  // The administrator adds an employee from the users page.
  const adminCtx = await env.browser.newContext({ locale: 'ja-JP' });
  const admin = await adminCtx.newPage();
  await login(admin, env.demo.url, env.demo.login.id, env.demo.login.password);
  await admin.waitForURL((u) => u.pathname === '/');
  await admin.click('nav.menu >> text=ユーザー管理');
  await admin.waitForURL(/\/users$/);
  await admin.fill('form[action="/users"] input[name=login_id]', 'tanaka');
  await admin.fill('form[action="/users"] input[name=display_name]', '田中 一郎');
  await admin.fill('form[action="/users"] input[name=password]', 'Tanaka2026');
  await admin.check('form[action="/users"] input[name=roles][value=employee]');
  await admin.click('form[action="/users"] button[type=submit]');
  await admin.waitForURL(/done=created/);
  assert.match(await admin.textContent('main'), /ユーザー tanaka を追加しました/);

  // The employee types a wrong password three times, then the right one.
  const userCtx = await env.browser.newContext({ locale: 'ja-JP' });
  const user = await userCtx.newPage();
  for (let i = 0; i < 3; i++) {
    await login(user, env.demo.url, 'tanaka', `wrong-${i}x`);
    assert.match(await user.textContent('[role=alert]'), /ログインIDまたはパスワードが正しくありません/);
  }
  await login(user, env.demo.url, 'tanaka', 'Tanaka2026');
  assert.match(await user.textContent('[role=alert]'), /アカウントがロックされています/);
  assert.ok(user.url().endsWith('/login'), 'stays on the login page');
  await user.screenshot({ path: join(artifacts, 'locked.png'), fullPage: true });

  // The administrator sees the lock and unlocks from the users page.
  await admin.goto(`${env.demo.url}/users`);
  const row = admin.locator('tr#user-tanaka');
  assert.match(await row.textContent(), /ロック中/);
  await row.locator('button', { hasText: 'ロック解除' }).click();
  await admin.waitForFunction(() => !document.querySelector('tr#user-tanaka')?.textContent.includes('ロック中'));
  assert.match(await admin.locator('tr#user-tanaka').textContent(), /有効/);
  await admin.screenshot({ path: join(artifacts, 'users-unlocked.png'), fullPage: true });

  // Now the right password works (and an initial password must be changed).
  await login(user, env.demo.url, 'tanaka', 'Tanaka2026');
  await user.waitForURL(/\/password$/);

  // The employee's menu has no administration entries, and the audit log is refused.
  await changePassword(user, 'Tanaka2026', 'Tanaka2027');
  await user.waitForURL((u) => u.pathname === '/');
  const menu = await user.textContent('nav.menu');
  assert.doesNotMatch(menu, /ユーザー管理|監査ログ/);
  const resp = await user.goto(`${env.demo.url}/audit`);
  assert.equal(resp.status(), 403);

  // The audit log records the lockout and the unlock.
  await admin.goto(`${env.demo.url}/audit`);
  const log = await admin.textContent('main');
  assert.match(log, /アカウントロック/);
  assert.match(log, /ロック解除/);
  assert.match(log, /ハッシュチェーンは正常です/);
  await adminCtx.close();
  await userCtx.close();
});
