// End-to-end attach mode: a real `switchboard-server --demo --inspect` process (the
// application) and a real `switchboard attach URL --headless` console in another process,
// driven in Chromium. The status bar lists the node and its link; connections, rooms and
// traffic name the node; a push from the console reaches a client of the node; stopping the
// node shows it lost (its recorded rows stay), and restarting it on the same inspector address
// attaches it again. Screenshots go to artifacts/e2e/attach-*.png.
//
// Usage: node tests/e2e/attach.mjs [path/to/switchboard] [path/to/switchboard-server]
import { execSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
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
const work = mkdtempSync(join(tmpdir(), 'switchboard-attach-e2e-'));

const { check, finish } = checks('e2e attach');
const until = (what, f, ms = 15000) => waitUntil(what, f, ms, 200);

/** Start a process and collect what it prints. */
function start(bin, args) {
  const proc = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, DISPLAY: '', WAYLAND_DISPLAY: '' } });
  const p = { proc, out: '' };
  proc.stdout.on('data', (d) => (p.out += d));
  proc.stderr.on('data', (d) => (p.out += d));
  return p;
}
async function stop(p) {
  if (p.proc.exitCode !== null) return;
  p.proc.kill('SIGINT');
  await new Promise((r) => p.proc.once('exit', r));
}

const TOKEN = 'e2e-attach-token';
/** The application node: the demo with its inspector; `inspect` is `127.0.0.1:0` the first time. */
async function startNode(inspect) {
  const node = start(serverBin, ['--demo', '--listen', '127.0.0.1:0', '--inspect', inspect, '--inspect-token', TOKEN, '--heartbeat-secs', '3600']);
  node.attachUrl = await until('the attach URL', () => node.out.match(/ws:\/\/127\.0\.0\.1:\d+\/\?token=[^\s]+/)?.[0], 30000);
  node.appUrl = node.out.match(/listening on (ws:\/\/127\.0\.0\.1:\d+\/)/)[1];
  node.id = node.out.match(/node (node-[0-9a-f]+)/)?.[1];
  return node;
}

