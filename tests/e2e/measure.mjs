#!/usr/bin/env -S node --experimental-websocket
// Load measurement for docs/console.md: the console under N simulated clients at R requests/s.
// Reports API latency (median, p95, max over repeated calls) and live-batch sizes (bytes,
// traffic rows, membership changes per batch, batches per second) with and without a tail.
// Not a test: it prints numbers. Loopback only; it stops by itself.
//
// Usage: node tests/e2e/measure.mjs path/to/switchboard [clients=10000] [rate=5000] [seconds=20]
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const [bin, clients = '10000', rate = '5000', secs = '20'] = process.argv.slice(2);
const work = mkdtempSync(join(tmpdir(), 'switchboard-measure-'));
// With SIMULATOR=path/to/examples/simulate the clients run in a process of their own (each
// process then needs only one file descriptor per connection, which 10,000 clients require
// where the limit is 20,000); otherwise the console simulates them in-process.
const simulator = process.env.SIMULATOR;
const appPort = process.env.APP_PORT || '7391';
const args = simulator
  ? ['--headless', '--listen', `127.0.0.1:${appPort}`, '--db', join(work, 'capture.db')]
  : ['--headless', '--listen', '127.0.0.1:0', '--simulate', clients, '--simulate-rate', rate, '--db', join(work, 'capture.db')];
