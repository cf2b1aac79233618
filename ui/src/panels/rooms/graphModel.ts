// What the membership graph draws, from the Membership model: rooms, and either each member or,
// past the limit, one node per room and role ("user ×349") that expands on demand. Positions
// live here too, outside the component, so nodes keep their places across updates and across
// visits to the panel; a new node starts next to its room.
import type { Membership } from '../../state/membership';
import { GRAPH_CONN_LIMIT } from '../../state/membership';

export type NodeKind = 'room' | 'conn' | 'group' | 'more';

export interface GNode {
  id: string;
  kind: NodeKind;
  label: string;
  /** Members (rooms, groups) or 1. */
  size: number;
  role?: string;
  room?: string;
  conn?: string;
  /** The rooms it hangs off (its edges), for placing it. */
  rooms: string[];
  /** room -> role key of a group, for expanding it. */
  group?: string;
  /** A group's place around its room: the i-th of n. */
  petal?: { index: number; count: number };
  /** The cluster node holding the member (attach mode), or a group's node when grouped by
   * node. Set only when the graph is grouped by node. */
  server?: string;
}

export interface GEdge {
  id: string;
  source: string;
  target: string;
}

export interface GraphView {
  nodes: GNode[];
  edges: GEdge[];
  /** Drawn as groups. */
  grouped: boolean;
  /** Members per role among the rooms shown (the legend). */
  roles: Map<string, number>;
  /** Members per cluster node among the rooms shown (the legend when grouped by node); empty
   * when no member names its node (the embedded server). */
  servers: Map<string, number>;
  /** Drawn grouped by node: members coloured by their node and pulled together per node;
   * past the limit, one node per room and cluster node instead of per role. */
  byNode: boolean;
  /** Rooms left out of the drawing (the smallest, past MAX_GRAPH_ROOMS). */
  hiddenRooms: number;
}

/** Rooms drawn at most: the largest ones (and the selected one); a search finds the others. */
export const MAX_GRAPH_ROOMS = 150;

/** Members drawn at most when one group is expanded; the rest stay one node. */
export const EXPAND_CAP = 400;

export const groupKey = (room: string, role: string) => `${room}\u0000${role}`;
/** A member's node as the graph names it ("?" for one that does not say). */
export const serverOf = (member: { node?: string | null }) => member.node ?? '?';
export const roomId = (room: string) => `room:${room}`;

/** Builds what to draw. `wasGrouped` adds some hysteresis: a graph drawn as groups goes back to
 * single members only well below the limit, so churn around it does not redraw everything. */
