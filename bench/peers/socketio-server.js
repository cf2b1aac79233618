// Socket.IO 4 peer for the Switchboard benchmarks: the same application as our demo's
// `join` and `say` (a room emit of {room, text, from}), over the WebSocket transport only.
//
//   node socketio-server.js PORT [REDIS_URL]
//
// With REDIS_URL the server uses @socket.io/redis-adapter, so several processes share rooms.
"use strict";
const { Server } = require("socket.io");

async function main() {
  const port = Number(process.argv[2] || 7071);
  const redisUrl = process.argv[3];
  const io = new Server({
    transports: ["websocket"],
    perMessageDeflate: false,
    httpCompression: false,
    serveClient: false,
    maxHttpBufferSize: 1e6,
  });
  if (redisUrl) {
    const { createClient } = require("redis");
    const { createAdapter } = require("@socket.io/redis-adapter");
    const pub = createClient({ url: redisUrl });
    const sub = pub.duplicate();
    await Promise.all([pub.connect(), sub.connect()]);
    io.adapter(createAdapter(pub, sub));
  }
  io.on("connection", (socket) => {
    socket.on("join", (room, ack) => {
      socket.join(room);
      if (typeof ack === "function") ack({ ok: true });
    });
    socket.on("say", (msg, ack) => {
      io.to(msg.room).emit("message", { room: msg.room, text: msg.text, from: socket.id });
      if (typeof ack === "function") ack({ ok: true });
    });
  });
  io.listen(port);
  console.log(`ready 127.0.0.1:${port} socket.io${redisUrl ? " + redis adapter" : ""}`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
