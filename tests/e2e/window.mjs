// The desktop window, for real: the `switchboard` binary under Xvfb, driven through
// tauri-driver and WebKitWebDriver. It must open, load the console's loopback URL, say it runs
// in a window, and show the overview with live connections. Screenshots go to
// artifacts/window/ (the WebDriver view and the whole X screen).
//
// Usage: node tests/e2e/window.mjs [path/to/switchboard]
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import { checks, sleep, until as waitUntil } from './wait.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const bin = resolve(process.argv[2] ?? process.env.SWITCHBOARD_BIN ?? join(process.env.CARGO_TARGET_DIR ?? join(root, 'target'), 'debug', 'switchboard'));
const shots = join(root, 'artifacts', 'window');
mkdirSync(shots, { recursive: true });
const work = mkdtempSync(join(tmpdir(), 'switchboard-window-'));
const display = process.env.WINDOW_TEST_DISPLAY ?? ':97';
const port = 4444 + Math.floor(Math.random() * 500) * 2;
const children = [];

function start(cmd, args, env = {}) {
  const p = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
  let log = '';
  p.stdout.on('data', (d) => (log += d));
  p.stderr.on('data', (d) => (log += d));
  p.log = () => log;
  children.push(p);
  return p;
}
// The window and its driver start slowly: wait longer, poll less often.
const until = (what, f, ms = 30000) => waitUntil(what, f, ms, 300);

async function wd(method, path, body) {
  const res = await fetch(`http://127.0.0.1:${port}${path}`, {
    method,
    headers: { 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const json = await res.json();
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(json.value ?? json)}`);
  return json.value;
}
const { check, fail, finish } = checks('window');

let session = null;
try {
  const xvfb = start('Xvfb', [display, '-screen', '0', '1440x900x24', '-nolisten', 'tcp']);
  await sleep(800);
  if (xvfb.exitCode !== null) throw new Error(`Xvfb did not start: ${xvfb.log()}`);
  const driver = start('tauri-driver', ['--port', String(port), '--native-port', String(port + 1)], { DISPLAY: display });
  await until('tauri-driver', async () => (await fetch(`http://127.0.0.1:${port}/status`)).ok, 20000).catch((e) => {
    throw new Error(`${e.message}\n${driver.log()}`);
  });
  const created = await wd('POST', '/session', {
    capabilities: {
      alwaysMatch: {
        browserName: 'wry',
        'tauri:options': {
          application: bin,
          args: ['--listen', '127.0.0.1:0', '--simulate', process.env.WINDOW_CLIENTS ?? '25', '--db', join(work, 'capture.db')],
        },
      },
    },
  });
  session = created.sessionId;
  const s = `/session/${session}`;
  const text = async (css) => {
    const el = await wd('POST', `${s}/element`, { using: 'css selector', value: css });
    return wd('GET', `${s}/element/${Object.values(el)[0]}/text`);
  };

  await check('the window loads the console from its loopback URL, and the token leaves the address', async () => {
    // The window opens `/?token=…`; the page trades the token for a cookie and drops it from
    // the address (docs/console.md), so what stays is the bare loopback URL.
    const url = await until('the console page without its token', async () => {
      const u = await wd('GET', `${s}/url`);
      return /^http:\/\/127\.0\.0\.1:\d+\//.test(u) && !u.includes('token=') && u;
    });
    console.log(`       ${url}`);
  });
  await check('the overview shows live connections', async () => {
    await until('20+ connections', async () => Number((await text('[data-testid=stat-connections] .stat-value')).replace(/,/g, '')) >= 20, 40000);
    const roles = await text('[data-testid=roles]');
    if (!roles.includes('user') || !roles.includes('agent')) throw new Error(`roles: ${roles}`);
  });
  await check('the UI knows it runs in a window', async () => {
    await until('window mode in the status bar', async () => (await text('.statusbar')).includes('desktop window'));
  });
  await check('memory: where the window memory goes (printed, not asserted)', async () => {
    // The console process and the WebKit processes it started (web content, network), by
    // resident size (RSS, shared libraries counted in each) and by proportional share (PSS,
    // shared pages split between the processes that map them: the honest total).
    const { readFileSync, readdirSync } = await import('node:fs');
    const read = (f) => { try { return readFileSync(f, 'utf8'); } catch { return ''; } };
    const kids = (pid) => read(`/proc/${pid}/task/${pid}/children`).trim().split(/\s+/).filter(Boolean);
    const app = readdirSync('/proc').filter((p) => /^\d+$/.test(p)).find((p) => read(`/proc/${p}/cmdline`).split('\0')[0] === bin);
    if (!app) throw new Error('the switchboard process was not found');
    const tree = [app];
    for (let i = 0; i < tree.length; i++) tree.push(...kids(tree[i]));
    let rss = 0;
    let pss = 0;
    for (const pid of tree) {
      const name = read(`/proc/${pid}/comm`).trim();
      const roll = read(`/proc/${pid}/smaps_rollup`);
      const kb = (k) => Number(roll.match(new RegExp(`^${k}:\\s+(\\d+)`, 'm'))?.[1] ?? 0);
      rss += kb('Rss');
      pss += kb('Pss');
      console.log(`       ${name.padEnd(22)} RSS ${(kb('Rss') / 1024).toFixed(0).padStart(4)} MB  PSS ${(kb('Pss') / 1024).toFixed(0).padStart(4)} MB  (anonymous ${(kb('Pss_Anon') / 1024).toFixed(0)} MB, files ${(kb('Pss_File') / 1024).toFixed(0)} MB)`);
    }
    console.log(`       all                    RSS ${(rss / 1024).toFixed(0).padStart(4)} MB  PSS ${(pss / 1024).toFixed(0).padStart(4)} MB`);
  });
  await check('screenshots are saved', async () => {
    await sleep(2500);
    const png = await wd('GET', `${s}/screenshot`);
    writeFileSync(join(shots, 'overview.png'), Buffer.from(png, 'base64'));
    const shot = spawnSync('import', ['-window', 'root', join(shots, 'desktop.png')], { env: { ...process.env, DISPLAY: display } });
    if (shot.status !== 0) console.log(`       (no desktop screenshot: ${shot.stderr})`);
  });
} catch (e) {
  fail('window test setup', e);
} finally {
  if (session) await wd('DELETE', `/session/${session}`).catch(() => {});
  for (const p of children.reverse()) p.kill('SIGTERM');
  await sleep(500);
  rmSync(work, { recursive: true, force: true });
}
finish();
