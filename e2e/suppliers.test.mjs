// Journeys of suppliers: the demo's suppliers of the regulation; a questionnaire sent to one,
// answered in a browser without an account (with a file attached to one question), and its
// score and the file reviewed by the administrator.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { withDemo, firstLogin, artifacts } from './lib.mjs';

const env = withDemo({ before, after });

test('a supplier answers a questionnaire without an account; the administrator reviews the score', async () => {
  const adminCtx = await env.browser.newContext({ locale: 'ja-JP' });
  const admin = await firstLogin(adminCtx, env.demo.url, env.demo.login.id, env.demo.login.password, 'Kanri2026x');
  await admin.click('nav.menu >> text=取引先・委託先');
  await admin.waitForURL(/\/suppliers$/);
  const list = await admin.textContent('#suppliers');
  for (const name of ['Microsoft', 'さくらインターネット', 'プラチナ光', 'ALSOK']) assert.match(list, new RegExp(name));
  await admin.click('#suppliers a:has-text("さくらインターネット")');
  await admin.waitForSelector('#requirements');
  assert.match(await admin.textContent('#supplier-duties'), /サービス稼働状況とお知らせの確認/);
  const supplierUrl = admin.url().split('?')[0];
  await admin.click('#questionnaire-send button[type=submit]');
  const link = (await admin.textContent('#q-link code')).trim();
  assert.match(link, /\/q\/[0-9a-f]{64}$/);

  // The supplier's contact, in a browser with no mamori session.
  const outsider = await (await env.browser.newContext({ locale: 'ja-JP' })).newPage();
  await outsider.goto(link.startsWith('http') ? link : `${env.demo.url}${link}`);
  assert.match(await outsider.textContent('h1'), /情報セキュリティに関するチェックシート/);
  assert.match(await outsider.textContent('main'), /デモ株式会社 から さくらインターネット 様へ/);
  await outsider.fill('input[name=respondent]', '佐藤 花子（技術部）');
  const questions = await outsider.locator('.q-item').count();
  assert.ok(questions >= 30, `${questions} questions`);
  for (let i = 1; i <= questions; i++) {
    const key = `q${String(i).padStart(2, '0')}`;
    if (i === 5) continue; // left unanswered: refused, the others kept
    await outsider.check(`input[name=a_${key}][value=${i === 31 ? 'no' : 'yes'}]`);
  }
  await outsider.fill('input[name=c_q31]', '消去証明書は発行していません');
  await outsider.click('#questionnaire-form button[type=submit]');
  assert.match(await outsider.textContent('[role=alert]'), /未回答の質問が 1 件あります/);
  assert.ok(await outsider.isChecked('input[name=a_q31][value=no]'), 'answers are kept');
  await outsider.check('input[name=a_q05][value=yes]');
  // A file that is not what its name says is refused; the answers stay.
  await outsider.setInputFiles('input[name=f_q03]', { name: '認証書.pdf', mimeType: 'application/pdf', buffer: Buffer.from('MZ not a pdf') });
  await outsider.click('#questionnaire-form button[type=submit]');
  assert.match(await outsider.textContent('#file-error-q03'), /この種類のファイルは添付できません/);
  assert.ok(await outsider.isChecked('input[name=a_q05][value=yes]'), 'answers are kept after a refused file');
  await outsider.setInputFiles('input[name=f_q03]', { name: '認証書.pdf', mimeType: 'application/pdf', buffer: Buffer.from('%PDF-1.4 certificate') });
  await outsider.click('#questionnaire-form button[type=submit]');
  await outsider.waitForSelector('#q-thanks');
  await outsider.screenshot({ path: join(artifacts, 'questionnaire-answered.png') });

  // The administrator reviews the score and the deviation.
  await admin.goto(supplierUrl);
  assert.match(await admin.textContent('#supplier-questionnaires'), /回答済み.*96 点/s);
  await admin.click('#supplier-questionnaires a:has-text("回答を見る")');
  await admin.waitForSelector('#q-answers');
  assert.match(await admin.textContent('#q-answers tr[data-deviation="1"]'), /消去証明書は発行していません/);
  assert.match(await admin.textContent('#q-score'), /96 点/);
  assert.match(await admin.textContent('#q-answers'), /認証書\.pdf/, 'the file sent with q03 is listed');
  await admin.goto(supplierUrl);
  assert.equal(await admin.getAttribute('#req-data_return_disposal', 'data-state'), 'deviation');
  await admin.screenshot({ path: join(artifacts, 'supplier-after-questionnaire.png'), fullPage: true });
});
