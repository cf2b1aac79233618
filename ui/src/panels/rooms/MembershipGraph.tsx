// The membership graph: rooms and their members coloured by role, updated live from the
// Membership model. Updates are incremental: a new node starts next to its room, nodes already
// drawn keep their places (across updates and visits), and a full layout (the first one, or
// "Re-layout") runs in a Web Worker, so the page answers at any number of connections. Past
// GRAPH_CONN_LIMIT members, each room's members are drawn as one node per role that expands on
// a click.
import cytoscape, { type Core, type ElementDefinition } from 'cytoscape';
import { useEffect, useRef, useState } from 'preact/hooks';

import { nodeColor, roleColor } from '../../components/common';
import type { Membership } from '../../state/membership';
import { buildGraph, groupRadius, nodeTies, petalPosition, positions, seedPosition, viewport, type GNode, type GraphView, type Pos } from './graphModel';
import type { LayoutInput, LayoutResult } from './layout';

let worker: Worker | null = null;
let nextRequest = 0;
const waiting = new Map<number, (r: LayoutResult) => void>();

/** A layout computed off the page's thread; `null` where workers are unavailable. */
function layoutOffThread(input: LayoutInput): Promise<LayoutResult> | null {
  if (typeof Worker === 'undefined') return null;
  if (!worker) {
    worker = new Worker(new URL('./layout.worker.ts', import.meta.url), { type: 'module' });
    worker.onmessage = (e: MessageEvent<LayoutResult & { id: number }>) => {
      waiting.get(e.data.id)?.(e.data);
      waiting.delete(e.data.id);
    };
  }
  const id = ++nextRequest;
  return new Promise((resolve) => {
    waiting.set(id, resolve);
    worker?.postMessage({ id, input });
  });
}

/** Where a room's members are drawn already (their middle), if any are. */
function drawnMembers(c: Core, m: Membership, room: string): Pos | undefined {
  let x = 0;
  let y = 0;
  let k = 0;
  for (const member of m.rooms.get(room)?.values() ?? []) {
    const node = c.getElementById(`conn:${member.id}`);
    if (node.length === 0) continue;
    const p = node.position();
    x += p.x;
    y += p.y;
    if (++k >= 50) break;
  }
  return k ? { x: x / k, y: y / k } : undefined;
}

/** The whole graph in view, never magnified past 1.25. */
function fitView(c: Core): void {
  if (c.elements().length === 0) return;
  c.fit(undefined, 36);
  if (c.zoom() > 1.25) c.zoom({ level: 1.25, renderedPosition: { x: c.width() / 2, y: c.height() / 2 } });
}

/** A room box as wide as its label at font size `fs`. */
const roomWidth = (label: string, fs: number) => Math.round(label.length * fs * 0.62 + fs);

const radius = (n: GNode) => (n.kind === 'room' ? 40 : n.kind === 'conn' ? 7 : groupRadius(n.size));

function elementOf(n: GNode, pos: Pos, labels: { room: number; group: number; member: number }): ElementDefinition {
  return {
    group: 'nodes',
    data: {
      id: n.id,
      label: n.label,
      kind: n.kind,
      room: n.room,
      conn: n.conn,
      role: n.role,
      key: n.group,
      size: n.size,
      d: Math.round(radius(n) * 2),
      // Grouped by node: filled with the node's colour, ringed with the role's.
      color: n.server !== undefined ? nodeColor(n.server) : n.role ? roleColor(n.role) : '#30363d',
      ring: n.kind === 'conn' && n.server !== undefined && n.role ? roleColor(n.role) : undefined,
      server: n.server,
      petal: n.petal ? `${n.petal.index}/${n.petal.count}` : undefined,
      fs: n.kind === 'room' ? labels.room : labels.group,
      h: labels.room * 2,
      w: roomWidth(n.label, labels.room),
      mz: labels.member,
    },
    position: { ...pos },
  };
}

