// End-to-end: the real `switchboard` binary in headless mode with the demo and simulated
// clients, driven in Debian's Chromium. Every panel must show real data; a push by hand reaches
// a real WebSocket client; adding a connection to a room by hand shows in the graph and in that
// client's next broadcasts; an export downloads a file that parses; a client replay of the
// session runs against the embedded server and reports; Try it opens a console test connection
// that gets an answer and a push and is recorded with origin console. Screenshots of every panel
// go to artifacts/e2e/.
//
// Usage: node tests/e2e/run.mjs [path/to/switchboard]   (default: $SWITCHBOARD_BIN or target/debug)
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';

import { openHoarder } from './hoarder.mjs';
import { assert, checks, sleep, until as waitUntil } from './wait.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
// playwright-core is one of the UI's dev dependencies: resolve it from ui/node_modules.
const { chromium } = createRequire(join(root, 'ui', 'package.json'))('playwright-core');
const bin = process.argv[2] ?? process.env.SWITCHBOARD_BIN ?? join(process.env.CARGO_TARGET_DIR ?? join(root, 'target'), 'debug', 'switchboard');
const shots = join(root, 'artifacts', 'e2e');
mkdirSync(shots, { recursive: true });
const work = mkdtempSync(join(tmpdir(), 'switchboard-e2e-'));

const { check, finish } = checks('e2e');
// The browser's checks poll often: a page settles within a few hundred milliseconds.
const until = (what, f, ms = 15000) => waitUntil(what, f, ms, 200);

