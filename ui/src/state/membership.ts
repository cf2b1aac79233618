// Who is in which room, kept current by the live stream's changes. Past GRAPH_CONN_LIMIT
// distinct members it only counts per room and role (as the backend's graph does), so the
// membership graph stays readable and cheap at ten thousand connections.
import type { Change, MemberRow, MembershipGraph } from '../api/generated/api';

export const GRAPH_CONN_LIMIT = 300;

export class Membership {
  /** room -> conn id -> member (only while not grouped). */
  rooms = new Map<string, Map<string, MemberRow>>();
  /** `room\u0000role` -> members (always kept). */
  groups = new Map<string, number>();
  grouped = false;
  version = 0;

  static key(room: string, role: string): string {
    return `${room}\u0000${role}`;
  }

  load(graph: MembershipGraph): void {
    this.rooms.clear();
    this.groups.clear();
    this.grouped = graph.grouped;
    if (graph.grouped) {
      for (const g of graph.groups) this.groups.set(Membership.key(g.room, g.role), g.count);
    } else {
      for (const r of graph.rooms) this.rooms.set(r.name, new Map());
      for (const c of graph.conns) {
        for (const room of c.rooms) {
          this.addMember(room, { id: c.id, role: c.role, user: c.user });
        }
      }
    }
    this.version++;
  }

  private addMember(room: string, conn: MemberRow): boolean {
    let members = this.rooms.get(room);
    if (!members) {
      members = new Map();
      this.rooms.set(room, members);
    }
    if (members.has(conn.id)) return false;
    members.set(conn.id, conn);
    const k = Membership.key(room, conn.role);
    this.groups.set(k, (this.groups.get(k) ?? 0) + 1);
    return true;
  }

  /** Apply a batch of changes; returns whether anything changed. */
  apply(changes: Change[]): boolean {
    let changed = false;
    for (const c of changes) {
      if (c.type === 'join') {
        if (this.grouped) {
          const k = Membership.key(c.room, c.conn.role);
          this.groups.set(k, (this.groups.get(k) ?? 0) + 1);
          changed = true;
        } else {
          changed = this.addMember(c.room, c.conn) || changed;
        }
      } else if (c.type === 'leave') {
        const k = Membership.key(c.room, c.conn.role);
        if (this.grouped) {
          const n = (this.groups.get(k) ?? 0) - 1;
          if (n > 0) this.groups.set(k, n);
          else this.groups.delete(k);
          changed = true;
        } else {
          const members = this.rooms.get(c.room);
          if (members?.delete(c.conn.id)) {
            const n = (this.groups.get(k) ?? 0) - 1;
            if (n > 0) this.groups.set(k, n);
            else this.groups.delete(k);
            if (members.size === 0) this.rooms.delete(c.room);
            changed = true;
          }
        }
      }
    }
    if (!this.grouped && this.distinctMembers() > GRAPH_CONN_LIMIT) {
      this.grouped = true;
      this.rooms.clear();
      changed = true;
    }
    if (changed) this.version++;
    return changed;
  }

  distinctMembers(): number {
    const ids = new Set<string>();
    for (const members of this.rooms.values()) for (const id of members.keys()) ids.add(id);
    return ids.size;
  }

  /** Rooms with their member counts, by name. */
  roomSizes(): { name: string; size: number }[] {
    const sizes = new Map<string, number>();
    for (const [k, n] of this.groups) {
      const room = k.split('\u0000')[0];
      sizes.set(room, (sizes.get(room) ?? 0) + n);
    }
    return [...sizes.entries()]
      .filter(([, n]) => n > 0)
      .map(([name, size]) => ({ name, size }))
      .sort((a, b) => a.name.localeCompare(b.name));
  }

  groupList(): { room: string; role: string; count: number }[] {
    return [...this.groups.entries()]
      .filter(([, n]) => n > 0)
      .map(([k, count]) => {
        const [room, role] = k.split('\u0000');
        return { room, role, count };
      });
  }
}
