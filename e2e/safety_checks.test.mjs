// 安否確認 (5.29): the demo's past drill is listed; the administrator sends a drill; a person
// answers on a phone-sized page (390×844) without logging in; the tally shows the answer.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { withDemo, firstLogin, artifacts } from './lib.mjs';

const env = withDemo({ before, after });

test('a drill answered on a phone without an account appears in the 対策本部 tally', async () => {
  const adminCtx = await env.browser.newContext({ locale: 'ja-JP' });
  const admin = await firstLogin(adminCtx, env.demo.url, env.demo.login.id, env.demo.login.password, 'Kanri2026x');
  await admin.click('nav.menu >> text=安否確認');
  await admin.waitForURL(/\/safety-checks$/);
  // The demo's past drill, closed and recorded.
  const past = await admin.textContent('#safety-checks');
  assert.match(past, /【訓練】\d{4} 年度 安否確認訓練/);
  assert.match(past, /締切済み/);
  assert.match(past, /3 名中 2 名が回答/);

  await admin.fill('#safety-start input[name=title]', 'E2E 安否確認訓練');
  await admin.click('#safety-start button[type=submit]');
  await admin.waitForSelector('#safety-own-link');
  const link = await admin.getAttribute('#safety-own-link a', 'href');
  assert.match(link, /\/s\/[0-9a-f]{64}$/);
  assert.equal((await admin.textContent('#safety-total [data-k=responded]')).trim(), '0');

  // The person, on a phone, with no mamori session.
  const phoneCtx = await env.browser.newContext({ locale: 'ja-JP', viewport: { width: 390, height: 844 } });
  const phone = await phoneCtx.newPage();
  await phone.goto(link.startsWith('http') ? link : `${env.demo.url}${link}`);
  assert.match(await phone.textContent('h1'), /【訓練】安否確認/);
  const fallback = await phone.textContent('#safety-fallback');
  assert.match(fallback, /171/);
  assert.match(fallback, /web171/);
  const width = await phone.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(width <= 390, `no horizontal scrolling on a phone (${width}px)`);
  // Sent without a condition: refused at its field, the comment kept.
  await phone.check('input[name=can_work][value=no]');
  await phone.fill('textarea[name=comment]', '足を捻挫、自宅待機します');
  await phone.click('#safety-answer-form button[type=submit]');
  assert.match(await phone.textContent('.field-error'), /必須/);
  assert.equal(await phone.inputValue('textarea[name=comment]'), '足を捻挫、自宅待機します');
  await phone.check('input[name=status][value=minor_injury]');
  await phone.click('#safety-answer-form button[type=submit]');
  await phone.waitForSelector('#safety-done');
  assert.match(await phone.textContent('main'), /回答を受け付けました/);
  await phone.screenshot({ path: join(artifacts, 'safety-check-answered-phone.png'), fullPage: true });

  // The 対策本部's tally.
  await admin.goto(`${env.demo.url}/safety-checks`);
  await admin.click('#safety-checks a:has-text("E2E 安否確認訓練")');
  await admin.waitForSelector('#safety-tally');
  assert.equal((await admin.textContent('#safety-total [data-k=responded]')).trim(), '1');
  assert.equal((await admin.textContent('#safety-total [data-k=minor]')).trim(), '1');
  const answers = await admin.textContent('#safety-answers');
  assert.match(answers, /管理者/);
  assert.match(answers, /軽傷/);
  assert.match(answers, /出社不可/);
  assert.match(answers, /足を捻挫、自宅待機します/);
  await admin.screenshot({ path: join(artifacts, 'safety-check-tally.png'), fullPage: true });
});
