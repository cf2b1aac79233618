// The desktop window, for real: the `switchboard` binary under Xvfb, driven through
// tauri-driver and WebKitWebDriver. It must open, load the console's loopback URL, say it runs
// in a window, and show the overview with live connections. Screenshots go to
// artifacts/window/ (the WebDriver view and the whole X screen, and the screen's first frames
// while the window opens, which must never be mostly white). With 50 simulated connections it
// prints the memory of the window's processes (RSS and PSS of `switchboard` and the WebKit
// processes it started, from /proc/<pid>/smaps_rollup).
//
// Usage: node tests/e2e/window.mjs [path/to/switchboard]
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
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
/** Simulated clients (the memory figures in docs/console.md are at 50). */
const clients = Number(process.env.WINDOW_CLIENTS ?? 50);

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

/** Grabs the whole X screen over and over (each `import` waits for the previous one) until
 * `stop()`; the frames go to `dir`. */
function grabFrames(dir, max = 80) {
  mkdirSync(dir, { recursive: true });
  for (const f of readdirSync(dir)) rmSync(join(dir, f));
  let stopped = false;
  const frames = [];
  const done = (async () => {
    while (!stopped && frames.length < max) {
      const file = join(dir, `${String(frames.length).padStart(3, '0')}.png`);
      const ok = await new Promise((res) => {
        const p = spawn('import', ['-window', 'root', file], { stdio: 'ignore', env: { ...process.env, DISPLAY: display } });
        p.on('exit', (code) => res(code === 0));
        p.on('error', () => res(false));
      });
      if (!ok) break;
      frames.push(file);
    }
  })();
  return { frames, stop: async () => { stopped = true; await done; } };
}

/** Fraction of a frame's pixels that are near white, and its mean brightness (0 to 1). */
function whiteness(file) {
  const measure = (...ops) => {
    const out = spawnSync('convert', [file, ...ops, '-format', '%[fx:mean]', 'info:'], { encoding: 'utf8' });
    if (out.status !== 0) throw new Error(`convert: ${out.stderr}`);
    return Number(out.stdout.trim());
  };
  return { white: measure('-fuzz', '8%', '-fill', 'black', '+opaque', 'white'), mean: measure() };
}

/** `switchboard`'s process (found by its unique capture path) and every process under it. */
function windowProcesses(marker) {
  const procs = readdirSync('/proc').filter((d) => /^\d+$/.test(d));
  const root = procs.find((pid) => {
    try {
      const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
      return realpathSync(`/proc/${pid}/exe`) === realpathSync(bin) && cmd.some((a) => a.includes(marker));
    } catch {
      return false;
    }
  });
  if (!root) return [];
  const out = [root];
  for (let i = 0; i < out.length; i++) {
    for (const task of readdirSync(`/proc/${out[i]}/task`)) {
      try {
        out.push(...readFileSync(`/proc/${out[i]}/task/${task}/children`, 'utf8').trim().split(/\s+/).filter(Boolean));
      } catch {}
    }
  }
  return out;
}

/** RSS, PSS and private anonymous memory in MB of each process, from smaps_rollup. */
function memoryOf(pids) {
  return pids.map((pid) => {
    const rollup = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
    const kb = (field) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(rollup)?.[1] ?? 0);
    return {
      pid,
      name: readFileSync(`/proc/${pid}/comm`, 'utf8').trim(),
      rss: kb('Rss') / 1024,
      pss: kb('Pss') / 1024,
      anon: kb('Pss_Anon') / 1024,
    };
  });
}

let session = null;
try {
  const xvfb = start('Xvfb', [display, '-screen', '0', '1440x900x24', '-nolisten', 'tcp']);
  await sleep(800);
  if (xvfb.exitCode !== null) throw new Error(`Xvfb did not start: ${xvfb.log()}`);
  const driver = start('tauri-driver', ['--port', String(port), '--native-port', String(port + 1)], { DISPLAY: display });
  await until('tauri-driver', async () => (await fetch(`http://127.0.0.1:${port}/status`)).ok, 20000).catch((e) => {
    throw new Error(`${e.message}\n${driver.log()}`);
  });
  // The first frames of the window, from before it appears until its page has loaded.
  const grabber = grabFrames(join(shots, 'first-frames'));
  const created = await wd('POST', '/session', {
    capabilities: {
      alwaysMatch: {
        browserName: 'wry',
        'tauri:options': {
          application: bin,
          args: ['--listen', '127.0.0.1:0', '--simulate', String(clients), '--db', join(work, 'capture.db')],
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

  await sleep(1500);
  await grabber.stop();
  await check('the window is dark from its first frame (no white flash)', async () => {
    const seen = grabber.frames.map((f) => ({ f, ...whiteness(f) }));
    const shown = seen.filter((x) => x.mean > 0.01);
    console.log(`       ${seen.length} frames grabbed while the window opened, ${shown.length} with the window on screen`);
    if (shown.length === 0) throw new Error('no frame showed the window');
    const worst = shown.reduce((a, b) => (b.white > a.white ? b : a));
    console.log(`       whitest frame ${worst.f.split('/').pop()}: ${(worst.white * 100).toFixed(2)}% near-white pixels`);
    // The console's page has white text on dark (well under 1%); a white flash is most of the
    // window (over half the screen).
    if (worst.white > 0.2) throw new Error(`frame ${worst.f} is ${(worst.white * 100).toFixed(0)}% white`);
  });
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
  await check(`the memory of the window at ${clients} connections is reported`, async () => {
    await until(`${clients} connections`, async () => Number((await text('[data-testid=stat-connections] .stat-value')).replace(/,/g, '')) >= clients, 60000);
    await sleep(5000);
    const pids = windowProcesses(work);
    if (pids.length < 2) throw new Error(`found the processes ${pids.join(', ')} only`);
    const mem = memoryOf(pids);
    for (const m of mem) console.log(`       ${m.name.padEnd(16)} rss ${m.rss.toFixed(0).padStart(4)} MB  pss ${m.pss.toFixed(0).padStart(4)} MB  private anon ${m.anon.toFixed(0).padStart(4)} MB`);
    const sum = (k) => mem.reduce((a, m) => a + m[k], 0);
    console.log(`       total            rss ${sum('rss').toFixed(0).padStart(4)} MB  pss ${sum('pss').toFixed(0).padStart(4)} MB  private anon ${sum('anon').toFixed(0).padStart(4)} MB`);
    // With WebKit's GL compositing on, the web process held about 165 MB of private memory at
    // 50 connections; without it about 55 MB (docs/console.md). A bound well between the two.
    const web = mem.find((m) => m.name.startsWith('WebKitWebProces'));
    if (!web) throw new Error('no WebKit web process under switchboard');
    if (web.anon > 120) throw new Error(`the web process holds ${web.anon.toFixed(0)} MB of private memory (over 120 MB)`);
  });
  await check('the UI knows it runs in a window', async () => {
    await until('window mode in the status bar', async () => (await text('.statusbar')).includes('desktop window'));
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
