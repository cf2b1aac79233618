// Who is in which room. One model feeds the room list, a room's members and the graph, so they
// always show the same count. It works in one of two ways, as the server's snapshot says:
// - Up to GRAPH_CONN_LIMIT members: by connection, kept current by the live stream's changes.
//   Joins and leaves are set operations (applying one twice changes nothing), which lets a
//   snapshot be loaded while changes keep arriving: the changes received while it was on its
//   way are applied again on top of it, in order.
// - Past it (a grouped snapshot): the server's counts per room, role and node, with the members
//   the panel asked for (the selected room's, the expanded groups'). A change on the live stream
//   marks the counts stale and the panel asks for a new snapshot (at most about once a second),
//   instead of receiving every member of 10,000 connections to count them here.
import type { Change, GraphMembers, MemberRow, MembershipGraph, RoleCount } from '../api/generated/api';

/** Up to this many distinct room members the graph draws each connection; past it, one node
 * per room and role (the backend's GRAPH_CONN_LIMIT). */
export const GRAPH_CONN_LIMIT = 300;

export interface RoomInfo {
  name: string;
  size: number;
  /** Members per role, largest first. */
  roles: RoleCount[];
}

export class Membership {
  /** room -> conn id -> member. */
  rooms = new Map<string, Map<string, MemberRow>>();
  /** conn id -> the rooms it is in. */
  conns = new Map<string, { member: MemberRow; rooms: Set<string> }>();
  /** Whether a snapshot was loaded (the model is complete). */
  loaded = false;
  version = 0;
  /** Changes received since a snapshot was asked for (`null`: none is on its way). */
  private pending: Change[] | null = null;
  /** The grouped snapshot the counts come from (`null`: counted by connection here). */
  private counted: MembershipGraph | null = null;
  /** Membership changed since the snapshot, or by-connection counting passed the limit: the
   * panel should ask for a new snapshot. */
  stale = false;

  /** A snapshot is on its way: keep the changes that arrive until it does. */
  beginLoad(): void {
    this.pending = [];
  }

  load(graph: MembershipGraph): void {
    this.rooms.clear();
    this.conns.clear();
    if (graph.grouped) {
      // Counts as of the snapshot; a change that arrived meanwhile may or may not be in them.
      this.counted = graph;
      this.stale = (this.pending ?? []).some(isMembership);
      this.pending = null;
      this.loaded = true;
      this.version++;
      return;
    }
    this.counted = null;
    this.stale = false;
    for (const c of graph.conns) {
      for (const room of c.rooms) this.join(room, { id: c.id, role: c.role, user: c.user, ...(c.node ? { node: c.node } : {}) });
    }
    const replay = this.pending ?? [];
    this.pending = null;
    for (const c of replay) this.applyOne(c);
    this.loaded = true;
    this.version++;
  }

  private join(room: string, conn: MemberRow): boolean {
    let members = this.rooms.get(room);
    if (!members) {
      members = new Map();
      this.rooms.set(room, members);
    }
    if (members.has(conn.id)) return false;
    members.set(conn.id, conn);
    let entry = this.conns.get(conn.id);
    if (!entry) {
      entry = { member: conn, rooms: new Set() };
      this.conns.set(conn.id, entry);
    }
    entry.rooms.add(room);
    return true;
  }

  private leave(room: string, id: string): boolean {
    const members = this.rooms.get(room);
    if (!members?.delete(id)) return false;
    if (members.size === 0) this.rooms.delete(room);
    const entry = this.conns.get(id);
    if (entry) {
      entry.rooms.delete(room);
      if (entry.rooms.size === 0) this.conns.delete(id);
    }
    return true;
  }

  private applyOne(c: Change): boolean {
    if (c.type === 'join') return this.join(c.room, c.conn);
    if (c.type === 'leave') return this.leave(c.room, c.conn.id);
    if (c.type === 'disconnect') {
      const entry = this.conns.get(c.conn.id);
      if (!entry) return false;
      for (const room of [...entry.rooms]) this.leave(room, c.conn.id);
      return true;
    }
    return false;
  }

  /** Apply a batch of changes; returns whether anything changed (for counts from a grouped
   * snapshot: whether they just became stale). */
  apply(changes: Change[]): boolean {
    let changed = false;
    for (const c of changes) {
      if (this.pending && isMembership(c)) this.pending.push(c);
      if (this.counted) changed = (isMembership(c) && !this.stale) || changed;
      else changed = this.applyOne(c) || changed;
    }
    if (this.counted) {
      if (changed) this.stale = true;
    } else if (this.conns.size > GRAPH_CONN_LIMIT) {
      // Past the limit: a grouped snapshot replaces the members held here.
      this.stale = true;
    }
    if (changed) this.version++;
    return changed;
  }

  /** Whether the counts come from a grouped snapshot (members only as asked for). */
  get isCounted(): boolean {
    return this.counted !== null;
  }

  /** Distinct connections in at least one room. */
  distinctMembers(): number {
    return this.counted ? this.counted.members : this.conns.size;
  }

  /** More members than the graph draws one by one. */
  get grouped(): boolean {
    return this.counted !== null || this.conns.size > GRAPH_CONN_LIMIT;
  }

  size(room: string): number {
    if (this.counted) return this.counted.rooms.find((r) => r.name === room)?.size ?? 0;
    return this.rooms.get(room)?.size ?? 0;
  }

  /** Rooms with at least one member. */
  roomCount(): number {
    return this.counted ? this.counted.rooms.length : this.rooms.size;
  }