let node = await startNode('127.0.0.1:0');
const inspectAddr = node.attachUrl.match(/ws:\/\/([^/]+)\//)[1];
const con = start(consoleBin, ['attach', node.attachUrl, '--headless', '--ui-listen', '127.0.0.1:0', '--db', join(work, 'capture.db')]);
const consoleUrl = await until('the console URL', () => con.out.match(/http:\/\/127\.0\.0\.1:\d+\/\?token=[0-9a-f]+/)?.[0], 30000);
const base = consoleUrl.split('/?')[0];
const token = consoleUrl.split('token=')[1];
const api = async (path, init = {}) => {
  const res = await fetch(base + path, { ...init, headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json', ...(init.headers ?? {}) } });
  if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`);
  return res.json();
};
console.log(`console ${base}, node ${node.id} at ${node.appUrl}, inspector ${inspectAddr}`);

const browser = await chromium.launch({
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
const shot = (name) => page.screenshot({ path: join(shots, `attach-${name}.png`) });

// A real client of the node, in its own page.
const clients = await context.newPage();
await clients.goto(`${base}/client-page`);
async function connectClient(url, name) {
  await clients.evaluate(
    ({ url, name }) =>
      new Promise((ok, fail) => {
        window.frames_ ??= {};
        window.sockets_ ??= {};
        const ws = new WebSocket(`${url}?role=user&name=${name}`);
        window.frames_[name] = [];
        window.sockets_[name] = ws;
        ws.onmessage = (m) => window.frames_[name].push(JSON.parse(m.data));
        ws.onopen = () => ok();
        ws.onerror = () => fail(new Error('websocket error'));
      }),
    { url, name },
  );
}
const framesOf = (name) => clients.evaluate((n) => window.frames_[n], name);
const sendFrame = (name, frame) => clients.evaluate(({ n, f }) => window.sockets_[n].send(JSON.stringify(f)), { n: name, f: frame });
const chipState = () => page.getAttribute('[data-testid=node-chip]', 'data-state');

try {
  await page.goto(consoleUrl);

  await check('the console serves no application of its own, and the status bar lists the attached node', async () => {
    // Its only listening socket is the console's own UI port.
    const listening = execSync('ss -ltnpH', { encoding: 'utf8' }).split('\n').filter((l) => l.includes(`pid=${con.proc.pid},`));
    assert(listening.length === 1 && listening[0].includes(`:${new URL(base).port} `), `the console listens on: ${listening.join(' | ')}`);
    const nodes = await api('/api/nodes');
    assert(nodes.mode === 'attach', `mode ${nodes.mode}`);
    await until('the chip says attached', async () => (await chipState()) === 'attached');
    const text = await page.textContent('[data-testid=nodes-status]');
    assert(text.includes(node.id), `status bar: ${text}`);
    const host = await api('/api/host');
    assert(host.app_url === '', `app url ${host.app_url}`);
  });

  await connectClient(node.appUrl, 'e2e-alice');
  await sendFrame('e2e-alice', { t: 'req', i: 1, m: 'join', d: { room: 'e2e-room' } });
  const alice = await until('alice listed', async () => (await api('/api/connections?q=e2e-alice')).rows.find((r) => r.user === 'e2e-alice'));

  await check('connections show the node column, and filter by node', async () => {
    assert(alice.node === node.id, `node ${alice.node}`);
    await go('#/connections');
    await until('the node cell', async () => ((await page.textContent('[data-testid=conn-node-cell]')) ?? '').includes(node.id));
    await page.selectOption('[data-testid=conn-node]', node.id);
    await until('still listed under the node filter', async () => (await page.$$('[data-testid=conn-node-cell]')).length === 1);
    await shot('1-connections');
  });

  await check('rooms merge members with their node', async () => {
    const room = await until('the room', async () => api('/api/rooms/e2e-room'));
    assert(room.members[0].node === node.id, JSON.stringify(room));
    await go('#/rooms?room=e2e-room');
    await until("the member's node in the room's list", async () => ((await page.textContent('[data-testid=room-members]')) ?? '').includes(node.id));
    await until('the graph laid out', async () => !(await page.isVisible('[data-testid=graph-laying]')));
    await shot('2-rooms');
  });

  await check('a push from the console reaches the client through the node', async () => {
    await go('#/push');
    const record = await api('/api/push', {
      method: 'POST',
      body: JSON.stringify({ target: { kind: 'conn', id: alice.id }, name: 'alert', payload: { level: 'warn', text: 'via the inspector' } }),
    });
    assert(record.delivered === 1 && record.nodes?.[0]?.node === node.id, JSON.stringify(record));
    await until('alice receives the alert', async () =>
      (await framesOf('e2e-alice')).some((f) => f.t === 'evt' && f.e === 'alert' && f.d.text === 'via the inspector'));
  });

  await check('traffic rows name their node, live and recorded', async () => {
    await go('#/traffic');
    await sendFrame('e2e-alice', { t: 'req', i: 2, m: 'say', d: { room: 'e2e-room', text: 'hello from the node' } });
    await until('a live row with the node', async () => ((await page.$$eval('[data-testid=traffic-node]', (cs) => cs.map((c) => c.textContent))) ?? []).includes(node.id));
    await shot('3-traffic');
    const page1 = await api('/api/traffic/query', { method: 'POST', body: JSON.stringify({ filter: { nodes: [node.id], kinds: ['room_add'] }, cursor: { at: 'end' }, limit: 10 }) });
    assert(page1.rows.length > 0 && page1.rows.every((r) => r.node === node.id), JSON.stringify(page1.rows));
  });

  await check('overview shows the node and its link', async () => {
    await go('#/overview');
    await until('the link state', async () => ((await page.textContent('[data-testid=node-link-state]')) ?? '').includes('attached'));
    await shot('4-overview');
  });

  await check('replay says push replay needs an embedded server; client replay targets a URL', async () => {
    await go('#/replay');
    await until('the note', () => page.isVisible('[data-testid=replay-attach-note]'));
    assert(await page.isDisabled('[data-testid=replay-target-isolated]'), 'the isolated target is offered');
    assert(await page.isDisabled('[data-testid=replay-target-live]'), 'the live target is offered');
    assert(await page.isDisabled('[data-testid=replay-mode-pushes]'), 'push replay is offered');
    await shot('7-replay');
  });

  await check('a second node is attached and removed from the status bar at run time', async () => {
    const second = await startNode('127.0.0.1:0');
    try {
      await page.click('[data-testid=nodes-manage]');
      await page.fill('[data-testid=node-url]', second.attachUrl);
      await page.click('[data-testid=node-add]');
      await until('two chips, both attached', async () => {
        const states = await page.$$eval('[data-testid=node-chip]', (cs) => cs.map((c) => c.getAttribute('data-state')));
        return states.length === 2 && states.every((s) => s === 'attached');
      });
      const text = await page.textContent('[data-testid=nodes-popover]');
      assert(!text.includes(TOKEN), 'the token is shown');
      await shot('8-two-nodes');
      await page.click(`[data-testid=node-remove][data-node="${second.id}"]`);
      await until('one chip again', async () => (await page.$$('[data-testid=node-chip]')).length === 1);
      await page.click('[data-testid=nodes-manage]');
    } finally {
      await stop(second);
    }
  });

  const firstId = node.id;
  await check('a stopped node shows lost and its rows stay queryable', async () => {
    await stop(node);
    await until('the chip says lost', async () => (await chipState()) === 'lost');
    await page.click('[data-testid=nodes-manage]');
    await page.waitForTimeout(200);
    await shot('5-lost');
    await page.click('[data-testid=nodes-manage]');
    const rows = await api('/api/traffic/query', { method: 'POST', body: JSON.stringify({ filter: { nodes: [firstId] }, cursor: { at: 'end' }, limit: 10 }) });
    assert(rows.rows.length > 0, 'no rows of the stopped node');
  });

  await check('the node restarted on the same address is attached again', async () => {
    node = await startNode(inspectAddr);
    await until('the chip says attached again', async () => (await chipState()) === 'attached', 30000);
    const nodes = await api('/api/nodes');
    assert(nodes.nodes[0].attaches === 2 && nodes.nodes[0].node === node.id, JSON.stringify(nodes));
    await shot('6-reattached');
  });

  await check('no page errors', async () => assert(pageErrors.length === 0, pageErrors.join('\n')));
} finally {
  await browser.close();
  await stop(con);
  await stop(node);
  rmSync(work, { recursive: true, force: true });
}

finish();
