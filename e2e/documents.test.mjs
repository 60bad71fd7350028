// Journeys of document control: editing an SoA reason, approval refused to its author and
// given by another 経営責任者, and a staff member acknowledging a published policy.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { withDemo, addUser, firstLogin, artifacts } from './lib.mjs';

const env = withDemo({ before, after });

test('SoA: edit a reason, the author is refused, another 経営責任者 approves; staff acknowledge a policy', async () => {
  const adminCtx = await env.browser.newContext({ locale: 'ja-JP' });
  const admin = await firstLogin(adminCtx, env.demo.url, env.demo.login.id, env.demo.login.password, 'Kanri2026x');
  await addUser(admin, env.demo.url, 'keiei2', '経営 次郎', 'Keiei2026', 'top_management');
  await addUser(admin, env.demo.url, 'staff1', '社員 一子', 'Staff2026', 'employee');

  // Edit the inclusion reason of 5.1.
  await admin.click('nav.menu >> text=適用宣言書');
  await admin.waitForURL(/\/soa$/);
  assert.match(await admin.textContent('#missing'), /85 件/);
  const row = admin.locator('tr#soa-5\\.1');
  await row.locator('input[name=reasons][value=risk_treatment]').check();
  await row.locator('input[name=reason_text]').fill('顧客との契約で要求');
  await row.locator('select[name=status]').selectOption('partial');
  await row.locator('button[type=submit]').click();
  await admin.waitForURL(/done=row/);
  assert.match(await admin.textContent('[role=status]'), /5\.1 を更新しました/);
  assert.ok(await admin.locator('tr#soa-5\\.1 input[name=reasons][value=risk_treatment]').isChecked());
  assert.match(await admin.textContent('#missing'), /84 件/);

  // Approving while reasons are missing: refused on the SoA itself, naming the controls with
  // links and saying what to do next.
  await admin.click('#approve-soa');
  await admin.waitForSelector('#soa-refusal');
  assert.match(admin.url(), /\/soa\/approve$/);
  const refusal = await admin.textContent('#soa-refusal');
  assert.match(refusal, /理由が未入力の管理策が 84 件あります: 5\.2, 5\.3/);
  assert.match(refusal, /未記入の適用理由をまとめて設定/);
  assert.equal(await admin.locator('#soa-refusal a[href="#soa-5.2"]').count(), 1);
  assert.equal(await admin.locator('tr#soa-5\\.1').count(), 1, 'the SoA table, not an error page');
  await admin.screenshot({ path: join(artifacts, 'soa-refused-missing.png') });

  // An edit refused (a reason text over 500 characters): the row keeps what was typed, the
  // problem at its field.
  const row2 = admin.locator('tr#soa-5\\.2');
  await row2.locator('input[name=reasons][value=legal_contractual]').check();
  await row2.locator('input[name=reason_text]').fill('詳'.repeat(501));
  await row2.locator('select[name=status]').selectOption('not_implemented');
  await row2.locator('button[type=submit]').click();
  await admin.waitForSelector('#soa-error-reason_text');
  const kept = admin.locator('tr#soa-5\\.2');
  assert.match(await admin.textContent('#soa-refusal'), /5\.2 を保存できませんでした/);
  assert.match(await kept.locator('#soa-error-reason_text').textContent(), /500 文字以内/);
  assert.equal((await kept.locator('input[name=reason_text]').inputValue()).length, 501);
  assert.ok(await kept.locator('input[name=reasons][value=legal_contractual]').isChecked());
  assert.equal(await kept.locator('select[name=status]').inputValue(), 'not_implemented');
  await kept.locator('input[name=reason_text]').fill('法令で要求');
  await kept.locator('button[type=submit]').click();
  await admin.waitForURL(/done=row/);
  assert.match(await admin.textContent('#missing'), /83 件/);

  // Give the rest a reason, then try to approve as the author: refused.
  await admin.selectOption('form[action="/soa/fill"] select[name=reason]', 'best_practice');
  await admin.click('form[action="/soa/fill"] button[type=submit]');
  await admin.waitForURL(/\/soa$/);
  assert.equal(await admin.locator('#missing').count(), 0);
  await admin.click('#approve-soa');
  await admin.waitForSelector('#soa-refusal');
  assert.match(await admin.textContent('#soa-refusal'), /作成・編集した本人は承認できません。別の経営責任者に承認を依頼してください/);
  assert.equal(await admin.locator('tr#soa-5\\.1').count(), 1);
  await admin.screenshot({ path: join(artifacts, 'soa-refused.png') });

  // Another 経営責任者 approves.
  const ceoCtx = await env.browser.newContext({ locale: 'ja-JP' });
  const ceo = await firstLogin(ceoCtx, env.demo.url, 'keiei2', 'Keiei2026', 'Keiei2027x');
  await ceo.goto(`${env.demo.url}/soa`);
  await ceo.click('#approve-soa');
  await ceo.waitForURL(/done=approved/);
  assert.match(await ceo.textContent('main'), /適用宣言書を承認しました/);
  assert.match(await ceo.textContent('main'), /承認済/);
  await ceo.screenshot({ path: join(artifacts, 'soa-approved.png') });
  const api = await ceo.request.get(`${env.demo.url}/api/v1/soa`);
  const soa = await api.json();
  assert.equal(soa.document.status, 'approved');
  assert.equal(soa.controls.length, 93);
  assert.equal(soa.controls[0].reason, 'リスク対応、顧客との契約で要求');

  // The admin registers the basic policy; keiei2 approves; the admin publishes it to everyone.
  await admin.goto(`${env.demo.url}/documents`);
  await admin.selectOption('form[action="/documents"] select[name=kind]', 'policy');
  await admin.fill('form[action="/documents"] input[name=number]', 'AB-方針-001');
  await admin.fill('form[action="/documents"] input[name=title]', '情報セキュリティ基本方針');
  await admin.fill('form[action="/documents"] textarea[name=body]', '当社は、お客様からお預かりした情報資産を守ります。');
  await admin.click('form[action="/documents"] button[type=submit]');
  await admin.waitForURL(/\/documents\/[0-9a-f-]+$/);
  const docUrl = admin.url();
  await ceo.goto(docUrl);
  await ceo.click('#approve');
  await ceo.waitForURL(/done=approved/);
  await admin.goto(docUrl);
  await admin.click('form[action$="/publish"] button[type=submit]');
  await admin.waitForSelector('#ack-status');

  // The staff member sees it on the home page and confirms it.
  const staffCtx = await env.browser.newContext({ locale: 'ja-JP' });
  const staff = await firstLogin(staffCtx, env.demo.url, 'staff1', 'Staff2026', 'Staff2027x');
  assert.match(await staff.textContent('#acknowledgements'), /情報セキュリティ基本方針/);
  await staff.click('#acknowledgements a');
  await staff.click('#acknowledge');
  await staff.waitForURL(/done=ack/);
  assert.match(await staff.textContent('main'), /確認済みです/);
  await staff.goto(env.demo.url + '/');
  assert.doesNotMatch(await staff.textContent('#acknowledgements'), /情報セキュリティ基本方針/);

  await admin.goto(docUrl);
  const status = await admin.locator('#ack-status tr', { hasText: 'staff1' }).textContent();
  assert.doesNotMatch(status, /未確認/);
  assert.match(await admin.locator('#ack-status tr', { hasText: 'keiei2' }).textContent(), /未確認/);
  await admin.screenshot({ path: join(artifacts, 'policy-acks.png'), fullPage: true });

  // Exports are downloadable.
  const xlsx = await admin.request.get(`${env.demo.url}/soa/export?format=xlsx`);
  assert.equal(xlsx.status(), 200);
  assert.match(xlsx.headers()['content-type'], /spreadsheetml/);
  const csv = await admin.request.get(`${env.demo.url}/documents/export?format=csv`);
  const body = await csv.body();
  assert.deepEqual([...body.subarray(0, 3)], [0xef, 0xbb, 0xbf]);
  await adminCtx.close();
  await ceoCtx.close();
  await staffCtx.close();
});
