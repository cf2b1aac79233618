// End-to-end cluster attach: a real redis-server, two `switchboard-server --redis --inspect`
// nodes sharing one inspector token, and `switchboard attach --redis URL --headless` given only
// Redis and the token, driven in Chromium. Both nodes are discovered and listed in the status
// bar; users on one node and agents on the other share rooms; the Rooms graph grouped by node
// colours each member by its node, with a legend; SIGKILL one node: shown lost; restart it
// with the same node id (on another inspector port): attached again. Screenshots go to
// artifacts/e2e/cluster-*.png.
//
// Usage: node tests/e2e/attach_cluster.mjs [path/to/switchboard] [path/to/switchboard-server]
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';

import { assert, checks, until as waitUntil } from './wait.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const { chromium } = createRequire(join(root, 'ui', 'package.json'))('playwright-core');
const debug = join(process.env.CARGO_TARGET_DIR ?? join(root, 'target'), 'debug');
const consoleBin = process.argv[2] ?? process.env.SWITCHBOARD_BIN ?? join(debug, 'switchboard');
const serverBin = process.argv[3] ?? process.env.SWITCHBOARD_SERVER_BIN ?? join(dirname(consoleBin), 'switchboard-server');
const shots = join(root, 'artifacts', 'e2e');
mkdirSync(shots, { recursive: true });
const work = mkdtempSync(join(tmpdir(), 'switchboard-cluster-e2e-'));

const { check, finish } = checks('e2e cluster attach');
const until = (what, f, ms = 20000) => waitUntil(what, f, ms, 200);

function start(bin, args, env = {}) {
  const proc = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, DISPLAY: '', WAYLAND_DISPLAY: '', ...env } });
  const p = { proc, out: '' };
  proc.stdout.on('data', (d) => (p.out += d));
  proc.stderr.on('data', (d) => (p.out += d));
  return p;
}
async function stop(p, signal = 'SIGINT') {
  if (!p || p.proc.exitCode !== null || p.proc.signalCode !== null) return;
  const exited = new Promise((r) => p.proc.once('exit', r));
  p.proc.kill(signal);
  await exited;
}
const freePort = () =>
  new Promise((ok) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => ok(port));
    });
  });

