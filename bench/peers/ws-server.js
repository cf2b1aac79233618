// Plain `ws` peer for the Switchboard benchmarks: rooms as sets of sockets, a broadcast is a
// `send` per member in a loop, as the ws documentation shows.
//
//   node ws-server.js PORT
//
// Text protocol: `j:ROOM` joins (answered `ok`); `s:ROOM:TEXT` sends TEXT to every member.
"use strict";
const { WebSocketServer } = require("ws");

const port = Number(process.argv[2] || 7072);
const rooms = new Map();
const wss = new WebSocketServer({ host: "127.0.0.1", port, perMessageDeflate: false, clientTracking: false });

wss.on("connection", (ws) => {
  const mine = new Set();
  ws.on("message", (data) => {
    const text = data.toString();
    if (text.startsWith("j:")) {
      const room = text.slice(2);
      if (!rooms.has(room)) rooms.set(room, new Set());
      rooms.get(room).add(ws);
      mine.add(room);
      ws.send("ok");
    } else if (text.startsWith("s:")) {
      const colon = text.indexOf(":", 2);
      const members = rooms.get(text.slice(2, colon));
      if (!members) return;
      // Encode once: every member gets the same Buffer, sent as a text frame.
      const payload = Buffer.from(text.slice(colon + 1));
      for (const member of members) member.send(payload, { binary: false });
    }
  });
  ws.on("close", () => {
    for (const room of mine) {
      const members = rooms.get(room);
      if (!members) continue;
      members.delete(ws);
      if (members.size === 0) rooms.delete(room);
    }
  });
});
wss.on("listening", () => console.log(`ready 127.0.0.1:${port} ws`));
