import type { Change } from '../src/api/generated/api';
import { GRAPH_CONN_LIMIT, Membership } from '../src/state/membership';

const join = (room: string, id: string, role = 'user'): Change => ({ type: 'join', room, conn: { id, role, user: id } });
const leave = (room: string, id: string, role = 'user'): Change => ({ type: 'leave', room, conn: { id, role, user: id } });

test('joins and leaves update rooms and per-role counts', () => {
  const m = new Membership();
  m.load({ rooms: [], grouped: false, conns: [], groups: [] });
  expect(m.apply([join('lobby', 'a'), join('lobby', 'b', 'agent'), join('ops', 'a')])).toBe(true);
  expect(m.roomSizes()).toEqual([{ name: 'lobby', size: 2 }, { name: 'ops', size: 1 }]);
  m.apply([leave('ops', 'a')]);
  expect(m.roomSizes()).toEqual([{ name: 'lobby', size: 2 }]);
  expect(m.apply([leave('ops', 'a')])).toBe(false);
});

test('a snapshot loaded while changes arrive keeps them, applied again in order', () => {
  const m = new Membership();
  m.beginLoad();
  // Arrive before the snapshot: a join it already has, and a leave that happened after it.
  m.apply([join('lobby', 'a'), join('lobby', 'b'), leave('lobby', 'b')]);
  m.load({ rooms: [], grouped: false, conns: [{ id: 'a', role: 'user', user: 'a', rooms: ['lobby'] }, { id: 'b', role: 'user', user: 'b', rooms: ['lobby'] }], groups: [] });
  expect(m.size('lobby')).toBe(1);
  expect(m.members('lobby').map((x) => x.id)).toEqual(['a']);
  m.apply([join('lobby', 'a')]);
  expect(m.size('lobby')).toBe(1);
});

test('counts by connection past the limit too, and a disconnect leaves every room', () => {
  const m = new Membership();
  m.load({ rooms: [], grouped: false, conns: [], groups: [] });
  const many: Change[] = [];
  for (let i = 0; i <= GRAPH_CONN_LIMIT; i++) many.push(join('big', `c${i}`, i % 2 ? 'agent' : 'user'));
  m.apply(many);
  m.apply([join('small', 'c1', 'agent')]);
  expect(m.grouped).toBe(true);
  expect(m.roomSizes()).toEqual([{ name: 'big', size: GRAPH_CONN_LIMIT + 1 }, { name: 'small', size: 1 }]);
  m.apply([leave('big', 'c0'), leave('big', 'c0')]);
  expect(m.size('big')).toBe(GRAPH_CONN_LIMIT);
  m.apply([{ type: 'disconnect', conn: { id: 'c1', role: 'agent', user: 'c1' } }]);
  expect(m.roomSizes()).toEqual([{ name: 'big', size: GRAPH_CONN_LIMIT - 1 }]);
  expect(m.roomList('BI')[0].roles).toEqual([{ role: 'user', connections: 150 }, { role: 'agent', connections: 149 }]);
});
