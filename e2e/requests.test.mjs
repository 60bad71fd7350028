// Journey of requests and approvals (申請・承認): a 従業員 requests a media take-out, picking
// the medium from 媒体管理台帳 (a return date before the take-out date is refused in place),
// cannot approve it themself, the 経営責任者 approves it, the row appears in 媒体持出管理記録 and
// the medium reads 持出中, and the return closes it and puts the medium back (保管中). A return
// before the take-out date is refused on the request's page.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { withDemo, login, changePassword, artifacts, serverToday } from './lib.mjs';

const env = withDemo({ before, after });

/** YYYY-MM-DD `days` after `date`. */
function addDays(date, days) {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

/** The 状態 of a medium in 媒体管理台帳, read from its row's form. */
async function mediumStatus(page, base, mediaId) {
  await page.goto(`${base}/registers/media_ledger`);
  await page.click(`#rows a:text-is("${mediaId}")`);
  await page.waitForURL(/\/registers\/media_ledger\/rows\//);
  return page.inputValue('[name=status]');
}

test('media take-out: request, separation of duties, approval, register row, return', async () => {
  const base = env.demo.url;
  const adminCtx = await env.browser.newContext({ locale: 'ja-JP' });
  const admin = await adminCtx.newPage();
  await login(admin, base, env.demo.login.id, env.demo.login.password);
  await admin.waitForURL(/\/password$/);
  await changePassword(admin, env.demo.login.password, 'Kanri2026x');
  await admin.waitForURL((u) => u.pathname === '/');
  // The administrator adds an employee.
  await admin.goto(`${base}/users`);
  await admin.fill('form[action="/users"] input[name=login_id]', 'suzuki');
  await admin.fill('form[action="/users"] input[name=display_name]', '鈴木 花子');
  await admin.fill('form[action="/users"] input[name=password]', 'Suzuki2026');
  await admin.check('form[action="/users"] input[name=roles][value=employee]');
  await admin.click('form[action="/users"] button[type=submit]');
  await admin.waitForSelector('text=suzuki');

  // The employee requests a take-out of USB-01.
  const empCtx = await env.browser.newContext({ locale: 'ja-JP' });
  const emp = await empCtx.newPage();
  await login(emp, base, 'suzuki', 'Suzuki2026');
  await emp.waitForURL(/\/password$/);
  await changePassword(emp, 'Suzuki2026', 'Hanako2026x');
  await emp.waitForURL((u) => u.pathname === '/');
  await emp.click('nav.menu >> text=申請・承認');
  await emp.click('#new-media_takeout');
  await emp.waitForURL(/\/requests\/new\/media_takeout$/);
  assert.match(await emp.textContent('main'), /7\.10/);
  // The medium is picked from 媒体管理台帳, not typed.
  assert.equal(await emp.locator('select[name=media] option[value="USB-01"]').count(), 1);
  assert.equal(await emp.locator('input[name=media]').count(), 0);
  await emp.selectOption('select[name=media]', 'USB-01');
  await emp.fill('textarea[name=purpose]', '顧客先での製品説明');
  await emp.fill('input[name=destination]', '株式会社サンプル');
  // The server's date (a test clock may have set it), not this machine's.
  const today = await serverToday(emp, base);
  // A return date before the take-out date: refused in place, what was typed kept.
  await emp.fill('input[name=taken_on]', today);
  await emp.fill('input[name=due_on]', addDays(today, -1));
  await emp.click('#submit-request');
  await emp.waitForSelector('#error-due_on');
  assert.match(emp.url(), /\/requests\/new\/media_takeout$/);
  assert.match(await emp.textContent('#error-due_on'), /持出日など.*より前/);
  assert.match(await emp.textContent('#request-errors'), /返却予定日/);
  assert.equal(await emp.inputValue('select[name=media]'), 'USB-01');
  assert.equal(await emp.inputValue('textarea[name=purpose]'), '顧客先での製品説明');
  assert.equal(await emp.inputValue('input[name=taken_on]'), today);
  await emp.screenshot({ path: join(artifacts, 'request-date-refused.png'), fullPage: true });
  await emp.fill('input[name=due_on]', today);
  await emp.click('#submit-request');
  await emp.waitForURL(/\/requests\/[0-9a-f-]+$/);
  assert.equal((await emp.textContent('#request-state')).trim(), '申請中');
  const id = emp.url().split('/').pop();
  // No approve button for the requester, and the API refuses it (5.3).
  assert.equal(await emp.locator('#action-approve').count(), 0);
  assert.equal(await emp.locator('#action-withdraw').count(), 1);
  const me = await (await emp.request.get(`${base}/api/v1/me`)).json();
  const own = await emp.request.post(`${base}/api/v1/requests/${id}/transitions`, {
    data: { action: 'approve', comment: '' },
    headers: { 'x-csrf-token': me.csrf_token },
  });
  assert.equal(own.status(), 403);
  assert.equal((await own.json()).error.code, 'separation_of_duties');
  await emp.screenshot({ path: join(artifacts, 'request-submitted.png'), fullPage: true });

  // The 経営責任者 sees it waiting and approves it.
  await admin.goto(`${base}/`);
  assert.match(await admin.textContent('#card-requests'), /承認待ち 1 件/);
  await admin.click('#card-requests >> text=承認待ち');
  await admin.waitForURL(/scope=waiting/);
  await admin.click(`a[href="/requests/${id}"]`);
  await admin.fill('textarea[name=comment]', '返却予定日を守ってください');
  await admin.click('#action-approve');
  await admin.waitForSelector('#request-record');
  assert.equal((await admin.textContent('#request-state')).trim(), '承認済み');

  // The row is in 媒体持出管理記録.
  await admin.click('#request-record');
  await admin.waitForURL(/\/registers\/media_takeout\/rows\//);
  assert.equal(await admin.inputValue('[name=taken_by]'), 'suzuki');
  assert.equal(await admin.inputValue('input[name=due_on]'), today);
  assert.equal(await admin.inputValue('input[name=returned_on]'), '');
  await admin.goto(`${base}/registers/media_takeout`);
  assert.match(await admin.textContent('main'), /USB-01/);
  // The medium is out.
  assert.equal(await mediumStatus(admin, base, 'USB-01'), '持出中');
  assert.equal(await mediumStatus(admin, base, 'HDD-01'), '保管中');

  // The return closes it and is written to the row.
  await admin.goto(`${base}/requests/${id}`);
  await admin.fill('textarea[name=comment]', '返却を確認しました');
  await admin.click('#action-complete');
  await admin.waitForFunction(() => document.querySelector('#request-state')?.dataset.state === 'completed');
  assert.equal((await admin.textContent('#request-state')).trim(), '完了');
  assert.match(await admin.textContent('#request-timeline'), /返却を確認しました/);
  await admin.screenshot({ path: join(artifacts, 'request-completed.png'), fullPage: true });
  await admin.click('#request-record');
  await admin.waitForURL(/\/registers\/media_takeout\/rows\//);
  assert.equal(await admin.inputValue('input[name=returned_on]'), today);

  // The medium is back.
  assert.equal(await mediumStatus(admin, base, 'USB-01'), '保管中');

  // The employee sees it completed among their requests.
  await emp.goto(`${base}/requests`);
  assert.match(await emp.textContent('#requests-table'), /完了/);

  // A take-out that starts in three days, approved now (HDD-01 reads 持出中): its return today
  // would be before the take-out date, so 「完了にする」 is refused on the request's page.
  await emp.goto(`${base}/requests/new/media_takeout`);
  await emp.selectOption('select[name=media]', 'HDD-01');
  await emp.fill('textarea[name=purpose]', 'バックアップの持出');
  await emp.fill('input[name=taken_on]', addDays(today, 3));
  await emp.fill('input[name=due_on]', addDays(today, 5));
  await emp.click('#submit-request');
  await emp.waitForURL(/\/requests\/[0-9a-f-]+$/);
  const later = emp.url().split('/').pop();
  await admin.goto(`${base}/requests/${later}`);
  await admin.click('#action-approve');
  await admin.waitForSelector('#request-record');
  assert.equal(await mediumStatus(admin, base, 'HDD-01'), '持出中');
  await admin.goto(`${base}/requests/${later}`);
  await admin.fill('textarea[name=comment]', '返却済み');
  await admin.click('#action-complete');
  await admin.waitForSelector('#request-refusal');
  assert.match(await admin.textContent('#request-refusal'), /返却日.*持出日など.*より前/);
  assert.equal(await admin.inputValue('textarea[name=comment]'), '返却済み');
  assert.equal((await admin.textContent('#request-state')).trim(), '承認済み');
  assert.equal(await mediumStatus(admin, base, 'HDD-01'), '持出中');
  await adminCtx.close();
  await empCtx.close();
});
