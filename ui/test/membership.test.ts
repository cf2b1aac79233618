import type { Change } from '../src/api/generated/api';
import { GRAPH_CONN_LIMIT, Membership } from '../src/state/membership';

const join = (room: string, id: string, role = 'user'): Change => ({ type: 'join', room, conn: { id, role, user: id } });
const leave = (room: string, id: string, role = 'user'): Change => ({ type: 'leave', room, conn: { id, role, user: id } });

test('joins and leaves update rooms and per-role counts', () => {
  const m = new Membership();
  m.load({ rooms: [], grouped: false, conns: [], groups: [], members: 0, listed: [], by_role: [], by_node: [] });
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
  m.load({ rooms: [], grouped: false, conns: [{ id: 'a', role: 'user', user: 'a', rooms: ['lobby'] }, { id: 'b', role: 'user', user: 'b', rooms: ['lobby'] }], groups: [], members: 0, listed: [], by_role: [], by_node: [] });
  expect(m.size('lobby')).toBe(1);
  expect(m.members('lobby').map((x) => x.id)).toEqual(['a']);
  m.apply([join('lobby', 'a')]);
  expect(m.size('lobby')).toBe(1);
});

test('counts by connection past the limit too, and a disconnect leaves every room', () => {
  const m = new Membership();
  m.load({ rooms: [], grouped: false, conns: [], groups: [], members: 0, listed: [], by_role: [], by_node: [] });
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

test('a grouped snapshot gives the counts, the members asked for, and goes stale on a change', () => {
  const m = new Membership();
  m.beginLoad();
  m.load({
    rooms: [
      { name: 'lobby', size: 400, roles: [{ role: 'user', connections: 300 }, { role: 'agent', connections: 100 }] },
      { name: 'ops', size: 2, roles: [{ role: 'agent', connections: 2 }] },
    ],
    grouped: true,
    members: 401,
    conns: [],
    groups: [
      { room: 'lobby', role: 'agent', count: 100, node: 'n1' },
      { room: 'lobby', role: 'user', count: 300, node: 'n1' },
      { room: 'ops', role: 'agent', count: 2, node: 'n1' },
    ],
    listed: [
      { room: 'ops', members: [{ id: 'a1', role: 'agent', user: 'x' }, { id: 'a2', role: 'agent', user: 'y' }], total: 2 },
      { room: 'lobby', facet: 'agent', members: [{ id: 'a1', role: 'agent', user: 'x' }], total: 100 },
    ],
    by_role: [{ role: 'user', connections: 300 }, { role: 'agent', connections: 101 }],
    by_node: [{ node: 'n1', connections: 401 }],
  });
  expect(m.isCounted).toBe(true);
  expect(m.grouped).toBe(true);
  expect(m.stale).toBe(false);
  // One number for a room: the list, the size and the facets agree with the snapshot.
  expect(m.roomSizes()).toEqual([{ name: 'lobby', size: 400 }, { name: 'ops', size: 2 }]);
  expect(m.size('lobby')).toBe(400);
  expect(m.facets('lobby', false)).toEqual([{ facet: 'user', connections: 300 }, { facet: 'agent', connections: 100 }]);
  expect(m.facets('lobby', true)).toEqual([{ facet: 'n1', connections: 400 }]);
  expect(m.members('ops').map((x) => x.id)).toEqual(['a1', 'a2']);
  expect(m.members('lobby')).toEqual([]);
  expect(m.groupMembers('lobby', 'agent', false)).toEqual({ members: [{ id: 'a1', role: 'agent', user: 'x' }], total: 100 });
  expect(m.distinctMembers()).toBe(401);
  // The legend over every room counts connections (a1 is in both rooms); over one room, its groups.
  expect([...m.totals(new Set(['lobby', 'ops']), false)]).toEqual([['user', 300], ['agent', 101]]);
  expect([...m.totals(new Set(['lobby', 'ops']), true)]).toEqual([['n1', 401]]);
  expect([...m.totals(new Set(['lobby']), false)]).toEqual([['agent', 100], ['user', 300]]);
  // A change is not counted here: it makes the snapshot stale, once.
  const v = m.version;
  expect(m.apply([join('ops', 'u9')])).toBe(true);
  expect(m.stale).toBe(true);
  expect(m.version).toBe(v + 1);
  expect(m.apply([leave('ops', 'u9')])).toBe(false);
  expect(m.size('ops')).toBe(2);
});

test('a change that arrives while a grouped snapshot is on its way leaves it stale; counting by connection past the limit asks for one', () => {
  const m = new Membership();
  m.load({ rooms: [], grouped: false, conns: [], groups: [], members: 0, listed: [], by_role: [], by_node: [] });
  const many: Change[] = [];
  for (let i = 0; i <= GRAPH_CONN_LIMIT; i++) many.push(join('big', `c${i}`));
  m.apply(many);
  expect(m.stale).toBe(true);
  m.beginLoad();
  m.apply([join('big', 'late')]);
  m.load({ rooms: [{ name: 'big', size: 302, roles: [{ role: 'user', connections: 302 }] }], grouped: true, members: 302, conns: [], groups: [{ room: 'big', role: 'user', count: 302 }], listed: [], by_role: [{ role: 'user', connections: 302 }], by_node: [] });
  expect(m.conns.size).toBe(0);
  expect(m.stale).toBe(true);
  m.beginLoad();
  m.load({ rooms: [{ name: 'big', size: 302, roles: [{ role: 'user', connections: 302 }] }], grouped: true, members: 302, conns: [], groups: [{ room: 'big', role: 'user', count: 302 }], listed: [], by_role: [{ role: 'user', connections: 302 }], by_node: [] });
  expect(m.stale).toBe(false);
  // Back under the limit: members by connection again.
  m.load({ rooms: [], grouped: false, conns: [{ id: 'a', role: 'user', user: 'a', rooms: ['big'] }], groups: [], members: 1, listed: [], by_role: [], by_node: [] });
  expect(m.isCounted).toBe(false);
  expect(m.size('big')).toBe(1);
});
