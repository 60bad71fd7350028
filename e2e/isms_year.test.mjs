// Journeys of the ISMS year: an internal audit from plan (independence refused, by name) to an
// approved report printed as PDF; a management review from gathered inputs to approved minutes.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { withDemo, addUser, firstLogin, login, serverToday, artifacts } from './lib.mjs';

const env = withDemo({ before, after });

test('internal audit: plan refused for lack of independence, planned, audited, reported, approved, printed', async () => {
  const adminCtx = await env.browser.newContext({ locale: 'ja-JP' });
  const admin = await firstLogin(adminCtx, env.demo.url, env.demo.login.id, env.demo.login.password, 'Kanri2026x');
  await addUser(admin, env.demo.url, 'kansa2', '監査 三郎', 'Kansa2026', 'internal_auditor');

  // The demo's completed audit is in the programme.
  await admin.click('nav.menu >> text=内部監査');
  await admin.waitForURL(/\/internal-audits$/);
  assert.match(await admin.textContent('#internal-audits'), /承認済み/);

  // 管理者 (経営責任者) approves 8.2's requests: refused at the auditors field, by name.
  await admin.fill('#plan-form input[name=title]', '2026年度 第2回 内部監査');
  await admin.fill('#plan-form input[name=planned_on]', await serverToday(admin, env.demo.url));
  await admin.check('#plan-form input[name=auditors][value=admin]');
  await admin.check('#plan-form input[name=scope][value="8.2"]');
  await admin.click('#plan-form button[type=submit]');
  assert.match(await admin.textContent('#independence'), /管理者 さん.*8\.2/);
  assert.equal(await admin.inputValue('#plan-form input[name=title]'), '2026年度 第2回 内部監査', 'what was typed is kept');
  await admin.screenshot({ path: join(artifacts, 'internal-audit-independence.png') });
  await admin.uncheck('#plan-form input[name=auditors][value=admin]');
  await admin.uncheck('#plan-form input[name=scope][value="8.2"]');
  await admin.check('#plan-form input[name=auditors][value=kansa2]');
  await admin.check('#plan-form input[name=scope][value="5.9"]');
  await admin.click('#plan-form button[type=submit]');
  await admin.waitForURL(/\/internal-audits\/[^/?]+\?done=planned$/);
  assert.match(await admin.textContent('[role=status]'), /内部監査を計画しました/);
  const auditUrl = admin.url().split('?')[0];

  // The auditor samples evidence, records a minor nonconformity and reports.
  const kansaCtx = await env.browser.newContext({ locale: 'ja-JP' });
  const kansa = await firstLogin(kansaCtx, env.demo.url, 'kansa2', 'Kansa2026', 'Kansa2027x');
  await kansa.goto(auditUrl);
  assert.match(await kansa.textContent('#checklist'), /ISMS 要求事項/);
  await kansa.click('#checklist a:has-text("証跡を抽出")');
  await kansa.waitForSelector('#samples');
  assert.match(await kansa.textContent('#samples'), /管理策 5\.9 の証跡/);
  await kansa.selectOption('#finding-form select[name=grade]', 'minor_nc');
  await kansa.click('#finding-form button[type=submit]');
  assert.ok(await kansa.locator('#finding-form .field-error').count() > 0, 'an empty finding is refused at its field');
  await kansa.fill('#finding-form textarea[name=text]', '情報資産目録の見直し記録がない');
  await kansa.click('#finding-form button[type=submit]');
  await kansa.waitForSelector('#findings');
  assert.match(await kansa.textContent('#findings'), /軽微な不適合.*NC-\d{4}/s);
  await kansa.fill('#report-form textarea[name=report]', '概ね適合。情報資産目録の見直しに軽微な不適合 1 件。');
  await kansa.click('#report-form button[type=submit]');
  await kansa.waitForSelector('#ia-state[data-state=reported]');

  // 経営責任者 approves; the report prints as a PDF.
  await admin.goto(auditUrl);
  await admin.click('#approve-form button[type=submit]');
  await admin.waitForSelector('#ia-state[data-state=approved]');
  assert.match(await admin.textContent('#ia-approved'), /管理者/);
  await admin.screenshot({ path: join(artifacts, 'internal-audit-approved.png'), fullPage: true });
  const pdf = await admin.request.get(`${auditUrl}/export?format=pdf`);
  assert.equal(pdf.status(), 200);
  assert.equal(pdf.headers()['content-type'], 'application/pdf');
  assert.equal((await pdf.body()).subarray(0, 5).toString(), '%PDF-');
});

// Runs after the audit journey, whose first login set the administrator's password.
test('management review: inputs gathered, edited, outputs recorded, minutes approved and printed', async () => {
  const ctx = await env.browser.newContext({ locale: 'ja-JP' });
  const admin = await ctx.newPage();
  await login(admin, env.demo.url, env.demo.login.id, 'Kanri2026x');
  await admin.waitForURL((u) => u.pathname === '/');
  await admin.click('nav.menu >> text=マネジメントレビュー');
  await admin.waitForURL(/\/management-reviews$/);
  assert.match(await admin.textContent('#management-reviews'), /議事録承認済み/, "the demo's review");
  await admin.click('#prepare-form button[type=submit]');
  await admin.waitForURL(/\/management-reviews\/[^/?]+\?done=prepared$/);
  // a) carries the demo review's action; d3) the demo audit's findings.
  assert.match(await admin.textContent('#input-a'), /情報資産目録の見直し手順/);
  assert.match(await admin.textContent('#input-d3'), /軽微な不適合/);
  await admin.fill('#inputs-form textarea[name=input_e]', '取引先から情報セキュリティ監査結果の提出依頼があった');
  await admin.click('#inputs-form button[type=submit]');
  await admin.waitForSelector('#input-e');
  assert.match(await admin.inputValue('#inputs-form textarea[name=input_e]'), /提出依頼/);

  // An action without owner is refused at its row; with one it is recorded.
  await admin.fill('#outputs-form textarea[name=decisions]', '情報セキュリティ基本方針は変更しない');
  await admin.fill('#outputs-form input[name=action_text_0]', '取引先向けの監査結果の開示手順を定める');
  await admin.fill('#outputs-form input[name=action_due_0]', '2099-06-30');
  await admin.click('#outputs-form button[type=submit]');
  assert.match(await admin.textContent('#outputs-form .field-error'), /担当者を選択してください/);
  assert.equal(await admin.inputValue('#outputs-form input[name=action_text_0]'), '取引先向けの監査結果の開示手順を定める');
  await admin.selectOption('#outputs-form select[name=action_owner_0]', { label: '管理 次郎' });
  await admin.click('#outputs-form button[type=submit]');
  await admin.waitForSelector('#approve-form');
  await admin.click('#approve-form button[type=submit]');
  await admin.waitForSelector('#mr-state[data-state=approved]');
  assert.match(await admin.textContent('#mr-actions'), /管理 次郎.*2099-06-30/s);
  await admin.screenshot({ path: join(artifacts, 'management-review-approved.png'), fullPage: true });
  const pdf = await admin.request.get(`${admin.url().split('?')[0]}/export?format=pdf`);
  assert.equal(pdf.status(), 200);
  assert.equal((await pdf.body()).subarray(0, 5).toString(), '%PDF-');
});
