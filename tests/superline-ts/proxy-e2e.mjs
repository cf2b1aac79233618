// `switchboard proxy` end to end: a super-line TypeScript server (src/upstream.ts, the real
// framework) behind the console's proxy, real super-line clients joining, saying and
// subscribing through it; the console's API shows their traffic with latencies, and a HAR
// export of the capture holds each client's frames; the Connections panel lists them, Rooms
// says rooms cannot be seen through a proxy, and a push by hand from the Push panel reaches a
// client; the console closes a client's connection on both sides; and a replay of the capture
// against the upstream gives zero differences, while one against an upstream that answers
// differently reports them. Screenshots of the console in proxy mode go to artifacts/.
//
//   node tests/superline-ts/proxy-e2e.mjs path/to/switchboard path/to/switchboard-server
// (run.mjs must have run first: it compiles build/.)
import { spawn, execFileSync } from "node:child_process";
import { createRequire } from "node:module";
import { mkdtempSync, readFileSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { createInterface } from "node:readline";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import assert from "node:assert/strict";
import { WebSocket } from "ws";
import { createSuperLineClient } from "@super-line/client";
import { webSocketClientTransport } from "@super-line/transport-websocket";

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, "../..");
const [consoleBin, serverBin] = process.argv.slice(2);
if (!consoleBin || !serverBin) throw new Error("usage: proxy-e2e.mjs SWITCHBOARD SWITCHBOARD_SERVER");
const { contract } = await import(pathToFileURL(join(here, "build/generated/demo.js")).href);
const dir = mkdtempSync(join(tmpdir(), "sb-proxy-"));
const db = join(dir, "proxy.db");

/** Starts `cmd` and resolves with the first match of each pattern on its stdout. */
function start(cmd, args, patterns, env = {}) {
  const child = spawn(cmd, args, { stdio: ["ignore", "pipe", "inherit"], env: { ...process.env, ...env } });
  const found = {};
  const ready = new Promise((resolve, reject) => {
    child.on("exit", (code) => reject(new Error(`${cmd} exited (${code})`)));
    createInterface({ input: child.stdout }).on("line", (line) => {
      for (const [key, re] of Object.entries(patterns)) {
        const m = re.exec(line);
        if (m && !(key in found)) found[key] = m[1];
      }
      if (Object.keys(patterns).every((k) => k in found)) resolve(found);
    });
  });
  return { child, ready };
}

const upstream = start(process.execPath, [join(here, "build/src/upstream.js")], { port: /^listening (\d+)/ });
const { port } = await upstream.ready;
const proxy = start(consoleBin, ["proxy", "--upstream", `ws://127.0.0.1:${port}`, "--listen", "127.0.0.1:0", "--headless", "--db", db], {
  app: /clients connect to (ws:\/\/\S+)/,
  ui: /console\s+(http:\/\/\S+)/,
});
let failed = 0;
/** Opens the console at `hash` in Chromium, waits for each of `selectors`, and screenshots it. */
async function shoot(ui, hash, selectors, file) {
  const { chromium } = createRequire(join(root, "ui", "package.json"))("playwright-core");
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"],
  });
  try {
    const page = await (await browser.newContext({ viewport: { width: 1440, height: 900 } })).newPage();
    await page.goto(ui);
    await page.evaluate((h) => (location.hash = h), hash);
    for (const selector of selectors) await page.waitForSelector(selector, { timeout: 15_000 });
    await page.waitForTimeout(500);
    await page.screenshot({ path: join(root, "artifacts", file) });
  } finally {
    await browser.close();
  }
}
async function check(name, fn) {
  try {
    await fn();
    console.log(`ok   ${name}`);
  } catch (e) {
    failed++;
    console.log(`FAIL ${name}\n${e.stack ?? e}`);
  }
}

