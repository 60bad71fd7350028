// Shared helpers: start a fresh `mamori demo` and a headless Debian Chromium.
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const here = dirname(fileURLToPath(import.meta.url));
export const artifacts = join(here, 'artifacts');
mkdirSync(artifacts, { recursive: true });

function chromiumPath() {
  if (process.env.CHROMIUM) return process.env.CHROMIUM;
  for (const name of ['chromium', 'chromium-browser']) {
    try {
      return execFileSync('sh', ['-c', `command -v ${name}`]).toString().trim();
    } catch { /* try the next */ }
  }
  throw new Error('Chromium not found: install Debian\'s chromium package (scripts/test does this)');
}

/**
 * Starts `mamori demo` on a free port in a new data directory. Options: `dataDir` (reuse the
 * data of an earlier run, which then prints no login line), `env` (extra environment, e.g.
 * `MAMORI_TEST_SHIFT_DAYS` to move the server's clock forward from whatever date it has).
 */
export async function startDemo(opts = {}) {
  const bin = process.env.MAMORI_TEST_BIN ?? join(here, '..', 'target', 'debug', 'mamori');
  const dir = opts.dataDir ? null : mkdtempSync(join(tmpdir(), 'mamori-e2e-'));
  const dataDir = opts.dataDir ?? join(dir, 'data');
  const child = spawn(bin, ['demo', '--data-dir', dataDir, '--port', '0'], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, MAMORI_LOG: 'warn', ...(opts.env ?? {}) },
  });
  let out = '';
  let err = '';
  child.stdout.on('data', (d) => { out += d; });
  child.stderr.on('data', (d) => { err += d; });
  const deadline = Date.now() + 30_000;
  let url;
  let login;
  while (Date.now() < deadline) {
    const u = err.match(/serving on (http:\/\/[0-9.:]+)/);
    const l = out.match(/^login: (\S+) password: (\S+)$/m);
    if (u && (l || opts.dataDir)) { url = u[1]; login = l ? { id: l[1], password: l[2] } : undefined; break; }
    if (child.exitCode !== null) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  if (!url) {
    child.kill();
    throw new Error(`mamori demo did not start.\nstdout: ${out}\nstderr: ${err}`);
  }
  return {
    url,
    login,
    bin,
    dataDir,
    /** Stops the server; `keepData` leaves the data directory for a restart. */
    async stop({ keepData = false } = {}) {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        await new Promise((r) => child.once('exit', r));
      }
      if (dir && !keepData) rmSync(dir, { recursive: true, force: true });
    },
    /** Removes the data directory (after a `stop({ keepData: true })`). */
    remove() {
      if (dir) rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * Starts a demo, lets it set up its data at the server's date, then restarts it on the same
 * data with the clock `days` later: duties that were due in between are now overdue,
 * whatever date the server was given (April included, when nothing of the new fiscal year
 * is overdue yet). Returns the restarted demo with the first run's login.
 */
export async function startDemoLater(days) {
  const first = await startDemo();
  await first.stop({ keepData: true });
  const later = await startDemo({ dataDir: first.dataDir, env: { MAMORI_TEST_SHIFT_DAYS: String(days) } });
  return {
    ...later,
    login: first.login,
    shiftDays: days,
    async stop() {
      await later.stop();
      first.remove();
    },
  };
}

/** A headless Chromium; no network beyond localhost. */
export async function launch() {
  return chromium.launch({
    executablePath: chromiumPath(),
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'],
  });
}

/** Logs in through the form. */
export async function login(page, base, id, password) {
  await page.goto(`${base}/login`);
  await page.fill('input[name=login_id]', id);
  await page.fill('input[name=password]', password);
  await page.click('form[action="/login"] button[type=submit]');
}

/** Changes the password through the form. */
export async function changePassword(page, current, next) {
  await page.fill('input[name=current_password]', current);
  await page.fill('input[name=new_password]', next);
  await page.fill('input[name=confirm_password]', next);
  await page.click('form[action="/password"] button[type=submit]');
}

/**
 * Registers `before`/`after` hooks that start a fresh demo and a browser for the file's tests;
 * the returned object gets `demo` and `browser` once they are up. `laterDays` restarts the
 * demo that many days after its setup (see `startDemoLater`).
 */
export function withDemo(hooks, { laterDays } = {}) {
  const env = {};
  hooks.before(async () => {
    env.demo = laterDays ? await startDemoLater(laterDays) : await startDemo();
    env.browser = await launch();
  });
  hooks.after(async () => {
    await env.browser?.close();
    await env.demo?.stop();
  });
  return env;
}

/** The server's date in Japan (YYYY-MM-DD), which the test clock may have moved. */
export async function serverToday(page, base) {
  const me = await (await page.request.get(`${base}/api/v1/me`)).json();
  if (!/^\d{4}-\d{2}-\d{2}$/.test(me.today ?? '')) throw new Error(`/api/v1/me has no today: ${JSON.stringify(me)}`);
  return me.today;
}

/** The Japanese fiscal year (April to March) a YYYY-MM-DD date falls in. */
export function fiscalYear(date) {
  const [y, m] = date.split('-').map(Number);
  return m >= 4 ? y : y - 1;
}

/** Adds a person through the users page (as an administrator). */
export async function addUser(page, base, id, name, password, role) {
  await page.goto(`${base}/users`);
  await page.fill('form[action="/users"] input[name=login_id]', id);
  await page.fill('form[action="/users"] input[name=display_name]', name);
  await page.fill('form[action="/users"] input[name=password]', password);
  await page.check(`form[action="/users"] input[name=roles][value=${role}]`);
  await page.click('form[action="/users"] button[type=submit]');
  await page.waitForURL(/done=created/);
}

/** Signs in a new browser page with an initial password and changes it. */
export async function firstLogin(ctx, base, id, initial, next) {
  const page = await ctx.newPage();
  await login(page, base, id, initial);
  await page.waitForURL(/\/password$/);
  await changePassword(page, initial, next);
  await page.waitForURL((u) => u.pathname === '/');
  return page;
}
