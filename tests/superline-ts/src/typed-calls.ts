// The real super-line client, typed by the module `switchboard-server contract export` wrote
// from the demo contract, making calls to a Switchboard demo server. Type errors are part of
// the test: each `@ts-expect-error` line must be refused by tsc (tsc fails on an unused one).
import { createSuperLineClient } from "@super-line/client";
import { webSocketClientTransport } from "@super-line/transport-websocket";
import { WebSocket } from "ws";
import { contract } from "../generated/demo.js";

const url = process.argv[2];
if (!url) throw new Error("usage: node build/src/typed-calls.js ws://HOST:PORT");

function client<R extends "user" | "agent">(role: R, name: string) {
  return createSuperLineClient(contract, {
    role,
    params: { name },
    reconnect: false,
    timeoutMs: 10_000,
    validate: "inbound",
    transport: webSocketClientTransport({ url, WebSocket }),
  });
}

function typeChecks(u: ReturnType<typeof client<"user">>, a: ReturnType<typeof client<"agent">>) {
  // @ts-expect-error: `room` must be a string
  void u.join({ room: 1 });
  // @ts-expect-error: `say` needs `text`
  void u.say({ room: "lobby" });
  // @ts-expect-error: `dm` is a user request, not an agent's
  void a.dm({ to: "x", text: "y" });
  // @ts-expect-error: `ticker` is a topic, not an event
  u.on("ticker", () => {});
  // @ts-expect-error: alert levels are info, warn and error
  const level: "info" | "warn" = ({} as { level: Parameters<Parameters<typeof u.on<"alert">>[1]>[0]["level"] }).level;
  void level;
}
void typeChecks;

const results: Record<string, unknown> = {};
const alice = client("user", "alice");
const bot = client("agent", "bot");
try {
  const joined: { ok: boolean } = await alice.join({ room: "lobby" });
  results.join = joined;
  await bot.join({ room: "lobby" });
  const heard = new Promise<{ room: string; text: string; from: string }>((resolve) => {
    const off = alice.on("message", (m) => {
      if (m.from === "bot") {
        off();
        resolve(m);
      }
    });
  });
  results.say = await bot.say({ room: "lobby", text: "hello from a typed agent" });
  results.message = await heard;
  const delivered: number = (await alice.dm({ to: "alice", text: "note to self" })).delivered;
  results.delivered = delivered;
  const tick = new Promise<number>((resolve) => {
    const sub = alice.subscribe("ticker", (t) => {
      sub.unsubscribe();
      resolve(t.n);
    });
  });
  results.tickerIsNumber = typeof (await tick) === "number";
  try {
    await alice.say({ room: "elsewhere", text: "not a member" });
    results.refused = null;
  } catch (e) {
    results.refused = (e as { code?: string }).code;
  }
} finally {
  alice.close();
  bot.close();
}
console.log(JSON.stringify(results));
