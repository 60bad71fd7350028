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

/** Starts `mamori demo` on a free port in a new data directory. */
export async function startDemo() {
  const bin = process.env.MAMORI_TEST_BIN ?? join(here, '..', 'target', 'debug', 'mamori');
  const dir = mkdtempSync(join(tmpdir(), 'mamori-e2e-'));
  const child = spawn(bin, ['demo', '--data-dir', join(dir, 'data'), '--port', '0'], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, MAMORI_LOG: 'warn' },
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
    if (u && l) { url = u[1]; login = { id: l[1], password: l[2] }; break; }
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
    dataDir: join(dir, 'data'),
    async stop() {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
      rmSync(dir, { recursive: true, force: true });
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
 * the returned object gets `demo` and `browser` once they are up.
 */
export function withDemo(hooks) {
  const env = {};
  hooks.before(async () => {
    env.demo = await startDemo();
    env.browser = await launch();
  });
  hooks.after(async () => {
    await env.browser?.close();
    await env.demo?.stop();
  });
  return env;
}
