// Who is in which room, by connection, kept current by the live stream's changes. One model
// feeds the room list, a room's members and the graph, so they always show the same count.
// Joins and leaves are set operations (applying one twice changes nothing), which lets a
// snapshot be loaded while changes keep arriving: the changes received while it was on its way
// are applied again on top of it, in order.
import type { Change, MemberRow, MembershipGraph, RoleCount } from '../api/generated/api';

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

  /** A snapshot is on its way: keep the changes that arrive until it does. */
  beginLoad(): void {
    this.pending = [];
  }

  load(graph: MembershipGraph): void {
    this.rooms.clear();
    this.conns.clear();
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

  /** Apply a batch of changes; returns whether anything changed. */
  apply(changes: Change[]): boolean {
    let changed = false;
    for (const c of changes) {
      if (this.pending && (c.type === 'join' || c.type === 'leave' || c.type === 'disconnect')) this.pending.push(c);
      changed = this.applyOne(c) || changed;
    }
    if (changed) this.version++;
    return changed;
  }

  /** Distinct connections in at least one room. */
  distinctMembers(): number {
    return this.conns.size;
  }

  /** More members than the graph draws one by one. */
  get grouped(): boolean {
    return this.conns.size > GRAPH_CONN_LIMIT;
  }

  size(room: string): number {
    return this.rooms.get(room)?.size ?? 0;
  }

  /** Rooms whose name contains `q` (any case), by name, with sizes and roles. */
  roomList(q = ''): RoomInfo[] {
    const needle = q.trim().toLowerCase();
    const out: RoomInfo[] = [];
    for (const [name, members] of this.rooms) {
      if (needle && !name.toLowerCase().includes(needle)) continue;
      out.push({ name, size: members.size, roles: roleCounts(members.values()) });
    }
    return out.sort((a, b) => a.name.localeCompare(b.name));
  }

  /** Rooms with their member counts, by name. */
  roomSizes(): { name: string; size: number }[] {
    return this.roomList().map(({ name, size }) => ({ name, size }));
  }

  /** A room's members, by role then id. */
  members(room: string): MemberRow[] {
    const members = [...(this.rooms.get(room)?.values() ?? [])];
    return members.sort((a, b) => (a.role === b.role ? (a.id < b.id ? -1 : a.id > b.id ? 1 : 0) : a.role < b.role ? -1 : 1));
  }

  /** Members per room and role. */
  groupList(): { room: string; role: string; count: number }[] {
    const out: { room: string; role: string; count: number }[] = [];
    for (const [room, members] of this.rooms) {
      for (const rc of roleCounts(members.values())) out.push({ room, role: rc.role, count: rc.connections });
    }
    return out;
  }
}

export function roleCounts(members: Iterable<MemberRow>): RoleCount[] {
  const counts = new Map<string, number>();
  for (const m of members) counts.set(m.role, (counts.get(m.role) ?? 0) + 1);
  return [...counts.entries()]
    .map(([role, connections]) => ({ role, connections }))
    .sort((a, b) => b.connections - a.connections || a.role.localeCompare(b.role));
}