const STYLE: cytoscape.StylesheetJson = [
  {
    selector: 'node[kind = "room"]',
    style: {
      shape: 'round-rectangle',
      'background-color': '#21262d',
      'border-color': '#8b949e',
      'border-width': 1.5,
      label: 'data(label)',
      color: '#e6edf3',
      'font-size': 'data(fs)',
      'font-weight': 600,
      'text-valign': 'center',
      width: 'data(w)',
      height: 'data(h)',
      'min-zoomed-font-size': 5,
      'z-index': 10,
    },
  },
  {
    selector: 'node[kind = "conn"]',
    style: {
      'background-color': 'data(color)',
      width: 14,
      height: 14,
      label: 'data(label)',
      'font-size': 12,
      color: '#c9d1d9',
      'text-valign': 'bottom',
      'text-margin-y': 3,
      'text-outline-color': '#0d1117',
      'text-outline-width': 2,
      // Labels grow with the zoom and disappear when they would be too small to read (later
      // when many members are drawn).
      'min-zoomed-font-size': 'data(mz)',
    },
  },
  {
    selector: 'node[kind = "group"], node[kind = "more"]',
    style: {
      'background-color': 'data(color)',
      'background-opacity': 0.85,
      width: 'data(d)',
      height: 'data(d)',
      'border-width': 2,
      'border-style': 'dashed',
      'border-color': '#e6edf3',
      'border-opacity': 0.6,
      label: 'data(label)',
      'font-size': 'data(fs)',
      'font-weight': 600,
      color: '#e6edf3',
      'text-valign': 'bottom',
      'text-margin-y': 4,
      'text-outline-color': '#0d1117',
      'text-outline-width': 2,
      'min-zoomed-font-size': 5,
    },
  },
  { selector: 'node[kind = "more"]', style: { 'background-opacity': 0.35, 'border-style': 'dotted' } },
  { selector: 'node[kind = "conn"][ring]', style: { width: 16, height: 16, 'border-width': 3, 'border-color': 'data(ring)' } },
  { selector: 'node.above', style: { 'text-valign': 'top', 'text-margin-y': -4 } },
  { selector: 'edge', style: { width: 1.5, 'line-color': '#6e7681', opacity: 0.55, 'curve-style': 'haystack', 'haystack-radius': 0 } },
  { selector: 'edge.hl', style: { 'line-color': '#2f81f7', opacity: 1, width: 2.5, 'z-index': 5 } },
  { selector: 'node.selected', style: { 'border-color': '#2f81f7', 'border-width': 3, 'border-style': 'solid', 'border-opacity': 1 } },
];

/** Put every group where its room says (groups are not laid out: they follow their room). */
function placePetals(c: Core, only?: cytoscape.NodeSingular): void {
  const groups = only ? only.neighborhood('node[kind = "group"], node[kind = "more"]') : c.nodes('[kind = "group"], [kind = "more"]');
  groups.forEach((g) => {
    const petal = String(g.data('petal') ?? '0/1').split('/').map(Number);
    const room = c.getElementById(`room:${g.data('room')}`);
    if (room.length === 0) return;
    const p = petalPosition(room.position(), { index: petal[0], count: petal[1] }, g.data('size'), room.data('h') ?? 32);
    g.position(p);
    // A group above its room is labelled above itself, clear of the room.
    g.toggleClass('above', p.y < room.position().y - 1);
    positions.set(g.id(), p);
  });
}

/** Room and group labels stay readable when zoomed out (at least ~13 px on screen); member
 * labels grow with the zoom and hide when too small (`min-zoomed-font-size`). */
function labelSizes(c: Core, zoom = c.zoom()): { room: number; group: number } {
  const z = Math.max(0.05, zoom);
  return { room: Math.round(Math.min(60, Math.max(15, 13 / z))), group: Math.round(Math.min(48, Math.max(12, 12 / z))) };
}

function applyLabelSizes(c: Core): void {
  const { room, group } = labelSizes(c);
  c.batch(() => {
    c.nodes('[kind = "room"]').forEach((n) => {
      if (n.data('fs') !== room) n.data({ fs: room, h: room * 2, w: roomWidth(n.data('label'), room) });
    });
    c.nodes('[kind = "group"], [kind = "more"]').forEach((n) => {
      if (n.data('fs') !== group) n.data('fs', group);
    });
    placePetals(c);
  });
}

export interface GraphProps {
  membership: Membership;
  version: number;
  /** Only rooms whose name contains this (and their members). */
  query: string;
  selected: string | null;
  /** Groups (room and role keys) drawn member by member. */
  expanded: Set<string>;
  onExpand: (key: string) => void;
  onCollapseAll: () => void;
  onRoom: (room: string) => void;
  onConn: (id: string) => void;
  /** What was drawn (for the legend). */
  onView?: (v: GraphView) => void;
  /** Colour and pull members together by the cluster node holding them. */
  byNode?: boolean;
  /** Offered when members sit on several nodes (attach mode); absent otherwise. */
  onToggleByNode?: () => void;
}

