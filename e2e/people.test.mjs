// People and awareness (#17): a new employee, added to the staff directory with their login,
// finds the 秘密保持誓約書 on their own page (わたしのISMS), is kept on the form when the name
// typed is not theirs, signs, and the managers' overview no longer lists them; the year's
// course, assigned on joining, is taken from the same page and passed; the demo's
// leaver's checklist is completed item by item by the administrator until it closes.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { withDemo, firstLogin, addUser, artifacts, serverToday } from './lib.mjs';

const env = withDemo({ before, after });
let admin;

async function adminPage() {
  if (!admin) {
    const ctx = await env.browser.newContext({ locale: 'ja-JP' });
    admin = await firstLogin(ctx, env.demo.url, env.demo.login.id, env.demo.login.password, 'Kanri2026x');
  }
  return admin;
}

test('a new employee signs the pledge on their own page', async () => {
  const a = await adminPage();
  const base = env.demo.url;
  await addUser(a, base, 'shinjin', '新人 花子', 'Shoki-Pass1', 'employee');
  await a.goto(`${base}/people/new`);
  await a.fill('input[name=name]', '新人 花子');
  await a.selectOption('select[name=kind]', 'employee');
  await a.fill('input[name=department]', '営業部');
  await a.fill('input[name=email]', 'shinjin@example.jp');
  await a.fill('input[name=joined_on]', await serverToday(a, base));
  await a.fill('input[name=login_id]', 'shinjin');
  await a.click('#save-person');
  await a.waitForSelector('#person-facts');
  // The onboarding: the pledge is still to sign.
  await a.click('#onboarding-link');
  await a.waitForSelector('#onboarding-steps');
  assert.match(await a.textContent('#step-pledge'), /未完了/);

  const ctx = await env.browser.newContext({ locale: 'ja-JP' });
  const e = await firstLogin(ctx, base, 'shinjin', 'Shoki-Pass1', 'Shinjin-2026');
  await e.click('nav.menu >> text=わたしのISMS');
  await e.waitForURL(/\/me$/);
  assert.match(await e.textContent('#pledges'), /秘密保持誓約書/);
  await e.click('#sign-joiner');
  await e.waitForSelector('#pledge-body');
  assert.match(await e.textContent('#pledge-body'), /秘密情報/);
  // Someone else's name: kept on the form, the problem at its field.
  await e.fill('#typed_name', '管理 次郎');
  await e.check('#confirm');
  await e.click('#sign');
  assert.match(await e.textContent('.field-error'), /社員名簿の氏名と一致しません/);
  assert.equal(await e.inputValue('#typed_name'), '管理 次郎');
  assert.ok(await e.isChecked('#confirm'), 'the tick is kept');
  await e.fill('#typed_name', '新人　花子');
  await e.click('#sign');
  await e.waitForSelector('#me-signed');
  const pledges = await e.textContent('#pledges');
  assert.match(pledges, /署名済み/);
  assert.match(pledges, /署名証明書/);
  const body = await e.textContent('main');
  assert.doesNotMatch(body, /[0-9a-f]{8}-[0-9a-f]{4}-/, 'no ids on the page');
  await e.screenshot({ path: join(artifacts, 'me-pledge-signed.png'), fullPage: true });

  // The year's course, assigned on joining: taken from わたしのISMS and passed.
  await e.goto(`${base}/me`);
  const course = e.locator('#trainings a.todo').first();
  assert.match(await course.textContent(), /情報セキュリティ基礎教育/);
  const href = await course.getAttribute('href');
  const pool = await (await a.request.get(`${base}/api/v1${href.replace('/training/', '/training/courses/')}`)).json();
  const correct = new Map(pool.questions.map((q) => [q.id, q.correct]));
  await course.click();
  await e.click('#start-attempt');
  await e.waitForSelector('#attempt-form');
  const ids = await e.$$eval('#attempt-form li[data-question-id]', (xs) => xs.map((x) => x.dataset.questionId));
  assert.equal(ids.length, 10, 'ten questions drawn from the pool');
  for (const id of ids) await e.check(`#q-${id}-${correct.get(id)}`);
  await e.click('#submit-attempt');
  await e.waitForSelector('#result');
  assert.equal(await e.getAttribute('#result', 'data-passed'), '1');
  await e.screenshot({ path: join(artifacts, 'me-course-passed.png'), fullPage: true });
  await e.goto(`${base}/me`);
  assert.match(await e.textContent('#trainings'), /受講が必要な教育はありません/);

  // The managers' overview: the demo's joiner still to sign, the new employee not.
  await a.goto(`${base}/pledges`);
  const out = await a.textContent('#pledge-outstanding');
  assert.match(out, /営業 一郎/);
  assert.doesNotMatch(out, /新人 花子/);
  await a.screenshot({ path: join(artifacts, 'pledges-overview.png'), fullPage: true });
});

test('the administrator completes a leaver checklist until it closes', async () => {
  const a = await adminPage();
  const base = env.demo.url;
  await a.goto(`${base}/people?status=active`);
  await a.click('#people a:has-text("退職 予定子")');
  await a.waitForSelector('#checklist-items');
  assert.match(await a.textContent('#checklist'), /未完了/);
  // A waiver needs its reason: kept on the page with the problem.
  const firstWaive = a.locator('#checklist-items form:has(input[name=state][value=waived])').first();
  await firstWaive.locator('button').click();
  await a.waitForSelector('.field-error');
  assert.match(await a.textContent('#checklist'), /理由/);
  // Every item done, one by one.
  for (let i = 0; i < 10; i++) {
    const done = a.locator('#checklist-items form:has(input[name=state][value=done]) button');
    if ((await done.count()) === 0) break;
    await done.first().click();
    await a.waitForSelector('#checklist-items');
  }
  const closed = await a.textContent('#checklist');
  assert.match(closed, /退職日・契約終了日: \d{4}-\d{2}-\d{2} — 完了/);
  assert.doesNotMatch(closed, /未了/);
  await a.screenshot({ path: join(artifacts, 'leaver-checklist-closed.png'), fullPage: true });
});