const TOKEN = 'e2e-cluster-inspect-token';
const redisPort = await freePort();
const redis = start('redis-server', ['--port', String(redisPort), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', work]);
const redisUrl = `redis://127.0.0.1:${redisPort}/`;

async function startNode(id) {
  const node = start(serverBin, ['--demo', '--listen', '127.0.0.1:0', '--node-id', id, '--heartbeat-secs', '3600', '--node-ttl-ms', '1500', '--redis', redisUrl, '--inspect', '127.0.0.1:0'], {
    SWITCHBOARD_INSPECT_TOKEN: TOKEN,
  });
  await until(`node ${id}'s attach URL`, () => node.out.includes('Inspector attach URL'), 30000);
  node.appUrl = node.out.match(/listening on (ws:\/\/127\.0\.0\.1:\d+\/)/)[1];
  node.id = id;
  return node;
}

let a;
let b;
let con;
let browser;
try {
  await until('redis-server', () => redis.out.includes('Ready to accept connections'), 15000);
  a = await startNode('a');
  b = await startNode('b');
  con = start(consoleBin, ['attach', '--redis', redisUrl, '--headless', '--ui-listen', '127.0.0.1:0', '--db', join(work, 'capture.db')], { SWITCHBOARD_INSPECT_TOKEN: TOKEN });
  const consoleUrl = await until('the console URL', () => con.out.match(/http:\/\/127\.0\.0\.1:\d+\/\?token=[0-9a-f]+/)?.[0], 30000);
  const base = consoleUrl.split('/?')[0];
  const token = consoleUrl.split('token=')[1];
  const api = async (path, init = {}) => {
    const res = await fetch(base + path, { ...init, headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json', ...(init.headers ?? {}) } });
    if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`);
    return res.json();
  };
  console.log(`console ${base}, redis ${redisUrl}, nodes a ${a.appUrl} and b ${b.appUrl}`);

  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'],
  });
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
  const page = await context.newPage();
  const pageErrors = [];
  page.on('pageerror', (e) => pageErrors.push(e.message));
  const go = async (hash) => {
    await page.evaluate((h) => (location.hash = h), hash);
    await page.waitForTimeout(300);
  };
  const shot = (name) => page.screenshot({ path: join(shots, `cluster-${name}.png`) });
  const chipStates = () => page.$$eval('[data-testid=node-chip]', (cs) => Object.fromEntries(cs.map((c) => [c.textContent.trim(), c.getAttribute('data-state')])));

  // Real clients of the application wire, in a page of their own.
  const clients = await context.newPage();
  await clients.goto(`${base}/client-page`);
  let nextReq = 1;
  async function client(url, role, name, rooms) {
    await clients.evaluate(
      ({ url, role, name }) =>
        new Promise((ok, fail) => {
          window.sockets_ ??= {};
          const ws = new WebSocket(`${url}?role=${role}&name=${name}`);
          window.sockets_[name] = ws;
          ws.onopen = () => ok();
          ws.onerror = () => fail(new Error('websocket error'));
        }),
      { url, role, name },
    );
    for (const room of rooms) {
      await clients.evaluate(({ n, f }) => window.sockets_[n].send(JSON.stringify(f)), { n: name, f: { t: 'req', i: nextReq++, m: 'join', d: { room } } });
    }
  }

  await page.goto(consoleUrl);

  await check('both nodes are discovered through Redis and listed in the status bar', async () => {
    const nodes = await until('two attached nodes', async () => {
      const list = await api('/api/nodes');
      return list.nodes.length === 2 && list.nodes.every((l) => l.state === 'attached' && l.discovered) ? list : null;
    });
    assert(nodes.discovery?.state === 'following', JSON.stringify(nodes.discovery));
    assert(!JSON.stringify(nodes).includes(TOKEN), 'the token is shown');
    await until('two chips attached', async () => {
      const states = await page.$$eval('[data-testid=node-chip]', (cs) => cs.map((c) => c.getAttribute('data-state')));
      return states.length === 2 && states.every((s) => s === 'attached');
    });
    await page.click('[data-testid=nodes-manage]');
    const status = await until('discovery shown in the popover', async () => page.textContent('[data-testid=discovery-status]'));
    assert(status.includes('following') && status.includes(redisUrl), status);
    assert(!(await page.textContent('[data-testid=nodes-popover]')).includes(TOKEN), 'the token is shown');
    await shot('0-nodes');
    await page.click('[data-testid=nodes-manage]');
  });

  // Users on a, agents on b, sharing rooms.
  await client(a.appUrl, 'user', 'alice', ['ops', 'lobby']);
  await client(a.appUrl, 'user', 'carol', ['lobby']);
  await client(a.appUrl, 'user', 'erin', ['ops', 'sales']);
  await client(b.appUrl, 'agent', 'bot', ['ops', 'support']);
  await client(b.appUrl, 'agent', 'helper', ['lobby', 'support']);
  await client(b.appUrl, 'user', 'dave', ['sales', 'support']);

  await check('connections and rooms cover both nodes, each member with its node', async () => {
    const page1 = await until('six connections', async () => {
      const p = await api('/api/connections');
      return p.total === 6 ? p : null;
    });
    const nodeOf = Object.fromEntries(page1.rows.map((r) => [r.user, r.node]));
    assert(nodeOf.alice === 'a' && nodeOf.bot === 'b', JSON.stringify(nodeOf));
    const ops = await until('ops with members on both nodes', async () => {
      const room = await api('/api/rooms/ops');
      return room.size === 3 ? room : null;
    });
    const nodes = new Set(ops.members.map((m) => m.node));
    assert(nodes.has('a') && nodes.has('b'), JSON.stringify(ops.members));
  });

  await check('the rooms graph grouped by node colours members by node, with a legend', async () => {
    await go('#/rooms');
    await until('the graph drawn', async () => (await page.getAttribute('[data-testid=membership-graph]', 'data-version')) !== null);
    await page.click('[data-testid=graph-by-node]');
    await until('grouped by node', async () => (await page.getAttribute('[data-testid=membership-graph]', 'data-by-node')) === 'true');
    await until('the graph laid out', async () => !(await page.isVisible('[data-testid=graph-laying]')));
    const legend = await page.$$eval('[data-testid=graph-legend] [data-node]', (ls) => ls.map((l) => l.getAttribute('data-node')));
    assert(legend.join(',') === 'a,b', `legend nodes: ${legend}`);
    // Each member is filled with its node's colour: two colours for the two nodes.
    const colours = await page.evaluate(() => {
      const cy = document.querySelector('[data-testid=membership-graph]').__cy;
      const out = {};
      cy.nodes('[kind = "conn"]').forEach((n) => {
        out[n.data('server')] = [...new Set([...(out[n.data('server')] ?? []), n.data('color')])];
      });
      return out;
    });
    assert(colours.a?.length === 1 && colours.b?.length === 1 && colours.a[0] !== colours.b[0], JSON.stringify(colours));
    await page.waitForTimeout(400);
    await shot('1-rooms-by-node');
  });

  await check('SIGKILL node b: it is shown lost', async () => {
    await stop(b, 'SIGKILL');
    await until('b lost', async () => {
      const list = await api('/api/nodes');
      const link = list.nodes.find((l) => l.node === 'b');
      return link && link.state !== 'attached';
    });
    await until('the chip says so', async () => Object.values(await chipStates()).some((s) => s === 'lost' || s === 'reconnecting'));
    await go('#/overview');
    await page.waitForTimeout(500);
    await shot('2-node-lost');
  });

  await check('node b restarted with the same id is attached again', async () => {
    b = await startNode('b');
    await until('b attached again', async () => {
      const list = await api('/api/nodes');
      const link = list.nodes.find((l) => l.node === 'b');
      return link && link.state === 'attached' && link.attaches === 2;
    }, 30000);
  });

  await check('no page errors', async () => assert(pageErrors.length === 0, pageErrors.join('\n')));
} catch (e) {
  console.log(`  FAIL setup: ${e.stack ?? e}`);
  process.exitCode = 1;
} finally {
  await browser?.close();
  await stop(con);
  await stop(a);
  await stop(b);
  await stop(redis);
  rmSync(work, { recursive: true, force: true });
}

finish();
