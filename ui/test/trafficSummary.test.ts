import type { TapKind, TrafficRow } from '../src/api/generated/api';
import { OTHER, TrafficSummary } from '../src/panels/traffic/summary';

const T0 = 1_700_000_000_000_000; // a whole second, in microseconds

function row(at_us: number, kind: TapKind, name: string | null, conn: string | null, user: string | null = null): TrafficRow {
  return { seq: null, at_us, kind, name, conn, role: user ? 'user' : null, user, rooms: [], topic: null, payload: null, payload_text: null, size: 10, recipients: null, origin: 'live' as TrafficRow['origin'], meta: null };
}

test('rates per kind and name over the window, busiest first', () => {
  const s = new TrafficSummary({ windowSec: 10 });
  const rows: TrafficRow[] = [];
  for (let sec = 0; sec < 4; sec++) {
    for (let i = 0; i < 30; i++) rows.push(row(T0 + sec * 1e6 + i * 1000, 'request_in', 'chat.send', `c${i % 3}`, `u${i % 3}`));
    for (let i = 0; i < 10; i++) rows.push(row(T0 + sec * 1e6 + i * 1000, 'room_broadcast', 'chat.message', null));
  }
  s.add(rows, null, T0 + 4e6);
  const snap = s.snapshot();
  expect(snap.seconds).toBe(4);
  expect(snap.total).toBe(160);
  expect(snap.perSec).toBe(40);
  expect(snap.names.map((n) => [n.kind, n.name, n.perSec])).toEqual([
    ['request_in', 'chat.send', 30],
    ['room_broadcast', 'chat.message', 10],
  ]);
  expect(snap.kinds.map((k) => [k.kind, k.count])).toEqual([['request_in', 120], ['room_broadcast', 40]]);
});

test('top talkers rank by what they sent, and the filter applies', () => {
  const s = new TrafficSummary();
  const rows = [
    row(T0, 'request_in', 'a', 'loud', 'ann'),
    row(T0 + 1, 'request_in', 'a', 'loud', 'ann'),
    row(T0 + 2, 'request_in', 'a', 'loud', 'ann'),
    row(T0 + 3, 'to_conn', 'x', 'quiet', 'bob'),
    row(T0 + 4, 'to_conn', 'x', 'quiet', 'bob'),
    row(T0 + 5, 'to_conn', 'x', 'quiet', 'bob'),
    row(T0 + 6, 'to_conn', 'x', 'quiet', 'bob'),
    row(T0 + 7, 'request_in', 'a', 'quiet', 'bob'),
  ];
  s.add(rows, null, T0 + 1e6);
  const snap = s.snapshot();
  expect(snap.conns.map((t) => [t.key, t.sent, t.total])).toEqual([['loud', 3, 3], ['quiet', 1, 5]]);
  expect(snap.users.map((t) => t.key)).toEqual(['ann', 'bob']);

  const only = new TrafficSummary();
  only.add(rows, (r) => r.kind === 'to_conn', T0 + 1e6);
  expect(only.snapshot().conns.map((t) => t.key)).toEqual(['quiet']);
  expect(only.snapshot().total).toBe(4);
});

test('one sample per kind and name each second, with the rows not shown counted', () => {
  const s = new TrafficSummary();
  const rows: TrafficRow[] = [];
  for (let i = 0; i < 50; i++) rows.push(row(T0 + i * 100, 'request_in', 'chat.send', 'c1'));
  for (let i = 0; i < 5; i++) rows.push(row(T0 + 1e6 + i * 100, 'request_in', 'chat.send', 'c1'));
  rows.push(row(T0 + 1e6 + 900, 'error_out', 'chat.send', 'c1'));
  s.add(rows, null, T0 + 2e6);
  const snap = s.snapshot();
  expect(snap.samples.map((x) => [x.row.kind, x.row.at_us - T0, x.hidden])).toEqual([
    ['error_out', 1e6 + 900, 0],
    ['request_in', 1e6, 4],
    ['request_in', 0, 49],
  ]);
  expect(snap.notSampled).toBe(53);
  expect(snap.samples.length + snap.notSampled).toBe(snap.total);
});

test('old seconds leave the window, and an idle stream empties it', () => {
  const s = new TrafficSummary({ windowSec: 3 });
  s.add([row(T0, 'emit', 'e', 'c')], null, T0 + 1);
  expect(s.snapshot().total).toBe(1);
  s.add([row(T0 + 2e6, 'emit', 'e', 'c')], null, T0 + 2e6);
  expect(s.snapshot().total).toBe(2);
  s.add([], null, T0 + 3e6 + 5);
  expect(s.snapshot().total).toBe(1);
  s.add([], null, T0 + 10e6);
  expect(s.snapshot().total).toBe(0);
  // A row older than the window is not counted.
  s.add([row(T0, 'emit', 'e', 'c')], null, T0 + 10e6);
  expect(s.snapshot().total).toBe(0);
});

test('distinct keys are bounded; what does not fit is counted as other', () => {
  const s = new TrafficSummary({ maxKeys: 3 });
  const rows = [0, 1, 2, 3, 4].map((i) => row(T0 + i, 'request_in', `n${i}`, `c${i}`, `u${i}`));
  s.add(rows, null, T0 + 1e6);
  const snap = s.snapshot();
  expect(snap.total).toBe(5);
  expect(snap.names).toHaveLength(4);
  expect(snap.names.find((n) => n.name === OTHER)?.count).toBe(2);
  expect(snap.names.find((n) => n.name === 'n2')?.count).toBe(1);
  expect(snap.conns.find((t) => t.key === OTHER)?.total).toBe(2);
  expect(snap.samples.length + snap.notSampled).toBe(5);
});
