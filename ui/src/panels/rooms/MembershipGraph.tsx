// The membership graph: rooms and connections as nodes, coloured by role, updated live from
// the Membership model. Past GRAPH_CONN_LIMIT members, connections are drawn as one node per
// room and role with a count, so the graph stays readable at ten thousand connections.
import cytoscape, { type Core, type ElementDefinition } from 'cytoscape';
import { useEffect, useRef } from 'preact/hooks';

import { roleColor } from '../../components/common';
import type { Membership } from '../../state/membership';

export function graphElements(m: Membership): ElementDefinition[] {
  const els: ElementDefinition[] = [];
  for (const r of m.roomSizes()) {
    els.push({ data: { id: `room:${r.name}`, label: `${r.name} (${r.size})`, kind: 'room', room: r.name, size: r.size } });
  }
  if (m.grouped) {
    for (const g of m.groupList()) {
      const id = `group:${g.room}:${g.role}`;
      els.push({ data: { id, label: `${g.role} ×${g.count}`, kind: 'group', color: roleColor(g.role), size: g.count } });
      els.push({ data: { id: `e:${id}`, source: id, target: `room:${g.room}` } });
    }
  } else {
    const seen = new Set<string>();
    for (const [room, members] of m.rooms) {
      for (const c of members.values()) {
        const id = `conn:${c.id}`;
        if (!seen.has(id)) {
          seen.add(id);
          els.push({ data: { id, label: c.user, kind: 'conn', conn: c.id, color: roleColor(c.role), size: 1 } });
        }
        els.push({ data: { id: `e:${c.id}:${room}`, source: id, target: `room:${room}` } });
      }
    }
  }
  return els;
}

export interface GraphProps {
  membership: Membership;
  version: number;
  selected: string | null;
  onRoom: (room: string) => void;
  onConn: (id: string) => void;
}

export function MembershipGraph({ membership, version, selected, onRoom, onConn }: GraphProps) {
  const el = useRef<HTMLDivElement>(null);
  const cy = useRef<Core | null>(null);
  const handlers = useRef({ onRoom, onConn });
  handlers.current = { onRoom, onConn };

  useEffect(() => {
    if (!el.current) return;
    const c = cytoscape({
      container: el.current,
      elements: [],
      wheelSensitivity: 0.3,
      style: [
        {
          selector: 'node[kind = "room"]',
          style: {
            shape: 'round-rectangle',
            'background-color': '#30363d',
            'border-color': '#8b949e',
            'border-width': 1,
            label: 'data(label)',
            color: '#e6edf3',
            'font-size': 12,
            'text-valign': 'center',
            width: 'label',
            height: 26,
            padding: '8px',
          },
        },
        {
          selector: 'node[kind = "conn"]',
          style: { 'background-color': 'data(color)', width: 12, height: 12, label: 'data(label)', 'font-size': 8, color: '#8b949e' },
        },
        {
          selector: 'node[kind = "group"]',
          style: {
            'background-color': 'data(color)',
            width: 'mapData(size, 1, 3000, 18, 60)',
            height: 'mapData(size, 1, 3000, 18, 60)',
            label: 'data(label)',
            'font-size': 10,
            color: '#c9d1d9',
          },
        },
        { selector: 'edge', style: { width: 1, 'line-color': '#30363d', 'curve-style': 'haystack' } },
        { selector: 'node.selected', style: { 'border-color': '#2f81f7', 'border-width': 3 } },
      ],
    });
    c.on('tap', 'node', (evt) => {
      const d = evt.target.data();
      if (d.kind === 'room') handlers.current.onRoom(d.room);
      if (d.kind === 'conn') handlers.current.onConn(d.conn);
    });
    cy.current = c;
    // Tests read the graph through its container (the canvas has no DOM of its own).
    (el.current as HTMLDivElement & { __cy?: Core }).__cy = c;
    return () => {
      c.destroy();
      cy.current = null;
    };
  }, []);

  // Apply the model: add what is new, drop what left, update labels; lay out only when the
  // set of nodes changed.
  useEffect(() => {
    const c = cy.current;
    if (!c) return;
    const want = graphElements(membership);
    const wantIds = new Set(want.map((e) => e.data.id as string));
    let structural = false;
    c.batch(() => {
      c.elements().forEach((e) => {
        if (!wantIds.has(e.id())) {
          e.remove();
          structural = true;
        }
      });
      const add: ElementDefinition[] = [];
      for (const e of want) {
        const id = e.data.id as string;
        const existing = c.getElementById(id);
        if (existing.length === 0) add.push(e);
        else existing.data(e.data);
      }
      if (add.length) {
        c.add(add.filter((e) => !e.data.source));
        c.add(add.filter((e) => e.data.source));
        structural = true;
      }
    });
    if (structural) {
      c.layout({ name: 'cose', animate: false, randomize: false, nodeRepulsion: () => 9000, idealEdgeLength: () => 60, fit: true, padding: 20 } as cytoscape.LayoutOptions).run();
    }
  }, [version, membership.grouped]);

  useEffect(() => {
    const c = cy.current;
    if (!c) return;
    c.nodes().removeClass('selected');
    if (selected) c.getElementById(`room:${selected}`).addClass('selected');
  }, [selected, version]);

  return <div ref={el} class="graph" data-testid="membership-graph" />;
}