export function buildGraph(m: Membership, opts: { query?: string; expanded?: Set<string>; grouped?: boolean; wasGrouped?: boolean; keep?: string | null; byNode?: boolean } = {}): GraphView {
  const byNode = !!opts.byNode;
  let rooms = m.roomList(opts.query ?? '');
  let hiddenRooms = 0;
  if (rooms.length > MAX_GRAPH_ROOMS) {
    const largest = new Set([...rooms].sort((a, b) => b.size - a.size || a.name.localeCompare(b.name)).slice(0, MAX_GRAPH_ROOMS).map((r) => r.name));
    if (opts.keep) largest.add(opts.keep);
    hiddenRooms = rooms.length - largest.size;
    rooms = rooms.filter((r) => largest.has(r.name));
  }
  const shown = new Set(rooms.map((r) => r.name));
  const nodes: GNode[] = [];
  const edges: GEdge[] = [];
  const roles = m.totals(shown, false);
  const servers = m.totals(shown, true);
  const distinct = m.distinctIn(shown);
  // A grouped snapshot has no members to draw one by one.
  const grouped = m.isCounted || (opts.grouped ?? distinct > (opts.wasGrouped ? GRAPH_CONN_LIMIT * 0.9 : GRAPH_CONN_LIMIT));
  const seen = new Map<string, GNode>();
  const addConn = (room: string, id: string, role: string, user: string, server: string) => {
    const nid = `conn:${id}`;
    const known = seen.get(nid);
    if (known) known.rooms.push(room);
    else {
      const node: GNode = { id: nid, kind: 'conn', label: user, size: 1, role, conn: id, rooms: [room], ...(byNode ? { server } : {}) };
      seen.set(nid, node);
      nodes.push(node);
    }
    edges.push({ id: `e:${id}:${room}`, source: nid, target: roomId(room) });
  };
  for (const r of rooms) {
    nodes.push({ id: roomId(r.name), kind: 'room', label: roomLabel(r.name, r.size), size: r.size, room: r.name, rooms: [] });
  }
  for (const r of rooms) {
    if (!grouped) {
      for (const c of m.members(r.name)) addConn(r.name, c.id, c.role, c.user, serverOf(c));
      continue;
    }
    // Past the limit: one node per role, or per cluster node when grouped by node (its
    // `role` field then holds the node id: the key the group is expanded and coloured by).
    const facets = byNode ? m.facets(r.name, true) : r.roles.map((rc) => ({ facet: rc.role, connections: rc.connections }));
    const petals = facets.length;
    facets.forEach((rc, index) => {
      const petal = { index, count: petals };
      const key = groupKey(r.name, rc.facet);
      const gid = `group:${r.name}:${byNode ? '@' : ''}${rc.facet}`;
      const server = byNode ? { server: rc.facet } : {};
      if (opts.expanded?.has(key)) {
        const ofFacet = m.groupMembers(r.name, rc.facet, byNode);
        const drawn = ofFacet.members.slice(0, EXPAND_CAP);
        for (const c of drawn) addConn(r.name, c.id, c.role, c.user, serverOf(c));
        const rest = ofFacet.total - drawn.length;
        if (rest > 0) {
          const mid = `more:${r.name}:${byNode ? '@' : ''}${rc.facet}`;
          nodes.push({ id: mid, kind: 'more', label: `${rc.facet} +${rest.toLocaleString('en-US')} more`, size: rest, role: rc.facet, room: r.name, rooms: [r.name], group: key, petal, ...server });
          edges.push({ id: `e:${mid}`, source: mid, target: roomId(r.name) });
        }
      } else {
        nodes.push({ id: gid, kind: 'group', label: `${rc.facet} ×${rc.connections.toLocaleString('en-US')}`, size: rc.connections, role: rc.facet, room: r.name, rooms: [r.name], group: key, petal, ...server });
        edges.push({ id: `e:${gid}`, source: gid, target: roomId(r.name) });
      }
    });
  }
  return { nodes, edges, grouped, roles, servers, byNode, hiddenRooms };
}

/** Layout-only springs that pull a room's members of one cluster node together: each member
 * is tied to the first member of its node in each of its rooms. Not drawn. */
export function nodeTies(nodes: GNode[]): [string, string][] {
  const first = new Map<string, string>();
  const ties: [string, string][] = [];
  for (const n of nodes) {
    if (n.kind !== 'conn' || n.server === undefined) continue;
    for (const room of n.rooms) {
      const key = `${room}\u0000${n.server}`;
      const anchor = first.get(key);
      if (anchor === undefined) first.set(key, n.id);
      else ties.push([anchor, n.id]);
    }
  }
  return ties;
}

export interface Pos {
  x: number;
  y: number;
}

/** Where nodes were drawn: kept for the page's life, so a visit finds the graph as it left it. */
export const positions = new Map<string, Pos>();
/** The last zoom and pan, for the same reason. */
export const viewport: { zoom: number | null; pan: Pos | null; byUser: boolean } = { zoom: null, pan: null, byUser: false };

function hash(s: string): number {
  let h = 2166136261;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 16777619);
  }
  return (h >>> 0) / 4294967296;
}

/** A place for a node that has none: rooms on a spiral around the others, members and groups
 * around their rooms (between them when in several), at a distance that grows with the room.
 * `fs` is the room labels' current font size in graph units: it grows as the view zooms out
 * (so labels stay readable), and room boxes grow with it, so a member placed for the base size
 * could land under its room's box. */