  /** Rooms whose name contains `q` (any case), by name, with sizes and roles. */
  roomList(q = ''): RoomInfo[] {
    const needle = q.trim().toLowerCase();
    const out: RoomInfo[] = [];
    if (this.counted) {
      for (const r of this.counted.rooms) {
        if (needle && !r.name.toLowerCase().includes(needle)) continue;
        out.push({ name: r.name, size: r.size, roles: r.roles });
      }
    } else {
      for (const [name, members] of this.rooms) {
        if (needle && !name.toLowerCase().includes(needle)) continue;
        out.push({ name, size: members.size, roles: roleCounts(members.values()) });
      }
    }
    return out.sort((a, b) => a.name.localeCompare(b.name));
  }

  /** The cluster nodes holding room members ("?" for members that do not say). */
  nodes(): Set<string> {
    const out = new Set<string>();
    if (this.counted) for (const g of this.counted.groups) out.add(g.node ?? '?');
    else for (const [, e] of this.conns) out.add(e.member.node ?? '?');
    return out;
  }

  /** A room's members per role, or per node with `byNode`, largest first (then by name). */
  facets(room: string, byNode: boolean): { facet: string; connections: number }[] {
    const counts = new Map<string, number>();
    if (this.counted) {
      for (const g of this.counted.groups) {
        if (g.room !== room) continue;
        const f = byNode ? g.node ?? '?' : g.role;
        counts.set(f, (counts.get(f) ?? 0) + g.count);
      }
    } else {
      for (const m of this.rooms.get(room)?.values() ?? []) {
        const f = byNode ? m.node ?? '?' : m.role;
        counts.set(f, (counts.get(f) ?? 0) + 1);
      }
    }
    return [...counts.entries()].map(([facet, connections]) => ({ facet, connections })).sort((a, b) => b.connections - a.connections || a.facet.localeCompare(b.facet));
  }

  /** Members per role, or per node with `byNode`, over `rooms` (the graph's legend), a member
   * of two of the rooms counted once. From a grouped snapshot showing every room, the server's
   * distinct counts; showing some of the rooms (a search, the largest rooms only), the groups
   * of those rooms summed, which counts a member of two of them twice (the snapshot has no
   * members to tell them apart). */
  totals(rooms: Set<string>, byNode: boolean): Map<string, number> {
    const out = new Map<string, number>();
    const bump = (k: string, n: number) => out.set(k, (out.get(k) ?? 0) + n);
    if (this.counted) {
      if (this.counted.rooms.every((r) => rooms.has(r.name))) {
        if (byNode) for (const n of this.counted.by_node) bump(n.node, n.connections);
        else for (const r of this.counted.by_role) bump(r.role, r.connections);
        return out;
      }
      for (const g of this.counted.groups) if (rooms.has(g.room)) bump(byNode ? g.node ?? '?' : g.role, g.count);
      return out;
    }
    for (const [, entry] of this.conns) {
      let inShown = false;
      for (const r of entry.rooms) if (rooms.has(r)) inShown = true;
      if (!inShown) continue;
      if (byNode) {
        if (entry.member.node) bump(entry.member.node, 1);
      } else bump(entry.member.role, 1);
    }
    return out;
  }

  /** Distinct members of `rooms` (exact when counted by connection; from a grouped snapshot
   * its distinct members, which is past the limit either way). */
  distinctIn(rooms: Set<string>): number {
    if (this.counted) return this.counted.members;
    let n = 0;
    for (const [, entry] of this.conns) {
      for (const r of entry.rooms) {
        if (rooms.has(r)) {
          n++;
          break;
        }
      }
    }
    return n;
  }

  /** The members of one group of a room (its role, or its node with `byNode`), by id, and how
   * many it has in all (a grouped snapshot lists the expanded groups' first members only). */
  groupMembers(room: string, facet: string, byNode: boolean): { members: MemberRow[]; total: number } {
    if (this.counted) {
      const l = this.listed(room, facet);
      return { members: l?.members ?? [], total: l?.total ?? 0 };
    }
    const members = this.members(room).filter((m) => (byNode ? m.node ?? '?' : m.role) === facet);
    members.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    return { members, total: members.length };
  }

  private listed(room: string, facet: string | null): GraphMembers | undefined {
    return this.counted?.listed.find((l) => l.room === room && (l.facet ?? null) === facet);
  }

  /** Rooms with their member counts, by name. */
  roomSizes(): { name: string; size: number }[] {
    return this.roomList().map(({ name, size }) => ({ name, size }));
  }

  /** A room's members, by role then id (from a grouped snapshot: the first ones, when the
   * panel asked for that room). */
  members(room: string): MemberRow[] {
    if (this.counted) return this.listed(room, null)?.members ?? [];
    const members = [...(this.rooms.get(room)?.values() ?? [])];
    return members.sort((a, b) => (a.role === b.role ? (a.id < b.id ? -1 : a.id > b.id ? 1 : 0) : a.role < b.role ? -1 : 1));
  }

  /** Members per room and role. */
  groupList(): { room: string; role: string; count: number }[] {
    const out: { room: string; role: string; count: number }[] = [];
    if (this.counted) {
      for (const r of this.counted.rooms) for (const rc of r.roles) out.push({ room: r.name, role: rc.role, count: rc.connections });
      return out;
    }
    for (const [room, members] of this.rooms) {
      for (const rc of roleCounts(members.values())) out.push({ room, role: rc.role, count: rc.connections });
    }
    return out;
  }
}

function isMembership(c: Change): boolean {
  return c.type === 'join' || c.type === 'leave' || c.type === 'disconnect';
}

export function roleCounts(members: Iterable<MemberRow>): RoleCount[] {
  const counts = new Map<string, number>();
  for (const m of members) counts.set(m.role, (counts.get(m.role) ?? 0) + 1);
  return [...counts.entries()]
    .map(([role, connections]) => ({ role, connections }))
    .sort((a, b) => b.connections - a.connections || a.role.localeCompare(b.role));
}