const proc = spawn(bin, args, {
  stdio: ['ignore', 'pipe', 'pipe'],
  env: { ...process.env, DISPLAY: '', WAYLAND_DISPLAY: '' },
});
let sim = null;
let out = '';
proc.stdout.on('data', (d) => (out += d));
proc.stderr.on('data', (d) => (out += d));
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
while (!/token=/.test(out)) await sleep(100);
const url = out.match(/http:\/\/127\.0\.0\.1:\d+\/\?token=[0-9a-f]+/)[0];
const base = url.split('/?')[0];
if (simulator) {
  sim = spawn(simulator, [`ws://127.0.0.1:${appPort}/`, clients, rate], { stdio: 'ignore' });
}
const token = url.split('token=')[1];
const get = async (path, init) => {
  const t = performance.now();
  const res = await fetch(base + path, { ...init, headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' } });
  const body = await res.text();
  return { ms: performance.now() - t, bytes: body.length, json: res.ok ? JSON.parse(body) : null };
};

process.stdout.write(`waiting for ${clients} connections`);
for (let i = 0; i < 150; i++) {
  const o = (await get('/api/overview')).json;
  if (o && o.connections >= Number(clients) * 0.98) break;
  process.stdout.write('.');
  await sleep(2000);
}
console.log(' ok');

const stat = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const q = (p) => s[Math.min(s.length - 1, Math.floor(p * s.length))] ?? 0;
  return { median: q(0.5), p95: q(0.95), max: s[s.length - 1] ?? 0 };
};

// Live batches, first without a tail, then tailing everything.
async function batches(tail, seconds) {
  const ws = new WebSocket(`${base.replace('http', 'ws')}/api/live?token=${token}`);
  const seen = [];
  ws.onmessage = (m) => {
    const b = JSON.parse(m.data);
    seen.push({ bytes: m.data.length, rows: b.traffic.length, changes: b.changes.length, skipped: b.traffic_skipped, at: Date.now() });
  };
  await new Promise((r) => (ws.onopen = r));
  if (tail) ws.send(JSON.stringify({ type: 'tail', filter: { since_us: null, until_us: null, kinds: [], names: [], roles: [], rooms: [], topics: [], conns: [], users: [], origins: [], text: null } }));
  await sleep(seconds * 1000);
  ws.close();
  return seen.slice(2);
}

// Every call a panel makes (and repeats while open), with the parameters it sends.
const someConn = (await get('/api/connections?limit=1&offset=5000')).json?.rows?.[0]?.id ?? 'none';
const endpoints = [
  ['GET /api/overview', () => get('/api/overview')],
  ['GET /api/connections (200 rows)', () => get('/api/connections?limit=200')],
  ['GET /api/connections (rows 5000-5199)', () => get('/api/connections?offset=5000&limit=200')],
  ['GET /api/connections?q=sim-user-42', () => get('/api/connections?q=sim-user-42')],
  ['GET /api/connections?sort=msgs_in', () => get('/api/connections?limit=200&sort=msgs_in&desc=true')],
  ['GET /api/connections?sort=age&desc=false', () => get('/api/connections?limit=200&sort=age&desc=false')],
  ['GET /api/connections?role=admin', () => get('/api/connections?limit=200&role=admin')],
  ['GET /api/connections/{id}', () => get(`/api/connections/${encodeURIComponent(someConn)}`)],
  ['GET /api/rooms', () => get('/api/rooms')],
  ['GET /api/rooms/lobby', () => get('/api/rooms/lobby')],
  ['GET /api/graph', () => get('/api/graph')],
  // What the Rooms panel asks for past 300 members with a room selected and a group expanded.
  ['GET /api/graph?room=lobby&expand=lobby%00user', () => get('/api/graph?room=lobby&expand=lobby%00user')],
  ['GET /api/contract', () => get('/api/contract')],
  ['GET /api/push/history', () => get('/api/push/history')],
  ['GET /api/host', () => get('/api/host')],
  ['GET /api/nodes', () => get('/api/nodes')],
  // The Traffic panel's history asks for 500 rows a page; 2,000 is measured too, for comparison.
  ['POST /api/traffic/query (500 newest)', () => get('/api/traffic/query', { method: 'POST', body: JSON.stringify({ filter: {}, cursor: { at: 'end' }, limit: 500 }) })],
  ['POST /api/traffic/query (2000 newest)', () => get('/api/traffic/query', { method: 'POST', body: JSON.stringify({ filter: {}, cursor: { at: 'end' }, limit: 2000 }) })],
  ['POST /api/traffic/query (text filter)', () => get('/api/traffic/query', { method: 'POST', body: JSON.stringify({ filter: { text: 'deploying' }, cursor: { at: 'end' }, limit: 500 }) })],
];
// At least 20 calls each, so the p95 is not simply the slowest call.
const rounds = Math.max(20, Math.floor(Number(secs) / 2));
console.log(`\nAPI latency over ${rounds} calls each, while ${clients} clients send ${rate} requests/s:`);
console.log('| endpoint | median ms | p95 ms | max ms | response |');
console.log('|---|---|---|---|---|');
for (const [name, f] of endpoints) {
  const times = [];
  let bytes = 0;
  for (let i = 0; i < rounds; i++) {
    const r = await f();
    times.push(r.ms);
    bytes = r.bytes;
    await sleep(100);
  }
  const s = stat(times);
  console.log(`| ${name} | ${s.median.toFixed(1)} | ${s.p95.toFixed(1)} | ${s.max.toFixed(1)} | ${(bytes / 1024).toFixed(0)} KB |`);
}

// MEASURE_LIVE=0 measures the API only.
for (const tail of process.env.MEASURE_LIVE === '0' ? [] : [false, true]) {
  const b = await batches(tail, Number(secs) / 2);
  const span = (b[b.length - 1]?.at - b[0]?.at) / 1000 || 1;
  const bytes = stat(b.map((x) => x.bytes));
  const rows = stat(b.map((x) => x.rows));
  const changes = stat(b.map((x) => x.changes));
  console.log(`\nLive batches ${tail ? 'with a tail of everything' : 'without a tail'}: ${(b.length / span).toFixed(1)} batches/s`);
  console.log(`  bytes per batch   median ${bytes.median}, p95 ${bytes.p95}, max ${bytes.max}`);
  console.log(`  rows per batch    median ${rows.median}, p95 ${rows.p95}, max ${rows.max} (${(b.reduce((n, x) => n + x.rows, 0) / span).toFixed(0)} rows/s, ${b.reduce((n, x) => n + x.skipped, 0)} skipped)`);
  console.log(`  changes per batch median ${changes.median}, p95 ${changes.p95}, max ${changes.max}`);
}
const o = (await get('/api/overview')).json;
const last = o.rates.slice(-10);
const perSec = last.reduce((n, s) => n + s.requests + s.responses + s.pushes + s.broadcasts + s.publishes + s.membership + s.lifecycle + s.errors, 0) / Math.max(1, last.length);
console.log(`\nServer: ${o.connections} connections, ${perSec.toFixed(0)} tapped events/s over the last ${last.length} s; live view dropped ${o.live.dropped}; recorder ${o.recorder.rows_written} rows, ${o.recorder.dropped} dropped`);
if (sim) {
  sim.kill('SIGINT');
  await new Promise((r) => sim.once('exit', r));
}
proc.kill('SIGINT');
await new Promise((r) => proc.once('exit', r));
rmSync(work, { recursive: true, force: true });
