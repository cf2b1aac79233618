import type { Change } from '../src/api/generated/api';
import { Membership, GRAPH_CONN_LIMIT } from '../src/state/membership';
import { MAX_GRAPH_ROOMS, buildGraph, groupKey, nodeTies, positions, roomLabelWidth, seedPosition } from '../src/panels/rooms/graphModel';
import { forceLayout } from '../src/panels/rooms/layout';

const join = (room: string, id: string, role = 'user'): Change => ({ type: 'join', room, conn: { id, role, user: `u-${id}` } });

function model(n: number, rooms = ['lobby', 'ops']): Membership {
  const m = new Membership();
  m.load({ rooms: [], grouped: false, conns: [], groups: [], members: 0, listed: [], by_role: [], by_node: [] });
  const changes: Change[] = [];
  for (let i = 0; i < n; i++) changes.push(join(rooms[i % rooms.length], `c${i}`, i % 3 ? 'user' : 'agent'));
  m.apply(changes);
  return m;
}

test('each member drawn up to the limit, groups past it, expanded on demand', () => {
  const small = buildGraph(model(10));
  expect(small.grouped).toBe(false);
  expect(small.nodes.filter((n) => n.kind === 'conn').length).toBe(10);
  expect(small.nodes.find((n) => n.id === 'room:lobby')?.label).toBe('lobby · 5');

  const big = model(GRAPH_CONN_LIMIT + 50);
  const g = buildGraph(big);
  expect(g.grouped).toBe(true);
  const groups = g.nodes.filter((n) => n.kind === 'group');
  expect(groups.length).toBe(4);
  const lobbyUsers = groups.find((n) => n.id === 'group:lobby:user');
  expect(lobbyUsers?.label).toBe(`user ×${lobbyUsers?.size}`);
  const expanded = buildGraph(big, { expanded: new Set([groupKey('lobby', 'user')]) });
  expect(expanded.nodes.some((n) => n.id === 'group:lobby:user')).toBe(false);
  expect(expanded.nodes.filter((n) => n.kind === 'conn').length).toBe(lobbyUsers?.size);
});

test('the search narrows the graph to matching rooms and their members', () => {
  const g = buildGraph(model(12, ['lobby', 'ops', 'dev']), { query: 'OP' });
  expect(g.nodes.filter((n) => n.kind === 'room').map((n) => n.id)).toEqual(['room:ops']);
  expect(g.nodes.filter((n) => n.kind === 'conn').length).toBe(4);
});

test('the graph goes back to members only well below the limit', () => {
  const m = model(GRAPH_CONN_LIMIT - 5);
  expect(buildGraph(m).grouped).toBe(false);
  expect(buildGraph(m, { wasGrouped: true }).grouped).toBe(true);
});

test('a new member starts near its room', () => {
  positions.clear();
  positions.set('room:lobby', { x: 1000, y: 1000 });
  const p = seedPosition({ id: 'conn:x', kind: 'conn', label: 'x', size: 1, rooms: ['lobby'] }, new Map([['lobby', 10]]));
  expect(Math.hypot(p.x - 1000, p.y - 1000)).toBeLessThan(200);
});

test('a new member never starts under a room box, whatever the zoom (room labels grow when zoomed out)', () => {
  for (const fs of [15, 30, 60]) {
    positions.clear();
    positions.set('room:e2e-room', { x: 0, y: 0 });
    positions.set('room:lobby', { x: 400, y: 0 });
    const sizes = new Map([['e2e-room', 2], ['lobby', 40]]);
    for (let i = 0; i < 200; i++) {
      const p = seedPosition({ id: `conn:c${i}`, kind: 'conn', label: `c${i}`, size: 1, rooms: ['e2e-room'] }, sizes, undefined, fs);
      for (const [name, q] of [['e2e-room', { x: 0, y: 0 }], ['lobby', { x: 400, y: 0 }]] as const) {
        const hw = roomLabelWidth(name, sizes.get(name) ?? 1, fs) / 2 + 7;
        const inside = Math.abs(p.x - q.x) < hw && Math.abs(p.y - q.y) < fs + 7;
        expect(inside, `conn c${i} at fs ${fs} under ${name}`).toBe(false);
      }
    }
  }
});