try {
  const { app, ui } = await proxy.ready;
  const token = new URL(ui).searchParams.get("token");
  const api = async (path, init = {}) => {
    const res = await fetch(new URL(path, ui), { ...init, headers: { authorization: `Bearer ${token}`, "content-type": "application/json" } });
    assert.equal(res.status, 200, `${path}: ${res.status}`);
    return res.json();
  };
  const client = (role, name) => createSuperLineClient(contract, {
    role, params: { name }, reconnect: false, timeoutMs: 10_000,
    transport: webSocketClientTransport({ url: app, WebSocket }),
  });

  const alice = client("user", "alice");
  const bob = client("user", "bob");
  const bot = client("agent", "bot");
  await check("super-line clients join, say and subscribe through the proxy", async () => {
    assert.deepEqual(await alice.join({ room: "lobby" }), { ok: true });
    assert.deepEqual(await bob.join({ room: "lobby" }), { ok: true });
    const heard = new Promise((resolve) => alice.on("message", (m) => m.from === "bob" && resolve(m)));
    assert.deepEqual(await bob.say({ room: "lobby", text: "hello through the proxy" }), { ok: true });
    assert.deepEqual(await heard, { room: "lobby", text: "hello through the proxy", from: "bob" });
    const tick = new Promise((resolve) => {
      const sub = alice.subscribe("ticker", (t) => { sub.unsubscribe(); resolve(t); });
    });
    assert.equal(typeof (await tick).n, "number");
    assert.deepEqual(await bot.join({ room: "lobby" }), { ok: true });
  });

  await check("the console's API shows their traffic with latencies", async () => {
    let rows = [];
    for (let tries = 0; tries < 100; tries++) {
      rows = (await api("/api/traffic/query", { method: "POST", body: JSON.stringify({ filter: {}, cursor: { at: "start" }, limit: 500 }) })).rows;
      if (rows.filter((r) => r.kind === "response_out").length >= 4 && rows.some((r) => r.kind === "subscribe")) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const answers = rows.filter((r) => r.kind === "response_out");
    assert.ok(answers.length >= 4, `answers: ${answers.length}`);
    for (const a of answers) assert.equal(typeof a.meta?.duration_us, "number", JSON.stringify(a));
    assert.deepEqual(new Set(rows.filter((r) => r.kind === "connect").map((r) => r.user)), new Set(["alice", "bob", "bot"]));
    assert.ok(rows.some((r) => r.kind === "emit" && r.name === "message" && r.user === "alice"), "the broadcast, as alice received it");
    assert.ok(rows.some((r) => r.kind === "shared_publish" && r.topic === "ticker"), "a ticker publish");
    assert.ok(rows.some((r) => r.kind === "subscribe" && r.topic === "ticker"));
    assert.ok(rows.every((r) => r.node?.startsWith?.("proxy:") ?? true));
  });

  // Live traffic while the screenshots are taken: bob follows the ticker and chats.
  bob.subscribe("ticker", () => {});
  // Every say is awaited before the clients close: a request cut off by its own client's close
  // has no answer in the capture, and a replay would get one.
  const said = [];
  const chatter = setInterval(() => said.push(bob.say({ room: "lobby", text: "still here" }).catch((e) => console.error("chatter:", e.code ?? e.message))), 300);
  const shots = join(root, "artifacts");
  mkdirSync(shots, { recursive: true });
  await check("the console in proxy mode shows the relayed traffic live (screenshots in artifacts/)", async () => {
    const { chromium } = createRequire(join(root, "ui", "package.json"))("playwright-core");
    const browser = await chromium.launch({
      executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
      args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"],
    });
    try {
      const page = await (await browser.newContext({ viewport: { width: 1440, height: 900 } })).newPage();
      const errors = [];
      page.on("pageerror", (e) => errors.push(e.message));
      await page.goto(ui);
      await page.evaluate(() => (location.hash = "#/traffic"));
      // bob's chat and the ticker keep flowing meanwhile: the live view fills with them.
      await page.waitForFunction(() => document.body.innerText.includes("request_in") && document.body.innerText.includes("shared_publish"), null, { timeout: 20_000 });
      await page.screenshot({ path: join(shots, "proxy-traffic.png") });
      await page.evaluate(() => (location.hash = "#/overview"));
      // The overview counts the proxied connections and the status bar names the upstream.
      await page.waitForFunction(() => document.querySelector('[data-testid="nodes-status"]')?.textContent?.includes("proxy to ws://"), null, { timeout: 10_000 });
      await page.waitForTimeout(1500);
      await page.screenshot({ path: join(shots, "proxy-overview.png") });

      // Connections lists the three clients with their roles, from the handshakes.
      await page.evaluate(() => (location.hash = "#/connections"));
      await page.waitForFunction(() => {
        const t = document.querySelector('[data-testid="panel-connections"]')?.textContent ?? "";
        return ["alice", "bob", "bot", "agent"].every((w) => t.includes(w));
      }, null, { timeout: 10_000 });
      await page.screenshot({ path: join(shots, "proxy-connections.png") });

      // Rooms says why it is empty instead of drawing an empty graph.
      await page.evaluate(() => (location.hash = "#/rooms"));
      await page.waitForSelector('[data-testid="rooms-proxy-note"]', { timeout: 10_000 });
      assert.match(await page.textContent('[data-testid="panel-rooms"]'), /cannot be seen through a proxy/);
      await page.screenshot({ path: join(shots, "proxy-rooms.png") });

      // Push: rooms and topics are disabled with the reason; an event sent by hand to alice's
      // connection reaches her super-line client as if the upstream had sent it.
      const aliceId = (await api("/api/connections?q=alice")).rows.find((r) => r.user === "alice").id;
      const payload = JSON.stringify({ room: "lobby", text: "pushed by hand", from: "console" });
      const pushed = new Promise((resolve) => alice.on("message", (m) => m.from === "console" && resolve(m)));
      await page.evaluate(([id, p]) => (location.hash = `#/push?target=conn&id=${encodeURIComponent(id)}&name=message&payload=${encodeURIComponent(p)}`), [aliceId, payload]);
      await page.waitForSelector('[data-testid="push-proxy-note"]', { timeout: 10_000 });
      for (const k of ["rooms", "role_topic", "shared_topic"]) assert.ok(await page.isDisabled(`[data-testid="push-kind-${k}"]`), `${k} is disabled`);
      assert.ok(!(await page.isDisabled('[data-testid="push-kind-conn"]')));
      await page.click('[data-testid="push-send"]');
      await page.waitForSelector('[data-testid="push-result"][data-delivered="1"]', { timeout: 10_000 });
      assert.deepEqual(await pushed, { room: "lobby", text: "pushed by hand", from: "console" });
      await page.screenshot({ path: join(shots, "proxy-push.png") });
      // The recorder writes off the hot path: wait for the row.
      let manual = [];
      for (let tries = 0; tries < 100 && !manual.some((r) => r.conn === aliceId); tries++) {
        if (tries) await new Promise((r) => setTimeout(r, 100));
        manual = (await api("/api/traffic/query", { method: "POST", body: JSON.stringify({ filter: { origins: ["manual"] }, cursor: { at: "end" }, limit: 10 }) })).rows;
      }
      assert.ok(manual.some((r) => r.kind === "to_conn" && r.conn === aliceId && r.name === "message"), JSON.stringify(manual));
      assert.deepEqual(errors, []);
    } finally {
      await browser.close();
    }
  });
  clearInterval(chatter);
  await Promise.all(said);

  await check("the console closes a client's connection on both sides, with a close code it sees", async () => {
    const carol = client("user", "carol");
    assert.deepEqual(await carol.join({ room: "side" }), { ok: true });
    const carolId = (await api("/api/connections?q=carol")).rows.find((r) => r.user === "carol").id;
    // The raw socket under the super-line client, to read the close frame it gets.
    const closed = new Promise((resolve) => {
      const ws = new WebSocket(`${app}/?role=user&name=carol-raw`);
      ws.on("close", (code, reason) => resolve({ code, reason: reason.toString() }));
      ws.on("open", async () => {
        let rows = [];
        for (let tries = 0; tries < 100 && !rows.length; tries++) {
          if (tries) await new Promise((r) => setTimeout(r, 50));
          rows = (await api("/api/connections?q=carol-raw")).rows;
        }
        await api(`/api/connections/${encodeURIComponent(rows[0].id)}/disconnect`, { method: "POST", body: JSON.stringify({ reason: "closed by the e2e" }) });
      });
    });
    assert.deepEqual(await closed, { code: 4000, reason: "closed by the e2e" });
    await api(`/api/connections/${encodeURIComponent(carolId)}/disconnect`, { method: "POST", body: "{}" });
    let rows = [];
    for (let tries = 0; tries < 100 && rows.length < 2; tries++) {
      await new Promise((r) => setTimeout(r, 100));
      rows = (await api("/api/traffic/query", { method: "POST", body: JSON.stringify({ filter: { kinds: ["disconnect"] }, cursor: { at: "start" }, limit: 10 }) })).rows
        .filter((r) => r.meta?.closed_by === "console");
    }
    assert.deepEqual(new Set(rows.map((r) => r.user)), new Set(["carol", "carol-raw"]));
    for (const r of rows) assert.equal(r.meta.code, 4000);
    // The upstream closed its side too: the connections are gone from the list.
    for (let tries = 0; tries < 100; tries++) {
      if (!(await api("/api/connections?q=carol")).rows.length) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.deepEqual((await api("/api/connections?q=carol")).rows, []);
    carol.close();
  });

  alice.close();
  bob.close();
  bot.close();
  await check("each client's close is recorded", async () => {
    let gone = [];
    for (let tries = 0; tries < 100 && gone.length < 3; tries++) {
      await new Promise((r) => setTimeout(r, 100));
      gone = (await api("/api/traffic/query", { method: "POST", body: JSON.stringify({ filter: { kinds: ["disconnect"] }, cursor: { at: "start" }, limit: 10 }) })).rows
        .filter((r) => r.meta?.closed_by !== "console");
    }
    assert.deepEqual(new Set(gone.map((r) => r.user)), new Set(["alice", "bob", "bot"]));
    for (const r of gone) assert.equal(r.meta.closed_by, "client");
  });

  /** Replays the capture against `target` through the console's API; the finished status. */
  async function replay(target) {
    // The upstream's ticker runs on its own schedule: left out on both sides.
    await api("/api/replay", { method: "POST", body: JSON.stringify({ target, speed: 0, ignore_events: ["ticker"] }) });
    for (;;) {
      const s = await api("/api/replay");
      if (!["running", "paused", "ready"].includes(s.state)) return s;
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  const replayed = async () => (await api("/api/replay/messages?filter=all&limit=500")).items;

  await check("a replay against the upstream gives zero differences", async () => {
    const s = await replay("upstream");
    assert.equal(s.state, "finished", JSON.stringify(s));
    assert.equal(s.report.target, `ws://127.0.0.1:${port}/`, "the upstream itself, not the proxy");
    assert.equal(s.report.summary.differences, 0, JSON.stringify(s.report, null, 1));
    const items = await replayed();
    const same = (stream) => items.filter((e) => e.message.stream === stream && e.message.status === "same");
    // Replies and pushes were compared, not skipped: bob's messages as alice and bot heard them.
    assert.ok(same("reply").length >= 5, `replies compared: ${same("reply").length}`);
    for (const user of ["alice", "bot"]) {
      assert.ok(same("push").some((e) => e.user === user && e.message.name === "message"), `${user}'s pushes compared`);
    }
    // The push by hand is the console's, not the upstream's: not expected back.
    assert.ok(items.some((e) => e.user === "alice" && e.message.status === "skipped" && e.message.recorded?.d?.from === "console"));
     // The Replay panel in proxy mode: the upstream as the target, and this report.
    await shoot(ui, "#/replay", ['[data-testid="replay-proxy-note"]', '[data-testid="replay-target-upstream"].on', '[data-testid="replay-progress"][data-state="finished"]'], "proxy-replay.png");
  });

  await check("the comparison is real: an upstream whose `say` shouts shows each changed message", async () => {
    const shouting = start(process.execPath, [join(here, "build/src/upstream.js")], { port: /^listening (\d+)/ }, { UPSTREAM_SHOUT: "1" });
    try {
      const { port: other } = await shouting.ready;
      const s = await replay(`ws://127.0.0.1:${other}/`);
      assert.equal(s.state, "finished", JSON.stringify(s));
      assert.ok(s.report.summary.differences > 0, JSON.stringify(s.report.summary));
      const differs = (await api("/api/replay/messages?filter=differences&limit=500")).items;
      assert.ok(differs.length > 0);
      for (const e of differs) {
        assert.equal(e.message.name, "message", JSON.stringify(e));
        assert.deepEqual(e.message.diffs.map((d) => d.path), ["$.d.text"], JSON.stringify(e));
      }
      await shoot(ui, "#/replay", ['[data-testid="replay-progress"][data-state="finished"]'], "proxy-replay-differences.png");
    } finally {
      shouting.child.kill("SIGTERM");
    }
  });
} finally {
  proxy.child.kill("SIGTERM");
  await new Promise((r) => proxy.child.on("exit", r));
  upstream.child.kill("SIGTERM");
}

await check("a HAR export of the capture holds each client's frames", async () => {
  const har = join(dir, "proxy.har");
  execFileSync(serverBin, ["capture", "export", "--db", db, "--format", "har", "--out", har], { stdio: "inherit" });
  const entries = JSON.parse(readFileSync(har, "utf8")).log.entries;
  const users = new Set();
  for (const e of entries) {
    const frames = e._webSocketMessages ?? [];
    assert.ok(frames.length > 0, "every connection has frames");
    const text = JSON.stringify(e);
    for (const u of ["alice", "bob", "bot"]) if (text.includes(u)) users.add(u);
  }
  assert.deepEqual(users, new Set(["alice", "bob", "bot"]));
});

if (failed) {
  console.log(`${failed} check(s) failed`);
  process.exit(1);
}
console.log("proxy e2e: all checks passed");