export function seedPosition(node: GNode, sizes: Map<string, number>, near?: Pos, fs = 15): Pos {
  if (node.kind === 'room' && near) {
    // A new room whose members are already drawn starts beside them, its box clear of them.
    const a = hash(node.id) * Math.PI * 2;
    const hw = roomLabelWidth(node.room ?? node.label, node.size, fs) / 2 + 30;
    return { x: near.x + Math.cos(a) * Math.max(110, hw), y: near.y + Math.sin(a) * Math.max(110, fs + 30) };
  }
  if (node.kind === 'room') {
    let roomsPlaced = 0;
    for (const id of positions.keys()) if (id.startsWith('room:')) roomsPlaced++;
    // Golden-angle spiral: the i-th room lands on free ground.
    for (let i = roomsPlaced; ; i++) {
      const p = { x: 320 * Math.sqrt(i) * Math.cos(i * 2.39996), y: 320 * Math.sqrt(i) * Math.sin(i * 2.39996) };
      let free = true;
      for (const [id, q] of positions) {
        if (id.startsWith('room:') && Math.hypot(p.x - q.x, p.y - q.y) < 200) {
          free = false;
          break;
        }
      }
      if (free || i > roomsPlaced + 200) return p;
    }
  }
  const anchors = node.rooms.map((r) => positions.get(roomId(r))).filter((p): p is Pos => !!p);
  // Grouped by node: a member starts in its node's sector around the room.
  const a = node.server !== undefined ? hash(`@${node.server}`) * Math.PI * 2 + (hash(node.id) - 0.5) * 0.8 : hash(node.id) * Math.PI * 2;
  const b = hash(`${node.id}#`);
  const r = node.kind === 'conn' ? 7 : 12;
  if (near) {
    return clearOfRooms({ x: near.x + Math.cos(a) * (20 + 40 * b), y: near.y + Math.sin(a) * (20 + 40 * b) }, r, sizes, fs);
  }
  if (anchors.length === 0) return clearOfRooms({ x: Math.cos(a) * 100, y: Math.sin(a) * 100 }, r, sizes, fs);
  const cx = anchors.reduce((s, p) => s + p.x, 0) / anchors.length;
  const cy = anchors.reduce((s, p) => s + p.y, 0) / anchors.length;
  if (anchors.length > 1) return clearOfRooms({ x: cx + Math.cos(a) * 25 * b, y: cy + Math.sin(a) * 25 * b }, r, sizes, fs);
  const roomSize = sizes.get(node.rooms[0]) ?? 1;
  // Around the room's box (wider than tall: its label), further out in a bigger room.
  const halfWidth = roomLabelWidth(node.rooms[0], roomSize, fs) / 2;
  const spread = 30 + 9 * Math.sqrt(roomSize) * (0.45 + 0.55 * b);
  return clearOfRooms({ x: cx + Math.cos(a) * (halfWidth + spread), y: cy + Math.sin(a) * (fs + spread) }, r, sizes, fs);
}

/** Moves a new node of radius `r` out from under any room box (`fs` tall on each side of its
 * centre, as wide as its label), across the box's nearer edge. A few passes: leaving one box
 * can land under a neighbour's. */
export function clearOfRooms(p: Pos, r: number, sizes: Map<string, number>, fs = 15): Pos {
  let at = p;
  for (let pass = 0; pass < 6; pass++) {
    let moved = false;
    for (const [id, q] of positions) {
      if (!id.startsWith('room:')) continue;
      const name = id.slice('room:'.length);
      const hw = roomLabelWidth(name, sizes.get(name) ?? 1, fs) / 2 + r + 6;
      const hh = fs + r + 6;
      const dx = at.x - q.x;
      const dy = at.y - q.y;
      if (Math.abs(dx) >= hw || Math.abs(dy) >= hh) continue;
      at = hw - Math.abs(dx) < hh - Math.abs(dy) ? { x: q.x + (dx < 0 ? -hw : hw), y: at.y } : { x: at.x, y: q.y + (dy < 0 ? -hh : hh) };
      moved = true;
    }
    if (!moved) break;
  }
  return at;
}

/** The room label (`name · size`) and its box width at the base font size. */
export const roomLabel = (name: string, size: number) => `${name} · ${size.toLocaleString('en-US')}`;
export const roomLabelWidth = (name: string, size: number, fs = 15) => Math.round(roomLabel(name, size).length * fs * 0.62 + fs);

/** Drawn radius of a group node of `size` members. */
export const groupRadius = (size: number) => 12 + 4 * Math.log2(1 + size);

/** Where the i-th of a room's groups sits: above and below the room (its label runs
 * sideways), clear of a label `labelHeight` tall. Derived from the room's place, so groups
 * follow their room. */
export function petalPosition(room: Pos, petal: { index: number; count: number }, size: number, labelHeight = 32): Pos {
  const angle = -Math.PI / 2 + (petal.index / Math.max(1, petal.count)) * Math.PI * 2;
  const r = labelHeight / 2 + groupRadius(size) + 10;
  // An ellipse, flatter sideways where the label is.
  return { x: room.x + Math.cos(angle) * r * 1.6, y: room.y + Math.sin(angle) * r };
}