// 1. The backend, headless, with the demo and simulated clients.
const proc = spawn(bin, ['--headless', '--listen', '127.0.0.1:0', '--ui-listen', '127.0.0.1:0', '--simulate', '40', '--db', join(work, 'capture.db')], {
  stdio: ['ignore', 'pipe', 'pipe'],
  env: { ...process.env, DISPLAY: '', WAYLAND_DISPLAY: '' },
});
let out = '';
proc.stdout.on('data', (d) => (out += d));
proc.stderr.on('data', (d) => (out += d));
const consoleUrl = await until('the console URL', () => out.match(/http:\/\/127\.0\.0\.1:\d+\/\?token=[0-9a-f]+/)?.[0], 30000);
const appUrl = out.match(/ws:\/\/127\.0\.0\.1:\d+\//)[0];
const base = consoleUrl.split('/?')[0];
const token = consoleUrl.split('token=')[1];
const api = async (path, init = {}) => {
  const res = await fetch(base + path, { ...init, headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json', ...(init.headers ?? {}) } });
  if (!res.ok) throw new Error(`${path}: ${res.status}`);
  return res.json();
};
console.log(`console ${base}, app ${appUrl}`);

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'],
});
const context = await browser.newContext({ viewport: { width: 1440, height: 900 }, acceptDownloads: true });
const page = await context.newPage();
const pageErrors = [];
page.on('pageerror', (e) => pageErrors.push(e.message));
// What the page's Content-Security-Policy refused (Chromium reports it on the console).
const policyViolations = [];
page.on('console', (m) => {
  if (m.type() === 'error' && /Content Security Policy/i.test(m.text())) policyViolations.push(m.text());
});
const go = async (hash) => {
  await page.evaluate((h) => (location.hash = h), hash);
  await page.waitForTimeout(300);
};
const shot = (name) => page.screenshot({ path: join(shots, `${name}.png`) });

// Two real application clients over WebSocket, in their own page (the browser's WebSocket).
const clients = await context.newPage();
// An http page (a WebSocket from about:blank is refused by Chromium).
await clients.goto(`${base}/client-page`);
async function connectClient(name) {
  await clients.evaluate(
    ({ url, name }) =>
      new Promise((ok, fail) => {
        window.frames_ ??= {};
        window.sockets_ ??= {};
        const ws = new WebSocket(`${url}?role=user&name=${name}`);
        window.frames_[name] = [];
        window.sockets_[name] = ws;
        ws.onmessage = (m) => {
          const f = JSON.parse(m.data);
          if (f.t === 'ping') ws.send('{"t":"pong"}');
          window.frames_[name].push(f);
        };
        ws.onopen = () => ok();
        ws.onerror = () => fail(new Error('websocket error'));
      }),
    { url: appUrl, name },
  );
}
const framesOf = (name) => clients.evaluate((n) => window.frames_[n], name);
const sendFrame = (name, frame) => clients.evaluate(({ n, f }) => window.sockets_[n].send(JSON.stringify(f)), { n: name, f: frame });
const connId = async (user) =>
  until(`connection of ${user}`, async () => (await api(`/api/connections?q=${user}`)).rows.find((r) => r.user === user)?.id);

try {
  await page.goto(consoleUrl);
  await check('the token leaves the address bar, and a reload keeps the session', async () => {
    await until('the token gone from the address', () => !page.url().includes('token='));
    await page.reload();
    await until('the overview after a reload', () => page.isVisible('[data-testid=stat-connections]'));
    await until('the token gone again', () => !page.url().includes('token='));
  });
  await connectClient('e2e-alice');
  await connectClient('e2e-bob');
  const alice = await connId('e2e-alice');
  const bob = await connId('e2e-bob');
  await sendFrame('e2e-bob', { t: 'req', i: 1, m: 'join', d: { room: 'e2e-room' } });

  await check('overview: live connections, roles, the recorder; charts on a clock axis from the first seconds; errors and connections over time', async () => {
    await go('#/overview');
    // The console started moments ago: the first samples must already draw a clock axis over
    // the whole window (not years, not milliseconds).
    const axis = () => page.evaluate(() => {
      const u = document.querySelector('[data-testid=rate-chart]').__plot;
      return { min: u.scales.x.min, max: u.scales.x.max, ticks: u.axes[0]._values ?? [], points: u.data[0].length, series: u.series.map((s) => s.label) };
    });
    const first = await until('the first samples', async () => { const a = await axis(); return a.points > 0 && a.ticks.length > 0 ? a : null; });
    const now = Date.now() / 1000;
    assert(Math.abs(first.max - now) < 120, `the axis ends now, in seconds: ${first.max} vs ${now}`);
    assert(first.max - first.min === 300, `the axis spans the five minutes: ${first.min}..${first.max}`);
    assert(first.ticks.every((t) => /^\d\d:\d\d(:\d\d)?$/.test(t)), `clock ticks: ${first.ticks}`);
    assert(first.series.includes('total') && first.series.includes('errors'), `series: ${first.series}`);
    await shot('1-overview-first-seconds');
    await until('40+ connections', async () => Number((await page.textContent('[data-testid=stat-connections] .stat-value')).replace(/,/g, '')) >= 42);
    await until('connections over time', () => page.evaluate(() => {
      const u = document.querySelector('[data-testid=connections-chart]').__plot;
      return u.data[1].some((n) => n >= 42);
    }));
    assert((await page.textContent('[data-testid=stat-nodes]')).includes('this process alone'), 'the node tile in words');
    assert(!/nodes/.test(await page.textContent('[data-testid=stat-nodes] .stat-label')), 'one node, not “1 nodes”');
    assert(/errors? in the last minute/.test(await page.textContent('[data-testid=stat-errors]')), 'an errors tile');
    const roles = await page.textContent('[data-testid=roles]');
    assert(roles.includes('user') && roles.includes('agent'), `roles: ${roles}`);
    await until('rows recorded', async () => Number((await page.textContent('[data-testid=recorder-rows]')).replace(/,/g, '')) > 0);
    await until('a rate', async () => Number((await page.textContent('[data-testid=stat-rate] .stat-value')).replace(/,/g, '')) > 0);
    await page.click('button:has-text("1 min")');
    await until('a one-minute axis', async () => { const a = await axis(); return a.max - a.min === 60 && a.ticks.every((t) => /^\d\d:\d\d:\d\d$/.test(t)); });
    await shot('1-overview');
    await page.click('button:has-text("5 min")');
  });

  // The graph is read through its container (cytoscape draws on a canvas).
  const graph = (f, arg) => page.evaluate(({ f, arg }) => {
    const cy = document.querySelector('[data-testid=membership-graph]').__cy;
    return new Function('cy', 'arg', `return (${f})(cy, arg)`)(cy, arg);
  }, { f: f.toString(), arg });
  const graphHas = (id) => graph((cy, id) => cy.getElementById(id).length > 0, id);
  const nodePositions = () => graph((cy) => Object.fromEntries(cy.nodes().map((n) => [n.id(), n.position()])));
  const samePlaces = (a, b) => {
    const common = Object.keys(a).filter((id) => id in b);
    const moved = common.filter((id) => Math.hypot(a[id].x - b[id].x, a[id].y - b[id].y) > 0.5);
    return { common: common.length, moved };
  };
  // The list, the detail and the graph show one count per room.
  const countsAgree = async (selected) => {
    const list = await page.$$eval('[data-testid=room-list] li', (lis) => lis.map((li) => [li.dataset.room, Number(li.querySelector('[data-testid=room-size]').textContent.replace(/,/g, ''))]));
    const sizes = await graph((cy) => Object.fromEntries(cy.nodes('[kind = "room"]').map((n) => [n.data('room'), n.data('size')])));
    const detail = selected ? Number((await page.textContent('[data-testid=room-detail-size]')).replace(/[^0-9]/g, '')) : null;
    const bad = list.filter(([room, n]) => sizes[room] !== n || (room === selected && detail !== n));
    return list.length > 0 && bad.length === 0 ? list : null;
  };

  await check('rooms: one count everywhere, a connection picker, a stable graph (positions kept across updates and visits), search, legend', async () => {
    await go('#/rooms?room=e2e-room');
    await until('the room in the list', () => page.isVisible('[data-testid=room-list] li[data-room=lobby]'));
    await until('members listed', async () => (await page.textContent('[data-testid=room-members]')).includes(bob));
    await until('the room in the graph', () => graphHas('room:lobby'));
    await until('list, detail and graph agree on every room', () => countsAgree('e2e-room'));

    // Adding by hand: pick the connection by user name, not by a typed id.
    await page.fill('[data-testid=room-add-input]', 'e2e-alice');
    await until('alice offered', () => page.isVisible(`[data-testid=room-add-options] [data-conn="${alice}"]`));
    const offered = await page.textContent(`[data-testid=room-add-options] [data-conn="${alice}"]`);
    assert(offered.includes('user') && offered.includes('e2e-alice'), `the option shows role and user: ${offered}`);
    await shot('2-rooms-picker');
    await page.click(`[data-testid=room-add-options] [data-conn="${alice}"]`);
    await until('alice listed as a member', async () => (await page.textContent('[data-testid=room-members]')).includes(alice));
    await until('alice in the graph', async () => {
      const grouped = await graph((cy) => cy.nodes('[kind = "group"]').length > 0);
      return grouped ? graphHas('group:e2e-room:user') : graphHas(`conn:${alice}`);
    });
    // A new member starts beside its room, not under the room's box.
    const hidden = await graph((cy, id) => {
      const node = cy.getElementById(`conn:${id}`);
      if (node.length === 0) return false;
      const a = node.renderedBoundingBox({ includeLabels: false });
      const r = cy.getElementById('room:e2e-room').renderedBoundingBox({ includeLabels: false });
      return !(a.x2 < r.x1 || a.x1 > r.x2 || a.y2 < r.y1 || a.y1 > r.y2);
    }, alice);
    assert(!hidden, 'alice is drawn clear of the room box');
    await sendFrame('e2e-bob', { t: 'req', i: 2, m: 'say', d: { room: 'e2e-room', text: 'hello from bob' } });
    await until('alice receives the room broadcast', async () =>
      (await framesOf('e2e-alice')).some((f) => f.t === 'evt' && f.e === 'message' && f.d.text === 'hello from bob'));
    await until('the counts still agree', () => countsAgree('e2e-room'));

    // Readable: room labels at least 12 px on screen, visible edges, a legend of roles.
    const label = await graph((cy) => parseFloat(cy.getElementById('room:lobby').renderedStyle('font-size')));
    assert(label >= 12, `room labels readable: ${label}px`);
    const edge = await graph((cy) => { const e = cy.edges()[0]; return { w: parseFloat(e.style('width')), o: parseFloat(e.style('opacity')) }; });
    assert(edge.w >= 1 && edge.o >= 0.5, `visible edges: ${JSON.stringify(edge)}`);
    const legend = await page.textContent('[data-testid=graph-legend]');
    assert(legend.includes('user') && legend.includes('agent'), `legend: ${legend}`);

    // Membership changes add and remove nodes; the nodes already drawn stay where they are.
    await until('the first layout', () => page.$eval('[data-testid=membership-graph]', (el) => Number(el.dataset.layouts ?? 0) >= 1 && !document.querySelector('[data-testid=graph-laying]')));
    const before = await nodePositions();
    const v0 = await page.getAttribute('[data-testid=membership-graph]', 'data-version');
    await until('membership changes drawn', async () => (await page.getAttribute('[data-testid=membership-graph]', 'data-version')) !== v0, 30000);
    await until('no layout under way', async () => !(await page.isVisible('[data-testid=graph-laying]')));
    const after = await nodePositions();
    const kept = samePlaces(before, after);
    assert(kept.common > 10 && kept.moved.length === 0, `nodes kept their places across updates: ${JSON.stringify(kept)}`);
    await shot('2-rooms');

    // A visit elsewhere and back finds the graph as it was.
    await go('#/overview');
    await go('#/rooms?room=e2e-room');
    await until('the graph again', () => graphHas('room:lobby'));
    const back = await nodePositions();
    const again = samePlaces(after, back);
    assert(again.common > 10 && again.moved.length === 0, `nodes kept their places across visits: ${JSON.stringify(again)}`);

    // The search narrows the list and the graph.
    await page.fill('[data-testid=room-search]', 'lobby');
    await until('only lobby in the graph', async () => {
      const rooms = await graph((cy) => cy.nodes('[kind = "room"]').map((n) => n.data('room')));
      return rooms.length === 1 && rooms[0] === 'lobby' && (await page.$$('[data-testid=room-list] li')).length === 1;
    });
    await shot('2-rooms-search');
    await page.fill('[data-testid=room-search]', '');
  });

  await check('connections: grouped by role, searchable, detail with context and traffic', async () => {
    await go('#/connections');
    await until('rows', async () => (await page.$$('[data-testid=conn-rows] [data-conn]')).length > 10);
    const chips = await page.textContent('[data-testid=role-chips]');
    assert(chips.includes('user') && chips.includes('agent'), chips);
    await page.fill('[data-testid=conn-search]', 'e2e-alice');
    await until('one match', async () => (await page.$$('[data-testid=conn-rows] [data-conn]')).length === 1);
    const listWidth = () => page.$eval('.conn-list', (el) => el.getBoundingClientRect().width);
    const before = await listWidth();
    await page.click(`[data-conn="${alice}"]`);
    await until('the detail', async () => (await page.textContent('.drawer')).includes('e2e-room'));
    // The drawer lies over the list: the list keeps its width and every column.
    assert(Math.abs((await listWidth()) - before) < 1, `the list kept its width (${before} px, now ${await listWidth()} px)`);
    // The address and user agent the server saw, the upgrade headers (secrets masked).
    const remote = await page.textContent(`[data-conn="${alice}"] [data-testid=conn-remote]`);
    assert(remote.startsWith('127.0.0.1:'), `remote address ${remote}`);
    const drawer = await page.textContent('.drawer');
    assert(drawer.includes('Mozilla/5.0'), 'the user agent is shown');
    assert(drawer.includes('user-agent') && drawer.includes('host'), 'the upgrade headers are shown');
    // One time axis: what alice sent, what she was sent, her errors and her rooms.
    await until('the timeline', async () => (await page.$$('[data-testid=conn-timeline] .tl-mark')).length > 0);
    const lanes = await page.$$eval('[data-testid=conn-timeline] .tl-mark', (ms) => [...new Set(ms.map((m) => m.dataset.lane))]);
    assert(lanes.includes('membership'), `alice's join is on the rooms lane: ${lanes}`);
    const tall = await page.$eval('[data-testid=conn-timeline]', (el) => el.getBoundingClientRect().height);
    assert(tall > 60, `the timeline is drawn at its height, not squeezed (${tall} px)`);
    await page.waitForTimeout(500);
    await shot('3-connections');
    await page.keyboard.press('Escape');
    await until('the drawer closed', async () => !(await page.isVisible('.drawer')));
  });

  await check('connections: sorted by the API by messages in and out, queue, errors and age', async () => {
    await go('#/connections');
    await page.fill('[data-testid=conn-search]', '');
    await until('rows', async () => (await page.$$('[data-testid=conn-rows] [data-conn]')).length > 10);
    const column = (sel) => page.$$eval(`[data-testid=conn-rows] [data-conn] ${sel}`, (cells) => cells.map((c) => Number(c.textContent.replace(/[^0-9]/g, ''))));
    const sorted = (xs, desc) => xs.every((x, i) => i === 0 || (desc ? xs[i - 1] >= x : xs[i - 1] <= x));
    await page.click('[data-sort=msgs_in]');
    await until('sorted by messages in, largest first', async () => page.url().includes('sort=msgs_in') && sorted(await column('[data-testid=conn-in]'), true));
    // The API sorted every connection, not just the rows on screen: its first row is the maximum.
    // Counts only grow while traffic flows, so the list is read first and the page's first row,
    // refreshed after it, must be at least that maximum (comparing in the other order races).
    const all = await api('/api/connections?limit=1000');
    const max = Math.max(...all.rows.map((r) => r.msgs_in));
    await until(`the first row is the busiest of all (${max})`, async () => (await column('[data-testid=conn-in]'))[0] >= max);
    assert((await page.getAttribute('[data-sort=msgs_in]', 'aria-sort')) === 'descending', 'the header says so');
    await shot('3-connections-sorted');
    await page.click('[data-sort=msgs_in]');
    await until('smallest first', async () => page.url().includes('dir=asc') && sorted(await column('[data-testid=conn-in]'), false));
    // Errors: an unknown request from bob counts as one (sent here, so the check does not depend
    // on whether a simulated client happened to be refused).
    await sendFrame('e2e-bob', { t: 'req', i: 70, m: 'no-such-request', d: {} });
    await page.click('[data-sort=errors]');
    await until('the connection with errors first', async () => (await column('[data-testid=conn-errors]'))[0] >= 1);
    await page.click('[data-sort=age]');
    await until('oldest first', async () => page.url().includes('sort=age'));
    const ages = await api('/api/connections?sort=age&desc=true&limit=50');
    assert(sorted(ages.rows.map((r) => -r.connected_at_us), true), 'the API orders by age');
    await page.click('[data-sort=age]');
    await page.click('[data-sort=age]');
    await until('grouped by role again', async () => !page.url().includes('sort='));
  });

  await check('connections and overview: queued bytes and limits reached, from a client that never reads', async () => {
    await go('#/connections?sort=queue_bytes');
    await until('the queued column, sorted', async () => (await page.getAttribute('[data-sort=queue_bytes]', 'aria-sort')) === 'descending');
    const hoarder = await openHoarder(appUrl, 'role=user&name=e2e-hoarder');
    const text = 'x'.repeat(64 * 1024);
    let stop = false;
    // A 64 KiB dm to itself every 100 ms: once the kernel's buffers are full, its queue grows
    // by about 64 KiB a step until the server's bound (4 MiB) or its write timeout closes it.
    const pump = (async () => {
      for (let i = 1; !stop && hoarder.send(JSON.stringify({ t: 'req', i, m: 'dm', d: { to: 'e2e-hoarder', text } })); i++) await sleep(100);
    })();
    const first = () => page.$eval('[data-testid=conn-rows] [data-conn]', (row) => ({
      text: row.textContent,
      queued: row.querySelector('[data-testid=conn-queue-bytes]').textContent,
    }));
    const top = await until('the hoarder first by queued bytes', async () => {
      const f = await first();
      return f.text.includes('e2e-hoarder') && f.queued !== '0 B' ? f : null;
    });
    assert(/\d(\.\d)? (KB|MB)/.test(top.queued), `queued bytes shown in units: ${top.queued}`);
    await shot('3-connections-queued');
    await until('the hoarder closed as a slow consumer', async () => (await api('/api/overview')).counters.slow_consumers >= 1, 40000);
    stop = true;
    await pump;
    hoarder.close();
    await go('#/overview');
    await until('the limits tile', async () => Number((await page.textContent('[data-testid=stat-limits] .stat-value')).replace(/,/g, '')) >= 1);
    assert(/limits? reached/.test(await page.textContent('[data-testid=stat-limits]')), 'the limits tile in words');
    await until('the slow consumer line', async () => Number((await page.textContent('[data-testid=limit-slow_consumers] th')).replace(/,/g, '')) >= 1);
    assert((await page.textContent('[data-testid=limit-membership_refusals]')).includes('LIMIT_EXCEEDED'), 'refused joins named by their code');
    assert(/sockets open now/.test(await page.textContent('[data-testid=limits]')), 'the socket gauge');
    assert(/of payload/.test(await page.textContent('[data-testid=recorder-backlog]')), 'the recorder backlog in bytes');
    // The tile takes the eye to the card that names each limit.
    await page.click('[data-testid=stat-limits]');
    await until('the limits card in view', () => page.$eval('[data-testid=limits]', (el) => {
      const r = el.getBoundingClientRect();
      return r.top >= 0 && r.bottom <= window.innerHeight;
    }));
    await shot('1-overview-limits');
  });

  await check('contract: shared and per-role messages with schemas', async () => {
    await go('#/contract');
    await until('messages', () => page.isVisible('[data-testid=msg-shared-message]'));
    await page.click('[data-testid=msg-user-say] .message-head');
    await until('the schema', async () => (await page.textContent('[data-testid=msg-user-say]')).includes('minLength'));
    // Bob's say requests: counted with answer latencies, and the newest one is the sample.
    await until('say counted', async () => /\d+×/.test(await page.textContent('[data-testid=msg-user-say] [data-testid=msg-stats]')));
    const stats = await page.textContent('[data-testid=msg-user-say] [data-testid=msg-stats]');
    assert(/(µs|ms)/.test(stats), `latency percentiles: ${stats}`);
    assert((await page.textContent('[data-testid=msg-user-say]')).includes('Most recent recorded payload'), 'the recorded payload is shown');
    assert(/capture file/.test(await page.textContent('[data-testid=contract-stats-source]')), 'where the counts come from, in words');
    await shot('4-contract');
  });

  await check('traffic: the kinds menu, a held selection, filters over collected rows, regex, problems, the split', async () => {
    await go('#/traffic');
    await until('live rows', async () => (await page.$$('[data-testid=traffic-rows] .trow')).length > 5);
    // Bob says something now; the user filter further down finds it among the rows collected.
    await sendFrame('e2e-bob', { t: 'req', i: 80, m: 'say', d: { room: 'e2e-room', text: 'for the tail' } });

    // The kinds menu: each checkbox on one line with its own label, a column per group.
    await page.click('[data-testid=filter-kinds]');
    await until('the kinds menu', () => page.isVisible('[data-testid=kinds-menu]'));
    const options = await page.$$eval('[data-testid=kinds-menu] .kind-option', (labels) => labels.map((l) => {
      const box = l.querySelector('input').getBoundingClientRect();
      const text = l.querySelector('.kind').getBoundingClientRect();
      return { kind: l.querySelector('input').dataset.kind, text: l.textContent.trim(), box: [box.left, box.top, box.bottom], label: [text.left, text.top, text.bottom] };
    }));
    assert(options.length === 33, `33 kinds, got ${options.length}`);
    for (const o of options) {
      assert(o.text === o.kind, `the label beside ${o.kind} reads ${o.text}`);
      assert(o.box[0] < o.label[0] && o.label[0] - o.box[0] < 40, `${o.kind}: the box sits just left of its label`);
      const mid = (o.box[1] + o.box[2]) / 2;
      assert(mid > o.label[1] && mid < o.label[2], `${o.kind}: box and label on one line`);
    }
    await shot('5-traffic-kinds');
    await page.keyboard.press('Escape');
    await until('the menu closed', async () => !(await page.isVisible('[data-testid=kinds-menu]')));

    // A row selected in the live tail stays in view while newer rows keep arriving.
    const requestRow = '[data-testid=traffic-rows] .trow[data-kind=request_in]';
    await until('a request row', () => page.$(requestRow));
    await page.click(requestRow);
    await until('the inspector', () => page.isVisible('[data-testid=inspector]'));
    const picked = await page.textContent('.trow.active');
    const newer = async () => Number((await page.textContent('[data-testid=tail-held]')).match(/([\d,]+) newer/)?.[1].replace(/,/g, '') ?? 0);
    await until('100 newer rows below the selection', async () => (await newer()) >= 100, 30000);
    const held = await page.evaluate(() => {
      const row = document.querySelector('.trow.active');
      if (!row) return null;
      const r = row.getBoundingClientRect();
      const list = document.querySelector('[data-testid=traffic-rows]').getBoundingClientRect();
      return { text: row.textContent, inView: r.top >= list.top && r.bottom <= list.bottom };
    });
    assert(held && held.text === picked && held.inView, `the selected row is still in view: ${JSON.stringify(held)}`);
    await shot('5-traffic-live');

    // The inspector's splitter: a wider inspector, and the list keeps readable columns.
    const box = await page.$eval('[data-testid=inspector-splitter]', (e) => { const r = e.getBoundingClientRect(); return { x: r.left + r.width / 2, y: r.top + 200 }; });
    const before = await page.$eval('.inspector', (e) => e.getBoundingClientRect().width);
    await page.mouse.move(box.x, box.y);
    await page.mouse.down();
    await page.mouse.move(box.x - 500, box.y, { steps: 5 });
    await page.mouse.up();
    await until('a wider inspector', async () => (await page.$eval('.inspector', (e) => e.getBoundingClientRect().width)) > before + 100);
    const columns = await page.$$eval('.traffic-list .thead > span', (spans) => spans.filter((s) => s.offsetParent !== null).map((s) => [s.textContent, s.getBoundingClientRect().width]));
    const listWidth = await page.$eval('.traffic-list', (e) => e.getBoundingClientRect().width);
    assert(listWidth >= 500, `the list keeps its width: ${listWidth}`);
    assert(columns.every(([, w]) => w >= 40), `no crushed column: ${JSON.stringify(columns)}`);
    await shot('5-traffic-split');
    await page.click('[data-testid=tail-follow]');
    await until('the inspector closed', async () => !(await page.isVisible('[data-testid=inspector]')));

    // A filter narrows the rows already collected; clearing it brings them back.
    const collected = await page.$$eval('[data-testid=traffic-rows] .trow', (r) => r.length);
    const title = async () => page.textContent('.traffic-list .card-head h2');
    await page.fill('[data-testid=filter-user]', 'e2e-bob');
    await until('bob’s collected rows, from before the filter', async () => {
      const rows = await page.$$eval('[data-testid=traffic-rows] .trow', (els) => els.map((e) => e.textContent));
      return rows.length > 0 && rows.every((t) => t.includes('e2e-bob')) && rows.some((t) => t.includes('for the tail')) && /of [\d,]+ collected/.test(await title());
    });
    await page.fill('[data-testid=filter-user]', '');
    await until('every collected row again', async () => !/collected/.test(await title()) && (await page.$$('[data-testid=traffic-rows] .trow')).length >= Math.min(collected, 10));

    // Regex: an invalid one is an error under the bar (no crash); a valid one filters.
    await page.click('[data-testid=filter-regex]');
    await page.fill('[data-testid=filter-text]', '"room":"(ops');
    await until('the regex error', () => page.isVisible('[data-testid=filter-error]'));
    assert((await page.$$('[data-testid=traffic-rows] .trow')).length > 0, 'rows still shown under an invalid regex');
    await page.fill('[data-testid=filter-text]', '"room":"(ops|lobby)"');
    await until('only ops and lobby payloads', async () => {
      if (await page.isVisible('[data-testid=filter-error]')) return false;
      const rows = await page.$$eval('[data-testid=traffic-rows] .trow .payload', (els) => els.map((e) => e.textContent));
      return rows.length > 0 && rows.every((t) => /"room":"(ops|lobby)"/.test(t));
    });
    await shot('5-traffic-regex');
    await page.fill('[data-testid=filter-text]', '');
    await page.click('[data-testid=filter-regex]');

    // Problems: an unknown request is answered with an error, which the preset shows alone.
    await sendFrame('e2e-bob', { t: 'req', i: 90, m: 'no-such-request', d: {} });
    await page.click('[data-testid=filter-problems]');
    const problems = ['error_out', 'server_reply_error', 'bus_in_rejected', 'subscribe_denied', 'slow_consumer', 'auth_refused', 'frame_error'];
    await until('bob’s error among the problems', async () => {
      const kinds = await page.$$eval('[data-testid=traffic-rows] .trow', (els) => els.map((e) => [e.dataset.kind, e.textContent]));
      return kinds.length > 0 && kinds.every(([k]) => problems.includes(k)) && kinds.some(([k, t]) => k === 'error_out' && t.includes('e2e-bob'));
    });
    assert((await page.textContent('[data-testid=filter-kinds]')).includes('problems'), 'the kinds button says problems');
    await shot('5-traffic-problems');
    await page.click('[data-testid=filter-problems]');

    await page.click('[data-testid=mode-history]');
    await until('history rows', async () => (await page.$$('[data-testid=history-rows] .trow')).length > 5);
    await page.fill('[data-testid=filter-user]', 'e2e-bob');
    await until('only bob', async () => {
      const rows = await page.$$eval('[data-testid=history-rows] .trow', (els) => els.map((e) => e.textContent));
      return rows.length > 0 && rows.every((t) => t.includes('e2e-bob'));
    });
    await page.click('[data-testid=history-rows] .trow');
    await page.click('[data-testid=jump-conn]');
    await until('the connection panel', async () => (await page.evaluate(() => location.hash)).startsWith('#/connections?id='));
    await go('#/traffic?mode=history&kind=room_broadcast');
    await until('broadcast rows', async () => (await page.$$('[data-testid=history-rows] .trow[data-kind=room_broadcast]')).length > 0);
    await shot('5-traffic-history');
  });

  await check('traffic summary: rates per kind and name, top talkers, sampled rows with what was not shown', async () => {
    await go('#/traffic?mode=summary');
    const rate = async () => Number((await page.textContent('[data-testid=summary-rate]')).replace(/,/g, ''));
    await until('a rate in the summary', async () => (await rate()) > 0);
    await until('request_in say among the rates', async () =>
      (await page.$$eval('[data-testid=summary-names] tbody tr', (trs) => trs.map((t) => t.textContent))).some((t) => t.startsWith('request_insay')));
    // Bob sends far more than any simulated client: he tops the users sending most. In groups
    // of 8, below the 16 requests a session may have in flight (docs/reliability.md).
    for (let i = 0; i < 40; i++) {
      await sendFrame('e2e-bob', { t: 'req', i: 300 + i, m: 'say', d: { room: 'e2e-room', text: `burst ${i}` } });
      if (i % 8 === 7) await page.waitForTimeout(150);
    }
    const topUser = async () =>
      (await page.$$eval('[data-testid=summary-users] tbody tr', (trs) => trs.map((t) => [...t.querySelectorAll('td')].map((d) => d.textContent))))[0];
    await until('bob first among the users sending most, with his 40 requests', async () => {
      const u = await topUser();
      return u && u[0] === 'e2e-bob' && Number(u[3].replace(/,/g, '')) >= 40;
    }, 15000);
    assert((await page.$$('[data-testid=summary-conns] tbody tr')).length > 1, 'connections sending most are listed');
    // Sampling: one row per kind and name each second, and a count of the rest.
    const notShown = async () => Number((await page.textContent('[data-testid=summary-not-shown]')).match(/([\d,]+) rows not shown/)?.[1].replace(/,/g, '') ?? -1);
    await until('rows not shown counted', async () => (await notShown()) > 0);
    const samples = await page.$$eval('[data-testid=summary-samples] .sample', (els) => els.map((e) => e.textContent));
    assert(samples.length > 0, 'sampled rows are listed');
    await shot('5-traffic-summary');
    // The filter applies to the summary too.
    await page.fill('[data-testid=filter-user]', 'e2e-bob');
    await until('only bob in the summary', async () => {
      const u = await page.$$eval('[data-testid=summary-users] tbody tr td:first-child', (tds) => tds.map((t) => t.textContent));
      return u.length === 1 && u[0] === 'e2e-bob';
    });
    await page.fill('[data-testid=filter-user]', '');
  });

  await check('traffic: a broadcast shows the request that caused it, and that request its answer and latency', async () => {
    const page1 = await until('a recorded broadcast caused by a say', async () => {
      const p = await api('/api/traffic/query', { method: 'POST', body: JSON.stringify({ filter: { kinds: ['room_broadcast'] }, cursor: { at: 'end' }, limit: 50 }) });
      return p.rows.find((r) => r.cause != null) ? p : null;
    });
    const row = page1.rows.find((r) => r.cause != null);
    await go(`#/traffic?mode=history&seq=${row.seq}`);
    await until('the cause in the inspector', async () => ((await page.textContent('[data-testid=inspector-cause]').catch(() => '')) ?? '').includes(`say #${row.cause} from`));
    await shot('5-traffic-cause');
    await page.click('[data-testid=jump-cause]');
    await until('the answer of the say', () => page.isVisible('[data-testid=inspector-answer]'));
    const answer = (await page.textContent('[data-testid=inspector-answer]')) ?? '';
    assert(/(response|error) to say #\d+/.test(answer) && /in \d/.test(answer), `the answer with its latency: ${answer}`);
    await shot('5-traffic-answer');
    // The list, without the inspector, has room for its latency column.
    await page.click('.inspector button:has-text("Close")');
    await until('a latency shown', async () => (await page.$$eval('[data-testid=traffic-latency]', (cells) => cells.some((c) => /\d (µs|ms|s)$/.test(c.textContent ?? '')))));
    await shot('5-traffic-latency');
  });

  await check('push: validated by hand, reaches a real client, listed in history', async () => {
    await go(`#/push?target=conn&id=${alice}`);
    await page.selectOption('[data-testid=push-name]', 'alert');
    await page.fill('[data-testid=push-payload]', '{"level":"loud"}');
    await until('schema issues', () => page.isVisible('[data-testid=push-issues]'));
    assert(await page.isDisabled('[data-testid=push-send]'), 'send is disabled for an invalid payload');
    await page.fill('[data-testid=push-payload]', '{"level":"info","text":"pushed by hand"}');
    await until('send enabled', () => page.isEnabled('[data-testid=push-send]'));
    await page.click('[data-testid=push-send]');
    await until('the result', async () => (await page.getAttribute('[data-testid=push-result]', 'data-delivered')) === '1');
    await until('alice receives the alert', async () =>
      (await framesOf('e2e-alice')).some((f) => f.t === 'evt' && f.e === 'alert' && f.d.text === 'pushed by hand'));
    await until('history', async () => (await page.textContent('[data-testid=push-history]')).includes('alert'));
    // Who received it.
    await until('the receivers', async () => (await page.textContent('[data-testid=push-receivers]')).includes('e2e-alice'));
    await shot('6-push');
  });

  await check('push: connection and user pickers, the last recorded payload, a warning when nobody is reached', async () => {
    // The panel reads its target from the address when it opens (and the contract with it).
    await go('#/overview');
    await go('#/push?target=conn');
    await page.fill('[data-testid=push-conn]', 'e2e-al');
    await until('alice suggested', () => page.isVisible(`[data-testid=push-conn-menu] [data-conn="${alice}"]`));
    await page.click(`[data-testid=push-conn-menu] [data-conn="${alice}"]`);
    await until('her id filled in', async () => (await page.inputValue('[data-testid=push-conn]')) === alice);
    await page.click('[data-testid=push-kind-user]');
    await page.fill('[data-testid=push-user]', 'e2e-b');
    await until('bob suggested', async () => (await page.textContent('[data-testid=push-user-menu]')).includes('e2e-bob'));
    await page.click('[data-testid=push-user-menu] .picker-option:has-text("e2e-bob")');
    await until('his name filled in', async () => (await page.inputValue('[data-testid=push-user]')) === 'e2e-bob');
    // The editor starts from the alert pushed by hand above, not from a schema placeholder.
    await page.selectOption('[data-testid=push-name]', 'alert');
    await until('the last recorded alert', async () => (await page.inputValue('[data-testid=push-payload]')).includes('pushed by hand'));
    await shot('6-push-pickers');
    // A room nobody is in: sent, and reached nobody.
    await go('#/overview');
    await go('#/push?target=rooms&room=e2e-nobody-here&name=message');
    await until('message picked', async () => (await page.inputValue('[data-testid=push-name]')) === 'message');
    await until('send enabled', () => page.isEnabled('[data-testid=push-send]'));
    await page.click('[data-testid=push-send]');
    await until('the warning', () => page.isVisible('[data-testid=push-nobody]'));
    assert((await page.textContent('[data-testid=push-nobody]')).includes('e2e-nobody-here'), 'names the target');
    await shot('6-push-nobody');
  });

  await check('try it: a console test connection from the contract, a request answered, a push received, recorded as console', async () => {
    // The contract's Try it button opens the panel for that request, its payload prefilled.
    await go('#/contract');
    await until('messages', () => page.isVisible('[data-testid=try-user-join]'));
    await page.click('[data-testid=try-user-join]');
    await until('the open form', () => page.isVisible('[data-testid=try-open-form]'));
    assert((await page.inputValue('[data-testid=try-role]')) === 'user', 'the role comes from the contract');
    await page.fill('[data-testid=try-params]', 'name=e2e-try');
    await page.click('[data-testid=try-open]');
    await until('connected', async () => (await page.getAttribute('[data-testid=try-session]', 'data-state')) === 'connected');
    await until('join prefilled', async () => (await page.inputValue('[data-testid=try-request-name]')) === 'join');
    await page.fill('[data-testid=try-payload]', '{"room":"e2e-try-room"}');
    await page.click('[data-testid=try-send]');
    await until('the answer', async () => (await page.getAttribute('[data-testid=try-answer]', 'data-ok')) === 'true');
    assert((await page.textContent('[data-testid=try-answer]')).includes('"ok"'), 'the reply is shown');
    // Subscribed to the shared topic, a publication fired by hand arrives in the list.
    await page.selectOption('[data-testid=try-topic]', 'announce');
    await page.click('[data-testid=try-subscribe]');
    await until('subscribed', async () => (await page.textContent('[data-testid=try-subscriptions]')).includes('announce'));
    await api('/api/push', { method: 'POST', body: JSON.stringify({ target: { kind: 'shared_topic' }, name: 'announce', payload: { msg: 'e2e try it' } }) });
    await until('the push listed', async () => (await page.isVisible('[data-testid=try-pushes]')) && (await page.textContent('[data-testid=try-pushes]')).includes('e2e try it'));
    await shot('9-try');
    // The test connection's traffic is recorded with origin console.
    const conn = await connId('e2e-try');
    await until('console rows', async () => {
      const p = await api('/api/traffic/query', { method: 'POST', body: JSON.stringify({ filter: { origins: ['console'], conns: [conn] }, cursor: { at: 'end' }, limit: 20 }) });
      return p.rows.some((r) => r.kind === 'request_in' && r.name === 'join');
    });
    const id = await page.getAttribute('[data-testid=try-session]', 'data-id');
    await page.click(`[data-testid=try-close-${id}]`);
    await until('closed', async () => (await api('/api/try')).sessions.length === 0);
    await until('back to the open form', () => page.isVisible('[data-testid=try-open-form]'));
  });

  await check('export: a JSONL download that parses', async () => {
    await go('#/export?user=e2e-bob');
    await page.check('[data-testid=format-jsonl]');
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('[data-testid=export-run]')]);
    const path = join(work, download.suggestedFilename());
    await download.saveAs(path);
    const lines = readFileSync(path, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    assert(lines[0].format === 'switchboard-capture', 'a header line');
    assert(lines.length > 2 && lines.slice(1).every((r) => r.user === 'e2e-bob' || !r.user), 'bob’s rows');
    await until('the results table', () => page.isVisible('[data-testid=export-results]'));
    await shot('7-export');
  });

  await check('replay: a client replay of the current session against an isolated server (the default)', async () => {
    await go('#/replay');
    await until('the empty state or a previous replay', () => page.isVisible('[data-testid=panel-replay]'));
    await until('the current session picked', async () => (await page.inputValue('[data-testid=replay-session]')) !== '');
    await page.click('[data-testid=replay-mode-clients]');
    // The live server is an explicit choice, with a warning; the isolated server is the default.
    await page.click('[data-testid=replay-target-live]');
    await until('the live-server warning', () => page.isVisible('[data-testid=replay-live-warning]'));
    await page.click('[data-testid=replay-target-isolated]');
    await until('the isolated-server note', () => page.isVisible('[data-testid=replay-isolated-note]'));
    assert(!(await page.isVisible('[data-testid=replay-live-warning]')), 'no warning for the isolated server');
    await page.selectOption('[data-testid=replay-speed]', '0');
    await page.click('[data-testid=replay-start]');
    await until('the replay running', () => page.isVisible('[data-testid=replay-progress]'));
    const state = await until(
      'the replay finished',
      async () => {
        const s = await page.getAttribute('[data-testid=replay-progress]', 'data-state');
        return s === 'finished' || s === 'failed' || s === 'stopped' ? s : null;
      },
      120000,
    );
    assert(state === 'finished', `the replay ended ${state}: ${await page.textContent('[data-testid=replay-progress]')}`);
    await until('the report', () => page.isVisible('[data-testid=replay-report]'));
    const diffs = Number(await page.getAttribute('[data-testid=replay-report]', 'data-differences'));
    if (diffs > 0) {
      await until('the differences listed', async () => (await page.$$('[data-testid=replay-diff]')).length > 0);
      // Grouped by path with counts; a group opens to its messages, whose rows link to Traffic.
      await until('the groups', () => page.isVisible('[data-testid=replay-groups]'));
      const before = (await page.$$('[data-testid=replay-diff]')).length;
      await page.click('[data-testid=replay-group-toggle]');
      await until('the group opened', async () => (await page.$$('[data-testid=replay-diff]')).length > before);
      const href = await page.getAttribute('[data-testid=replay-row-link]', 'href');
      assert(/^#\/traffic\?mode=history&seq=\d+$/.test(href ?? ''), `a row link to Traffic: ${href}`);
    }
    else await until('the no-differences note', () => page.isVisible('[data-testid=replay-no-diffs]'));
    await shot('8-replay');
    if (diffs > 0) {
      const first = await page.$('[data-testid=replay-diff]');
      await first.scrollIntoViewIfNeeded();
      await shot('8-replay-diff');
    }
    // The report is read a page at a time: more differences than one page load on demand.
    const listed = (await page.$$('[data-testid=replay-diff]')).length;
    if (diffs > listed) {
      await page.click('[data-testid=replay-more]');
      await until('the next page of differences', async () => (await page.$$('[data-testid=replay-diff]')).length > listed);
    }
    // A connection picked in the table narrows the list to its own messages.
    const rows = await page.$$('[data-testid=replay-conn]');
    if (diffs > 0 && rows.length > 1) {
      const withDiffs = await page.$$eval('[data-testid=replay-conn]', (trs) =>
        trs.findIndex((tr) => Number(tr.children[3].textContent.replace(/[^0-9]/g, '')) > 0));
      assert(withDiffs >= 0, 'a connection with differences in the table');
      await rows[withDiffs].click();
      await until('only that connection listed', () => page.isVisible('[data-testid=replay-only-conn]'));
      const conn = (await page.textContent('[data-testid=replay-only-conn] .mono')).trim();
      await until('its differences listed', async () => {
        const cards = await page.$$eval('[data-testid=replay-diff]', (ds) => ds.map((d) => d.textContent));
        return cards.length > 0 && cards.every((t) => t.includes(conn));
      });
      await page.$eval('[data-testid=replay-only-conn]', (el) => el.scrollIntoView({ block: 'center' }));
      await shot('8-replay-conn');
      await page.click('[data-testid=replay-only-conn] button');
      await until('every connection listed again', async () => !(await page.isVisible('[data-testid=replay-only-conn]')));
    }
    // Pushes that only arrived in another order are listed apart, as moved.
    const moved = Number(await page.getAttribute('[data-testid=replay-report]', 'data-moved'));
    if (moved > 0) {
      await page.click('[data-testid=replay-filter-moved]');
      await until('the moved pushes listed', async () => (await page.$$('[data-testid=replay-diff] .status-moved')).length > 0);
      await page.$eval('[data-testid=replay-filter]', (el) => el.scrollIntoView());
      await shot('8-replay-moved');
    }
  });

  await check('rooms past the grouping limit: groups expand on click, the page answers, counts agree', async () => {
    // A second console with more simulated clients than the graph draws one by one.
    const many = spawn(bin, ['--headless', '--listen', '127.0.0.1:0', '--ui-listen', '127.0.0.1:0', '--simulate', '360', '--db', join(work, 'many.db')], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, DISPLAY: '', WAYLAND_DISPLAY: '' },
    });
    let manyOut = '';
    many.stdout.on('data', (d) => (manyOut += d));
    many.stderr.on('data', (d) => (manyOut += d));
    const second = await context.newPage();
    second.on('pageerror', (e) => pageErrors.push(e.message));
    // Past 300 members the snapshot counts instead of listing every member.
    const graphAnswers = [];
    second.on('response', async (r) => {
      if (!r.url().includes('/api/graph')) return;
      try {
        graphAnswers.push({ url: r.url(), body: await r.json() });
      } catch {
        // a page closing mid-answer
      }
    });
    try {
      const url = await until('the second console URL', () => manyOut.match(/http:\/\/127\.0\.0\.1:\d+\/\?token=[0-9a-f]+/)?.[0], 30000);
      await second.goto(`${url}#/rooms`);
      const g = (f) => second.evaluate((f) => new Function('cy', `return (${f})(cy)`)(document.querySelector('[data-testid=membership-graph]').__cy), f.toString());
      await until('groups drawn', async () => (await second.getAttribute('[data-testid=membership-graph]', 'data-grouped')) === 'true' && (await g((cy) => cy.nodes('[kind = "group"]').length)) > 0, 60000);
      // Clicks answer: a room from the list.
      await second.click('[data-testid=room-list] li[data-room=lobby]');
      await until('the room opened', async () => (await second.evaluate(() => location.hash)).includes('room=lobby') && (await second.isVisible('[data-testid=room-detail-size]')));
      const count = Number((await second.textContent('[data-testid=room-detail-size]')).replace(/[^0-9]/g, ''));
      assert(count > 0, 'members counted');
      // A group expands on click into its members (once the first layout has placed it).
      await until('the first layout', () => second.$eval('[data-testid=membership-graph]', (el) => Number(el.dataset.layouts ?? 0) >= 1 && !document.querySelector('[data-testid=graph-laying]')), 30000);
      const target = await g((cy) => {
        const n = cy.nodes('[kind = "group"]').filter((x) => x.data('room') === 'lobby')[0];
        const p = n.renderedPosition();
        const b = cy.container().getBoundingClientRect();
        return { id: n.id(), room: n.data('room'), role: n.data('role'), size: n.data('size'), x: b.left + p.x, y: b.top + p.y };
      });
      const groupLabel = await second.evaluate((id) => document.querySelector('[data-testid=membership-graph]').__cy.getElementById(id).data('label'), target.id);
      assert(/^(user|agent) ×[\d,]+$/.test(groupLabel), `a group says its role and count: ${groupLabel}`);
      await second.mouse.click(target.x, target.y);
      await until('the group expanded into members', () => second.evaluate((t) => {
        const cy = document.querySelector('[data-testid=membership-graph]').__cy;
        return cy.getElementById(t.id).length === 0 && cy.nodes('[kind = "conn"]').length > 0 && cy.nodes('[kind = "conn"]').every((n) => n.data('role') === t.role);
      }, target));
      const grouped = graphAnswers.filter((a) => a.body.grouped);
      assert(grouped.length > 0 && grouped.every((a) => a.body.conns.length === 0), 'a grouped snapshot lists no member by connection');
      await until('the expanded group asked for and listed', () => graphAnswers.some((a) => a.url.includes('expand=') && a.body.listed.some((l) => l.room === 'lobby' && l.facet === target.role && l.members.length > 0)));
      await until('list, detail and graph agree', async () => {
        const list = await second.$$eval('[data-testid=room-list] li', (lis) => lis.map((li) => [li.dataset.room, Number(li.querySelector('[data-testid=room-size]').textContent.replace(/,/g, ''))]));
        const sizes = await g((cy) => Object.fromEntries(cy.nodes('[kind = "room"]').map((n) => [n.data('room'), n.data('size')])));
        const detail = Number((await second.textContent('[data-testid=room-detail-size]')).replace(/[^0-9]/g, ''));
        return list.length > 0 && list.every(([room, n]) => sizes[room] === n && (room !== 'lobby' || detail === n));
      });
      await until('no layout under way', async () => !(await second.isVisible('[data-testid=graph-laying]')));
      await second.screenshot({ path: join(shots, '2-rooms-grouped.png') });
      await second.click('[data-testid=graph-collapse]');
      await until('collapsed again', () => second.evaluate((id) => document.querySelector('[data-testid=membership-graph]').__cy.getElementById(id).length === 1, target.id));
    } finally {
      await second.close();
      many.kill('SIGINT');
      await new Promise((r) => many.once('exit', r));
    }
  });

  await check('no page errors', async () => assert(pageErrors.length === 0, pageErrors.join('\n')));
  await check('nothing refused by the content security policy', async () =>
    assert(policyViolations.length === 0, policyViolations.join('\n')));
} finally {
  await browser.close();
  proc.kill('SIGINT');
  await new Promise((r) => proc.once('exit', r));
  rmSync(work, { recursive: true, force: true });
}

finish();