export function MembershipGraph(props: GraphProps) {
  const { membership, version, query, selected, expanded } = props;
  const byNode = !!props.byNode;
  const drawnByNode = useRef(byNode);
  const lastView = useRef<GraphView | null>(null);
  const el = useRef<HTMLDivElement>(null);
  const cy = useRef<Core | null>(null);
  const handlers = useRef(props);
  handlers.current = props;
  const grouped = useRef(false);
  const memberThreshold = useRef(9);
  const shownQuery = useRef(query);
  const [laying, setLaying] = useState(false);
  const layouts = useRef(0);

  useEffect(() => {
    if (!el.current) return;
    const c = cytoscape({
      container: el.current,
      elements: [],
      layout: { name: 'preset' },
      wheelSensitivity: 0.3,
      minZoom: 0.05,
      maxZoom: 4,
      textureOnViewport: false,
      style: STYLE,
    });
    if (viewport.zoom !== null && viewport.pan) c.viewport({ zoom: viewport.zoom, pan: viewport.pan });
    c.on('tap', 'node', (evt) => {
      const d = evt.target.data();
      if (d.kind === 'room') handlers.current.onRoom(d.room);
      else if (d.kind === 'conn') handlers.current.onConn(d.conn);
      else if (d.kind === 'group') handlers.current.onExpand(d.key);
    });
    c.on('dragfree', 'node', (evt) => {
      positions.set(evt.target.id(), { ...evt.target.position() });
    });
    c.on('drag', 'node[kind = "room"]', (evt) => placePetals(c, evt.target));
    c.on('viewport', () => {
      viewport.zoom = c.zoom();
      viewport.pan = { ...c.pan() };
    });
    c.on('zoom', () => applyLabelSizes(c));
    // Once the user zooms or pans, the view is theirs: updates no longer refit it.
    c.on('scrollzoom pinchzoom dragpan', () => {
      viewport.byUser = true;
    });
    cy.current = c;
    // Tests read the graph through its container (the canvas has no DOM of its own).
    (el.current as HTMLDivElement & { __cy?: Core }).__cy = c;
    return () => {
      c.destroy();
      cy.current = null;
    };
  }, []);

  /** Lay out in the worker: everything (`fixed` empty), or only what is not fixed. */
  const runLayout = (full: boolean, fixed: Set<string>) => {
    const c = cy.current;
    if (!c) return;
    // Groups follow their rooms: a room is laid out as big as the ring of its groups.
    const nodes = c.nodes('[kind = "room"], [kind = "conn"]');
    const ring = new Map<string, number>();
    c.nodes('[kind = "group"], [kind = "more"]').forEach((g) => {
      const id = `room:${g.data('room')}`;
      ring.set(id, Math.max(ring.get(id) ?? 0, 58 + 2 * groupRadius(g.data('size'))));
    });
    const index = new Map<string, number>();
    // Grouped by node: unseen springs keep a room's members of one node together.
    const ties = lastView.current?.byNode ? nodeTies(lastView.current.nodes) : [];
    const input: LayoutInput = {
      nodes: nodes.map((n, i) => {
        index.set(n.id(), i);
        const p = n.position();
        const r = Math.max((n.data('d') ?? 14) / 2, ring.get(n.id()) ?? 0);
        return { id: n.id(), x: p.x, y: p.y, room: n.data('kind') === 'room', fixed: fixed.has(n.id()), r };
      }),
      edges: c
        .edges()
        .map((e) => [index.get(e.source().id()), index.get(e.target().id())])
        .concat(ties.map(([a, b]) => [index.get(a), index.get(b)]))
        .filter((pair): pair is [number, number] => pair[0] !== undefined && pair[1] !== undefined),
      iterations: full ? undefined : 120,
    };
    const pending = layoutOffThread(input);
    if (!pending) return;
    setLaying(true);
    pending.then((r) => {
      setLaying(false);
      const now = cy.current;
      if (!now) return;
      now.batch(() => {
        for (const [id, p] of Object.entries(r.positions)) {
          if (fixed.has(id)) continue;
          positions.set(id, p);
          const n = now.getElementById(id);
          if (n.length) n.position(p);
        }
        placePetals(now);
      });
      layouts.current++;
      el.current?.setAttribute('data-layouts', String(layouts.current));
      if (full || !viewport.byUser) fitView(now);
    });
  };

  // Apply the model: drop what left, add what is new next to its room, relabel the rest.
  useEffect(() => {
    const c = cy.current;
    // Nothing is drawn from a model that has not had its snapshot yet (it would be partial).
    if (!c || !membership.loaded) return;
    const view = buildGraph(membership, { query, expanded, wasGrouped: grouped.current, keep: selected, byNode });
    const flipped = view.grouped !== grouped.current || byNode !== drawnByNode.current;
    grouped.current = view.grouped;
    drawnByNode.current = byNode;
    lastView.current = view;
    handlers.current.onView?.(view);
    const want = new Set<string>();
    for (const n of view.nodes) want.add(n.id);
    for (const e of view.edges) want.add(e.id);
    const sizes = new Map<string, number>();
    for (const n of view.nodes) if (n.kind === 'room' && n.room) sizes.set(n.room, n.size);
    const existed = new Set<string>();
    const added: string[] = [];
    // Many members drawn: their names show only when zoomed in closer.
    const memberCount = view.nodes.reduce((k, x) => k + (x.kind === 'conn' ? 1 : 0), 0);
    const labels = { ...labelSizes(c), member: memberCount > 120 ? 13 : memberCount > 60 ? 11 : 9 };
    c.batch(() => {
      c.elements().forEach((e) => {
        if (!want.has(e.id())) {
          if (e.isNode()) positions.set(e.id(), { ...e.position() });
          e.remove();
        } else if (e.isNode()) existed.add(e.id());
      });
      const adds: ElementDefinition[] = [];
      for (const n of view.nodes) {
        const node = c.getElementById(n.id);
        if (node.length) {
          if (node.data('label') !== n.label) node.data({ label: n.label, size: n.size, d: Math.round(radius(n) * 2), w: roomWidth(n.label, node.data('fs') ?? labels.room) });
          if (node.data('server') !== n.server) {
            const fresh = elementOf(n, node.position(), labels).data;
            node.data({ color: fresh.color, ring: fresh.ring, server: fresh.server });
          }
          continue;
        }
        // A member of an expanded group starts where its group was.
        // (groups get their place from placePetals below)
        const near = n.kind === 'conn' && view.grouped ? positions.get(`group:${n.rooms[0]}:${n.role}`) : n.kind === 'room' && n.room ? drawnMembers(c, membership, n.room) : undefined;
        const pos = positions.get(n.id) ?? seedPosition(n, sizes, near, labels.room);
        positions.set(n.id, pos);
        adds.push(elementOf(n, pos, labels));
        if (n.kind === 'room' || n.kind === 'conn') added.push(n.id);
      }
      for (const e of view.edges) {
        if (c.getElementById(e.id).length === 0) adds.push({ group: 'edges', data: { id: e.id, source: e.source, target: e.target } });
      }
      if (adds.length) c.add(adds);
      placePetals(c);
    });
    if (labels.member !== memberThreshold.current) {
      memberThreshold.current = labels.member;
      c.batch(() => c.nodes('[kind = "conn"]').data('mz', labels.member));
    }
    el.current?.setAttribute('data-grouped', String(view.grouped));
    el.current?.setAttribute('data-by-node', String(view.byNode));
    el.current?.setAttribute('data-version', String(version));
    const first = existed.size === 0 && added.length > 0;
    if (flipped && !first) {
      // Members became groups or back: the picture changed as a whole.
      runLayout(true, new Set());
    } else if (first) {
      // Nothing laid out yet on this page: one full layout, off the thread. Seen before:
      // every node back where it was.
      const unseen = added.filter((id) => !positionsKnown.has(id)).length;
      if (unseen > added.length / 2) runLayout(true, new Set());
      else if (viewport.zoom === null || !viewport.byUser) fitView(c);
    } else if (added.length >= 25) {
      // Many new nodes at once: settle only them, around the rest.
      runLayout(false, existed);
    }
    for (const id of added) positionsKnown.add(id);
    // A new search shows what it found (nodes keep their places; only the view moves).
    if (query !== shownQuery.current) {
      shownQuery.current = query;
      fitView(c);
    }
  }, [version, query, expanded, selected, byNode]);

  useEffect(() => {
    const c = cy.current;
    if (!c) return;
    c.batch(() => {
      c.nodes('.selected').removeClass('selected');
      c.edges('.hl').removeClass('hl');
      if (selected) {
        const room = c.getElementById(`room:${selected}`);
        room.addClass('selected');
        room.connectedEdges().addClass('hl');
      }
    });
  }, [selected, version, query, expanded]);

  return (
    <div class="graph-wrap">
      <div ref={el} class="graph" data-testid="membership-graph" />
      <div class="graph-tools">
        {laying && <span class="muted" data-testid="graph-laying">laying out…</span>}
        {expanded.size > 0 && (
          <button class="btn small" type="button" onClick={() => props.onCollapseAll()} data-testid="graph-collapse">Collapse groups</button>
        )}
        {props.onToggleByNode && (
          <button
            class={`btn small${byNode ? ' primary' : ''}`}
            type="button"
            aria-pressed={byNode}
            onClick={() => props.onToggleByNode?.()}
            title="Colour members by the node holding them and pull each node's members together"
            data-testid="graph-by-node"
          >
            By node
          </button>
        )}
        <button class="btn small" type="button" onClick={() => cy.current && fitView(cy.current)} title="Show the whole graph">Fit</button>
        <button class="btn small" type="button" onClick={() => runLayout(true, new Set())} title="Lay the whole graph out again" data-testid="graph-relayout">Re-layout</button>
      </div>
    </div>
  );
}

/** Nodes that have been laid out at least once on this page. */
const positionsKnown = new Set<string>();
