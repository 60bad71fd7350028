// Journey of an Excel round trip: the asset ledger exported as CSV, saved as Excel saves it in
// CP932 (〜 becomes ～, characters CP932 lacks become 「?」), one value changed, and imported again
// through the page: every row imports and the stored 評価方法 still reads 〜.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { withDemo, firstLogin, artifacts } from './lib.mjs';

const env = withDemo({ before, after });

const IPA = 'IPA（重要度×被害発生可能性 1\u301C9）';

/**
 * Encodes text as Windows Excel saves a CSV in CP932 ("CSV (コンマ区切り)"): the table is
 * Windows-31J's (what the WHATWG Shift_JIS decoder reads), 〜 (U+301C) is written as the
 * full-width tilde's 0x8160 (Excel holds it as ～), and a character CP932 lacks becomes 「?」.
 */
function excelCp932(text) {
  const table = new Map();
  const dec = new TextDecoder('shift_jis', { fatal: true });
  const leads = [];
  for (let a = 0x81; a <= 0x9f; a++) leads.push(a);
  for (let a = 0xe0; a <= 0xfc; a++) leads.push(a);
  for (const a of leads) {
    for (let b = 0x40; b <= 0xfc; b++) {
      if (b === 0x7f) continue;
      let ch;
      try { ch = dec.decode(Uint8Array.from([a, b])); } catch { continue; }
      if (!table.has(ch)) table.set(ch, [a, b]);
    }
  }
  for (let k = 0xa1; k <= 0xdf; k++) table.set(String.fromCodePoint(0xff61 + k - 0xa1), [k]);
  const out = [];
  let unmappable = 0;
  for (const ch of text.replaceAll('\u301C', '\uFF5E')) {
    const c = ch.codePointAt(0);
    if (c < 0x80) out.push(c);
    else if (table.has(ch)) out.push(...table.get(ch));
    else { out.push(0x3f); unmappable++; }
  }
  return { bytes: Buffer.from(out), unmappable };
}

test('asset ledger: CSV → Excel CP932 (〜 as ～) → import: every row, 評価方法 still 〜', async () => {
  const base = env.demo.url;
  const ctx = await env.browser.newContext({ locale: 'ja-JP', acceptDownloads: true });
  const page = await firstLogin(ctx, base, env.demo.login.id, env.demo.login.password, 'Kanri2026x');
  const me = await (await page.request.get(`${base}/api/v1/me`)).json();
  for (const [name, c] of [['顧客名簿', '3'], ['見積書フォルダ', '2'], ['社内規程集', '1']]) {
    const r = await page.request.post(`${base}/api/v1/registers/assets/rows`, {
      data: { values: { name, confidentiality: c, integrity: '2', availability: '2', threat: '2', vulnerability: '2' } },
      headers: { 'x-csrf-token': me.csrf_token },
    });
    assert.equal(r.status(), 201, await r.text());
  }

  // Export through the page's link.
  await page.goto(`${base}/registers/assets`);
  const [download] = await Promise.all([page.waitForEvent('download'), page.click('a[href="/registers/assets/export?format=csv"]')]);
  const exported = readFileSync(await download.path());
  assert.deepEqual([...exported.subarray(0, 3)], [0xef, 0xbb, 0xbf], 'UTF-8 with BOM');
  const csv = exported.subarray(3).toString('utf8');
  assert.equal(csv.split(IPA).length - 1, 3, 'each row with its method, written with 〜');

  // Excel: CP932, then a change by hand.
  const edited = csv.replace('見積書フォルダ', '見積書フォルダ（営業部）');
  const { bytes, unmappable } = excelCp932(edited);
  assert.equal(unmappable, 0, 'nothing in the export that CP932 lacks (no 「—」 turning into 「?」)');
  assert.doesNotMatch(csv, /文書番号: assets|版数: —/, 'no register key, no dash in the header');
  const back = new TextDecoder('shift_jis').decode(bytes);
  assert.ok(back.includes('IPA（重要度×被害発生可能性 1\uFF5E9）'), 'on re-decoding the method reads ～');
  assert.ok(!back.includes(IPA));

  await page.setInputFiles('#import input[type=file]', { name: 'assets.csv', mimeType: 'text/csv', buffer: bytes });
  await page.click('#import button[type=submit]');
  await page.waitForLoadState();
  const problems = await page.locator('#import-problems').count();
  if (problems) await page.screenshot({ path: join(artifacts, 'excel-roundtrip-failed.png'), fullPage: true });
  assert.equal(problems, 0, problems ? await page.textContent('#import-problems') : '');
  // One row changed, the two others read back exactly as stored (～ read as 〜): none refused.
  assert.match(page.url(), /imported=1&unchanged=2$/);
  assert.match(await page.textContent('[role=status]'), /追加・更新 1 行、変更のない行 2 行/);
  assert.match(await page.textContent('#rows'), /見積書フォルダ（営業部）/);

  // Stored as the choice itself: 〜, never ～ or 「?」.
  const rows = await (await page.request.get(`${base}/api/v1/registers/assets/rows?per_page=100`)).json();
  const list = rows.rows ?? rows.items ?? rows;
  assert.equal(list.length, 3, JSON.stringify(rows).slice(0, 300));
  for (const r of list) assert.equal(r.values.method, IPA);
  await page.click('#rows a:text-is("顧客名簿")');
  await page.waitForURL(/\/registers\/assets\/rows\//);
  assert.equal(await page.inputValue('[name=method]'), IPA);
  await page.screenshot({ path: join(artifacts, 'excel-roundtrip.png'), fullPage: true });
  await ctx.close();
});