test('the layout keeps fixed nodes and spreads the others', () => {
  const nodes = [
    { id: 'room:a', x: 0, y: 0, room: true, fixed: true, r: 40 },
    ...Array.from({ length: 30 }, (_, i) => ({ id: `conn:${i}`, x: 1, y: 1, room: false, fixed: false, r: 7 })),
  ];
  const edges = nodes.slice(1).map((_, i) => [i + 1, 0] as [number, number]);
  const { positions: out } = forceLayout({ nodes, edges, iterations: 100 });
  expect(out['room:a']).toEqual({ x: 0, y: 0 });
  const ps = Object.entries(out).filter(([id]) => id !== 'room:a').map(([, p]) => p);
  for (const p of ps) expect(Number.isFinite(p.x) && Number.isFinite(p.y)).toBe(true);
  const distinct = new Set(ps.map((p) => `${Math.round(p.x)},${Math.round(p.y)}`));
  expect(distinct.size).toBe(30);
  for (const p of ps) expect(Math.hypot(p.x, p.y)).toBeLessThan(600);
});

test('past MAX_GRAPH_ROOMS only the largest rooms (and the selected one) are drawn', () => {
  const m = new Membership();
  m.load({ rooms: [], grouped: false, conns: [], groups: [], members: 0, listed: [], by_role: [], by_node: [] });
  const changes: Change[] = [];
  for (let i = 0; i < MAX_GRAPH_ROOMS + 10; i++) changes.push(join(`r${i}`, `c${i}`));
  for (let i = 0; i < 5; i++) changes.push(join('big', `b${i}`));
  m.apply(changes);
  const g = buildGraph(m, { keep: 'r3' });
  const rooms = g.nodes.filter((n) => n.kind === 'room').map((n) => n.room);
  expect(rooms).toContain('big');
  expect(rooms).toContain('r3');
  expect(g.hiddenRooms).toBe(MAX_GRAPH_ROOMS + 11 - rooms.length);
  expect(buildGraph(m, { query: 'r15' }).hiddenRooms).toBe(0);
});

/** Members spread over cluster nodes `a` and `b` (attach mode). */
function clustered(n: number, rooms = ['lobby', 'ops']): Membership {
  const m = new Membership();
  m.load({ rooms: [], grouped: false, conns: [], groups: [], members: 0, listed: [], by_role: [], by_node: [] });
  const changes: Change[] = [];
  for (let i = 0; i < n; i++) {
    changes.push({ type: 'join', room: rooms[i % rooms.length], conn: { id: `c${i}`, role: i % 3 ? 'user' : 'agent', user: `u-${i}`, node: i % 2 ? 'b' : 'a' } });
  }
  m.apply(changes);
  return m;
}

test('grouped by node: members carry their node, the legend counts per node, groups are per node past the limit', () => {
  const plain = buildGraph(clustered(8, ['lobby']));
  expect(plain.byNode).toBe(false);
  expect(plain.nodes.filter((n) => n.kind === 'conn').every((n) => n.server === undefined)).toBe(true);
  expect([...plain.servers.entries()].sort()).toEqual([['a', 4], ['b', 4]]);

  const byNode = buildGraph(clustered(8, ['lobby']), { byNode: true });
  expect(byNode.byNode).toBe(true);
  const conns = byNode.nodes.filter((n) => n.kind === 'conn');
  expect(conns.filter((n) => n.server === 'a').length).toBe(4);
  expect(conns.filter((n) => n.server === 'b').length).toBe(4);

  const big = buildGraph(clustered(GRAPH_CONN_LIMIT + 50, ['lobby']), { byNode: true });
  expect(big.grouped).toBe(true);
  const groups = big.nodes.filter((n) => n.kind === 'group');
  expect(groups.map((g) => [g.id, g.server]).sort()).toEqual([
    ['group:lobby:@a', 'a'],
    ['group:lobby:@b', 'b'],
  ]);
  const expanded = buildGraph(clustered(GRAPH_CONN_LIMIT + 50, ['lobby']), { byNode: true, expanded: new Set([groupKey('lobby', 'a')]) });
  const shown = expanded.nodes.filter((n) => n.kind === 'conn');
  expect(shown.length).toBe(groups.find((g) => g.server === 'a')?.size);
  expect(shown.every((n) => n.server === 'a')).toBe(true);
});

