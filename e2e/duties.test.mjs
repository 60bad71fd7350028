// Journeys of recurring duties: complete an overdue duty with an evidence file and read it on
// the heat map; reminder mail over a real SMTP conversation, sent once across restarts.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { withDemo, login, changePassword, artifacts, fiscalYear, serverToday } from './lib.mjs';

const fixtures = join(dirname(fileURLToPath(import.meta.url)), 'fixtures');
// The demo sets up its duties at the server's date and is restarted 75 days later, so some
// monthly duties are overdue whatever that date is (in April nothing of the new fiscal year
// would be overdue yet).
const env = withDemo({ before, after }, { laterDays: 75 });

test('complete an overdue duty with an evidence file, then read the heat map', async () => {
  const ctx = await env.browser.newContext({ locale: 'ja-JP' });
  const page = await ctx.newPage();
  await login(page, env.demo.url, env.demo.login.id, env.demo.login.password);
  await page.waitForURL(/\/password$/);
  await changePassword(page, env.demo.login.password, 'Kanri2026x');
  await page.waitForURL((u) => u.pathname === '/');

  await page.click('nav.menu >> text=定期業務');
  await page.waitForURL(/\/duties$/);
  await page.click('#scope-all');
  await page.waitForURL(/scope=all/);
  assert.match(await page.textContent('#overdue-count'), /期限超過が \d+ 件/);
  // A monthly duty whose evidence is a note or a file (5.29's USB backup, or 5.22's monitoring of
  // suppliers; 8.13's backups are completed by a row of the backup log instead), its latest
  // overdue month: the heat map then also shows a month missed or not yet due, whatever the
  // date (duties run from the demo's first day; nothing before it is backdated).
  const overdue = page.locator('tr.occ-missed a', { hasText: /USB へのバックアップ|供給者のサービス提供の監視/ }).last();
  const title = (await overdue.textContent()).trim();
  await overdue.click();
  await page.waitForURL(/\/duties\/occurrences\//);
  assert.equal((await page.textContent('#occ-state')).trim(), '未実施（期限超過）');
  const due = (await page.textContent('#occ-due')).trim();
  const dutyHref = await page.getAttribute('a[href^="/duties/"]:has-text("実施履歴")', 'href');

  // Refusals stay on the form: a day in the future and no evidence at once (the browser's own
  // checks lifted, as an older browser or a stale page would send it), each at its field, the
  // day kept; then a day more than a year before the due date, the note typed kept.
  await page.evaluate(() => {
    const d = document.querySelector('#complete-form input[name=done_on]');
    d.removeAttribute('max');
    d.removeAttribute('required');
    document.querySelector('#complete-form input[type=file]').removeAttribute('required');
  });
  await page.fill('#complete-form input[name=done_on]', '2099-01-01');
  await page.fill('textarea[name=note]', '');
  await page.click('#complete');
  await page.waitForSelector('#complete-form .field-error');
  assert.match(page.url(), /\/complete$/);
  assert.match(await page.textContent('#complete-form [role=alert]'), /完了にできませんでした.*もう一度「完了にする」/);
  const errors = await page.locator('#complete-form .field-error').allTextContents();
  assert.equal(errors.length, 2, errors.join(' / '));
  assert.match(errors[0], /未来の日付は指定できません/);
  assert.match(errors[1], /証跡が必要です/);
  assert.equal(await page.inputValue('#complete-form input[name=done_on]'), '2099-01-01');
  assert.equal((await page.textContent('#occ-state')).trim(), '未実施（期限超過）');
  await page.evaluate(() => document.querySelector('#complete-form input[name=done_on]').removeAttribute('max'));
  await page.fill('#complete-form input[name=done_on]', `${Number(due.slice(0, 4)) - 2}${due.slice(4)}`);
  await page.fill('textarea[name=note]', 'NAS のスナップショットから復元を確認');
  await page.click('#complete');
  await page.waitForSelector('#complete-form .field-error');
  assert.match(await page.textContent('#complete-form .field-error'), /期限の 1 年以上前/);
  assert.equal(await page.inputValue('textarea[name=note]'), 'NAS のスナップショットから復元を確認');
  await page.screenshot({ path: join(artifacts, 'duty-refused.png'), fullPage: true });
  await page.fill('#complete-form input[name=done_on]', await serverToday(page, env.demo.url));

  await page.fill('textarea[name=note]', 'NAS のスナップショットから復元を確認');
  await page.setInputFiles('#complete-form input[type=file]', join(fixtures, 'backup-check.txt'));
  await page.click('#complete');
  await page.waitForSelector('#occ-done');
  assert.equal((await page.textContent('#occ-state')).trim(), '遅れて完了');
  const evidence = await page.getAttribute('#occ-evidence a', 'href');
  assert.match(evidence, /^\/evidence\/[0-9a-f]{64}$/);
  const file = await page.request.get(`${env.demo.url}${evidence}`);
  assert.equal(file.status(), 200);
  assert.match(await file.text(), /NAS snapshot restored/);
  await page.screenshot({ path: join(artifacts, 'duty-completed.png'), fullPage: true });

  // The heat map of that fiscal year shows the month as done late.
  await page.click('nav.subnav >> text=実施状況ヒートマップ');
  await page.waitForURL(/\/duties\/heatmap/);
  await page.goto(`${env.demo.url}/duties/heatmap?fy=${fiscalYear(due)}`);
  const dutyId = dutyHref.split('/').pop();
  const row = page.locator(`#duty-heatmap tr[data-duty="${dutyId}"]`);
  assert.match(await row.textContent(), new RegExp(title.slice(0, 10).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')));
  const months = await page.$$eval('#duty-heatmap thead th', (ths) => ths.map((t) => t.textContent.trim()));
  const col = months.indexOf(due.slice(0, 7));
  assert.ok(col >= 3, `month ${due.slice(0, 7)} among ${months}`);
  const states = await row.locator('td.cell').evaluateAll((tds) => tds.map((t) => t.dataset.state));
  assert.equal(states[col - 3], 'done_late');
  assert.ok(states.includes('not_yet_due') || states.includes('missed'));
  const legend = await page.textContent('ul.legend');
  for (const label of ['期限内に完了', '遅れて完了', 'スキップ', '未実施（期限超過）', '期限前']) assert.match(legend, new RegExp(label.replace(/[()（）]/g, '.')));
  await page.screenshot({ path: join(artifacts, 'duty-heatmap.png'), fullPage: true });
  await ctx.close();
});

/** A minimal SMTP server on 127.0.0.1 that keeps each message's envelope and data. */
async function smtpSink() {
  const received = [];
  const server = createServer((sock) => {
    let buf = '';
    let inData = false;
    let data = '';
    let rcpt = [];
    sock.write('220 sink ESMTP\r\n');
    sock.on('data', (chunk) => {
      buf += chunk.toString('utf8');
      let i;
      while ((i = buf.indexOf('\r\n')) >= 0) {
        const line = buf.slice(0, i);
        buf = buf.slice(i + 2);
        if (inData) {
          if (line === '.') { inData = false; received.push({ rcpt, data }); data = ''; rcpt = []; sock.write('250 queued\r\n'); }
          else data += (line.startsWith('..') ? line.slice(1) : line) + '\r\n';
          continue;
        }
        const cmd = line.toUpperCase();
        if (cmd.startsWith('EHLO')) sock.write('250-sink\r\n250 8BITMIME\r\n');
        else if (cmd.startsWith('RCPT TO:')) { rcpt.push(line.slice(8).trim()); sock.write('250 OK\r\n'); }
        else if (cmd.startsWith('DATA')) { inData = true; sock.write('354 go ahead\r\n'); }
        else if (cmd.startsWith('QUIT')) { sock.end('221 bye\r\n'); }
        else sock.write('250 OK\r\n');
      }
    });
    sock.on('error', () => {});
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  return { port: server.address().port, received, close: () => new Promise((r) => server.close(r)) };
}

test('reminder mail is delivered once, even when the sender restarts', async () => {
  const sink = await smtpSink();
  const run = promisify(execFile);
  const send = () => run(env.demo.bin, ['reminders', 'send', '--data-dir', env.demo.dataDir], {
    env: {
      ...process.env,
      MAMORI_LOG: 'warn',
      MAMORI_TEST_SHIFT_DAYS: String(env.demo.shiftDays),
      MAMORI_SMTP_HOST: '127.0.0.1',
      MAMORI_SMTP_PORT: String(sink.port),
      MAMORI_SMTP_SECURITY: 'none',
      MAMORI_SMTP_FROM: 'mamori <isms@example.jp>',
    },
  });
  const first = await send();
  const m = first.stdout.match(/queued (\d+), sent (\d+), failed (\d+)/);
  assert.ok(m, first.stdout);
  const queued = Number(m[1]);
  assert.ok(queued > 0, 'overdue duties produce at least the weekly digest');
  assert.equal(Number(m[2]), queued);
  assert.equal(sink.received.length, queued);
  // The demo's people: the administrator, the security manager who owns the suppliers' checks,
  // the auditor, and the staff directory's people reminded of the year's course (the joiner
  // without a login, the leaver still in scope).
  assert.ok(sink.received.every((r) => /<(admin|kanri|kansa|eigyo|taishoku)@example\.jp>/.test(r.rcpt)), sink.received.map((r) => r.rcpt).join(' '));
  assert.ok(sink.received.some((r) => r.rcpt.includes('<admin@example.jp>')));
  const digest = sink.received.find((r) => /Subject: =\?utf-8\?b\?/i.test(r.data));
  assert.ok(digest, 'Japanese subjects are RFC 2047 encoded');
  const subjects = sink.received.map((r) => {
    const enc = r.data.match(/^Subject: (.*(?:\r\n .*)*)/m)[1];
    return enc.split(/\s+/).map((w) => {
      const b = w.match(/^=\?utf-8\?b\?(.*)\?=$/i);
      return b ? Buffer.from(b[1], 'base64').toString('utf8') : w;
    }).join('');
  });
  assert.ok(subjects.some((s) => /【mamori】期限を過ぎた定期業務が ?\d+ ?件あります/.test(s)), subjects.join('\n'));

  // A second process (a restart) sends nothing again.
  const second = await send();
  assert.match(second.stdout, /queued 0, sent 0, failed 0/);
  assert.equal(sink.received.length, queued);
  await sink.close();
});
