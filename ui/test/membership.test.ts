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

test('switches to grouped counts past the limit', () => {
  const m = new Membership();
  m.load({ rooms: [], grouped: false, conns: [], groups: [] });
  const many: Change[] = [];
  for (let i = 0; i <= GRAPH_CONN_LIMIT; i++) many.push(join('big', `c${i}`, i % 2 ? 'agent' : 'user'));
  m.apply(many);
  expect(m.grouped).toBe(true);
  expect(m.roomSizes()).toEqual([{ name: 'big', size: GRAPH_CONN_LIMIT + 1 }]);
  m.apply([leave('big', 'c0')]);
  expect(m.roomSizes()[0].size).toBe(GRAPH_CONN_LIMIT);
});
