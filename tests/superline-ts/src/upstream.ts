// A small super-line TypeScript server (the real framework, from the peer) serving the demo's
// contract as `contract export` writes it: the upstream that proxy-e2e.mjs puts behind
// `switchboard proxy`. Prints `listening PORT` once it accepts connections. With UPSTREAM_SHOUT=1
// its `say` broadcasts the text in upper case: an upstream that answers differently, which a
// replay of the proxy's capture must tell apart.
import { createServer } from "node:http";
import { createSuperLineServer } from "@super-line/server";
import { webSocketServerTransport } from "@super-line/transport-websocket";
import { contract } from "../generated/demo.js";

interface Ctx { name: string }
interface Conn { ctx: Ctx }

const http = createServer();
const server = createSuperLineServer(contract, {
  transports: [webSocketServerTransport({ server: http })],
  authenticate: (hs: { query: Record<string, string> }) => {
    const role = hs.query.role;
    if (role !== "user" && role !== "agent") throw new Error("unknown role");
    return { role, ctx: { name: hs.query.name ?? "anonymous" } };
  },
  identify: (conn: Conn) => conn.ctx.name,
});
const ok = { ok: true };
const shout = process.env.UPSTREAM_SHOUT === "1";
const rooms = {
  join: async (i: { room: string }, _ctx: Ctx, conn: Conn) => (await server.room(i.room).add(conn), ok),
  leave: async (i: { room: string }, _ctx: Ctx, conn: Conn) => (server.room(i.room).remove(conn), ok),
  say: async (i: { room: string; text: string }, ctx: Ctx) => {
    const text = shout ? i.text.toUpperCase() : i.text;
    server.room(i.room).broadcast("message", { room: i.room, text, from: ctx.name });
    return ok;
  },
};
server.implement({
  user: {
    ...rooms,
    notify: async (_i: unknown, ctx: Ctx, conn: Conn & { id: string }) => {
      server.toConn(conn.id).emit("message", { room: "lobby", text: "hi", from: "system" });
      void ctx;
      return ok;
    },
    dm: async (i: { to: string; text: string }, ctx: Ctx) => {
      server.toUser(i.to).emit("message", { room: `dm:${ctx.name}`, text: i.text, from: ctx.name });
      return { delivered: 1 };
    },
  },
  agent: {
    ...rooms,
    announce: async (i: { msg: string }) => (server.publish("announce", { msg: i.msg }), ok),
  },
});
let n = 0;
setInterval(() => server.forRole("user").publish("ticker", { n: n++ }), 200);
http.listen(0, "127.0.0.1", () => {
  const addr = http.address();
  console.log(`listening ${typeof addr === "object" && addr ? addr.port : 0}`);
});
process.on("SIGTERM", () => process.exit(0));