test('grouped by node: the layout keeps a room’s members of one node together', () => {
  const view = buildGraph(clustered(24, ['lobby']), { byNode: true });
  const ties = nodeTies(view.nodes);
  // Each member but the first of its node in the room is tied to that first one.
  expect(ties.length).toBe(22);
  const index = new Map(view.nodes.map((n, i) => [n.id, i]));
  const at = (i: number) => ({ x: Math.cos(i * 2.4) * 90, y: Math.sin(i * 2.4) * 90 });
  const input = {
    nodes: view.nodes.map((n, i) => ({ id: n.id, ...at(i), room: n.kind === 'room', fixed: false, r: n.kind === 'room' ? 40 : 7 })),
    edges: [...view.edges.map((e) => [index.get(e.source)!, index.get(e.target)!] as [number, number]), ...ties.map(([a, b]) => [index.get(a)!, index.get(b)!] as [number, number])],
  };
  const { positions: p } = forceLayout(input);
  const members = view.nodes.filter((n) => n.kind === 'conn');
  const centre = (server: string) => {
    const of = members.filter((n) => n.server === server).map((n) => p[n.id]);
    return { x: of.reduce((s, q) => s + q.x, 0) / of.length, y: of.reduce((s, q) => s + q.y, 0) / of.length };
  };
  const [ca, cb] = [centre('a'), centre('b')];
  // Every member is nearer its own node's centre than the other node's.
  for (const n of members) {
    const q = p[n.id];
    const own = n.server === 'a' ? ca : cb;
    const other = n.server === 'a' ? cb : ca;
    expect(Math.hypot(q.x - own.x, q.y - own.y)).toBeLessThan(Math.hypot(q.x - other.x, q.y - other.y));
  }
});

test('from a grouped snapshot: groups from the counts, an expanded group from the members listed', () => {
  const m = new Membership();
  m.load({
    rooms: [{ name: 'lobby', size: 500, roles: [{ role: 'user', connections: 450 }, { role: 'agent', connections: 50 }] }],
    grouped: true,
    members: 500,
    conns: [],
    groups: [
      { room: 'lobby', role: 'agent', count: 50, node: 'n1' },
      { room: 'lobby', role: 'user', count: 450, node: 'n1' },
    ],
    listed: [{ room: 'lobby', facet: 'user', members: [{ id: 'u1', role: 'user', user: 'one', node: 'n1' }, { id: 'u2', role: 'user', user: 'two', node: 'n1' }], total: 450 }],
    by_role: [{ role: 'user', connections: 450 }, { role: 'agent', connections: 50 }],
    by_node: [{ node: 'n1', connections: 500 }],
  });
  const g = buildGraph(m);
  expect(g.grouped).toBe(true);
  expect(g.nodes.find((n) => n.id === 'room:lobby')?.label).toBe('lobby · 500');
  expect(g.nodes.filter((n) => n.kind === 'group').map((n) => n.label)).toEqual(['user ×450', 'agent ×50']);
  expect(g.roles.get('user')).toBe(450);
  const open = buildGraph(m, { expanded: new Set([groupKey('lobby', 'user')]) });
  expect(open.nodes.filter((n) => n.kind === 'conn').map((n) => n.conn)).toEqual(['u1', 'u2']);
  expect(open.nodes.find((n) => n.kind === 'more')?.size).toBe(448);
});

test('the legend of a grouped snapshot counts each connection once, as the server counted them', () => {
  const m = new Membership();
  // 360 clients: 300 users in lobby and ops both, 60 agents in lobby; the groups count a user
  // once per room (600), the server's distinct counts once (300).
  m.load({
    rooms: [
      { name: 'lobby', size: 360, roles: [{ role: 'user', connections: 300 }, { role: 'agent', connections: 60 }] },
      { name: 'ops', size: 300, roles: [{ role: 'user', connections: 300 }] },
    ],
    grouped: true,
    members: 360,
    conns: [],
    groups: [
      { room: 'lobby', role: 'agent', count: 60, node: 'n1' },
      { room: 'lobby', role: 'user', count: 300, node: 'n1' },
      { room: 'ops', role: 'user', count: 300, node: 'n1' },
    ],
    listed: [],
    by_role: [{ role: 'user', connections: 300 }, { role: 'agent', connections: 60 }],
    by_node: [{ node: 'n1', connections: 360 }],
  });
  const g = buildGraph(m);
  expect([...g.roles]).toEqual([['user', 300], ['agent', 60]]);
  expect([...g.servers]).toEqual([['n1', 360]]);
  // Searching shows some rooms only: their groups, summed.
  const ops = buildGraph(m, { query: 'ops' });
  expect([...ops.roles]).toEqual([['user', 300]]);
});
