// A WebSocket client that never reads what it is sent, on node:net alone: the upgrade, then
// masked text frames, with the socket paused from the start so the server's writes back up
// into its outbound queue. The e2e drives the console's queue column and limits with it.
import { connect } from 'node:net';
import { randomBytes } from 'node:crypto';

/** Opens `ws://host:port/?query` and resolves once the server answered 101. */
export function openHoarder(appUrl, query) {
  const url = new URL(appUrl);
  return new Promise((resolve, reject) => {
    const sock = connect(Number(url.port), url.hostname, () => {
      sock.write(
        `GET /?${query} HTTP/1.1\r\nHost: ${url.host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
          `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
      );
    });
    sock.once('error', reject);
    let head = '';
    const onData = (d) => {
      head += d.toString('latin1');
      if (!head.includes('\r\n\r\n')) return;
      sock.off('data', onData);
      // From here on nothing is read: the kernel's buffers fill, then the server's queue.
      sock.pause();
      if (!head.startsWith('HTTP/1.1 101')) return reject(new Error(head.split('\r\n')[0]));
      resolve({
        /** Sends one text frame; false once the socket is gone (the server closed it). */
        send(text) {
          if (sock.destroyed) return false;
          const payload = Buffer.from(text);
          const mask = randomBytes(4);
          const len = payload.length;
          const header = len < 126 ? Buffer.from([0x81, 0x80 | len]) : len < 65536 ? Buffer.from([0x81, 0xfe, len >> 8, len & 255]) : Buffer.alloc(10);
          if (len >= 65536) {
            header[0] = 0x81;
            header[1] = 0xff;
            header.writeBigUInt64BE(BigInt(len), 2);
          }
          for (let i = 0; i < len; i++) payload[i] ^= mask[i % 4];
          sock.write(Buffer.concat([header, mask, payload]));
          return true;
        },
        get closed() {
          return sock.destroyed;
        },
        close() {
          sock.destroy();
        },
      });
    };
    sock.on('data', onData);
    sock.on('close', () => sock.destroy());
    // A reset once the server drops it (it still has our frames unread) ends it quietly.
    sock.on('error', () => sock.destroy());
  });
}
