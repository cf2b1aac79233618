// A force-directed layout for the membership graph, run in a Web Worker (layout.worker.ts) so
// the page never waits for it. Rooms push each other apart, members hang near their rooms on
// springs, and nearby nodes repel through a grid of cells (only neighbouring cells are
// compared), so one step costs about as much as there are nodes and edges. Fixed nodes do not
// move: an update lays out only what is new around what the user has already seen.

export interface LayoutNode {
  id: string;
  x: number;
  y: number;
  /** Rooms push harder and are pushed apart from every other room. */
  room: boolean;
  fixed: boolean;
  /** Visual radius, so big nodes keep their distance. */
  r: number;
}

export interface LayoutInput {
  nodes: LayoutNode[];
  /** Indexes into `nodes`. */
  edges: [number, number][];
  iterations?: number;
}

export interface LayoutResult {
  positions: Record<string, { x: number; y: number }>;
}

const IDEAL = 40;

export function forceLayout({ nodes, edges, iterations }: LayoutInput): LayoutResult {
  const n = nodes.length;
  const x = new Float64Array(n);
  const y = new Float64Array(n);
  const dx = new Float64Array(n);
  const dy = new Float64Array(n);
  nodes.forEach((node, i) => {
    x[i] = node.x;
    y[i] = node.y;
  });
  const degree = new Uint32Array(n);
  for (const [a, b] of edges) {
    degree[a]++;
    degree[b]++;
  }
  const rooms = nodes.map((node, i) => (node.room ? i : -1)).filter((i) => i >= 0);
  const steps = iterations ?? (n > 2000 ? 150 : 300);
  const cell = IDEAL * 2;
  let temperature = 80;
  const cool = Math.pow(1 / 80, 1 / steps);

  for (let step = 0; step < steps; step++) {
    dx.fill(0);
    dy.fill(0);
    // Local repulsion through a grid.
    const grid = new Map<string, number[]>();
    for (let i = 0; i < n; i++) {
      const k = `${Math.floor(x[i] / cell)},${Math.floor(y[i] / cell)}`;
      const list = grid.get(k);
      if (list) list.push(i);
      else grid.set(k, [i]);
    }
    for (let i = 0; i < n; i++) {
      const cx = Math.floor(x[i] / cell);
      const cy = Math.floor(y[i] / cell);
      for (let ox = -1; ox <= 1; ox++) {
        for (let oy = -1; oy <= 1; oy++) {
          const list = grid.get(`${cx + ox},${cy + oy}`);
          if (!list) continue;
          for (const j of list) {
            if (j <= i) continue;
            let ddx = x[i] - x[j];
            let ddy = y[i] - y[j];
            let d2 = ddx * ddx + ddy * ddy;
            if (d2 < 0.01) {
              // Same spot: nudge apart deterministically.
              ddx = ((i * 7919 + j) % 13) - 6 || 1;
              ddy = ((j * 104729 + i) % 11) - 5 || 1;
              d2 = ddx * ddx + ddy * ddy;
            }
            const d = Math.sqrt(d2);
            const min = nodes[i].r + nodes[j].r + IDEAL * 0.5;
            if (d > cell * 1.5) continue;
            const f = (IDEAL * IDEAL) / d + (d < min ? (min - d) * 2 : 0);
            const fx = (ddx / d) * f;
            const fy = (ddy / d) * f;
            dx[i] += fx;
            dy[i] += fy;
            dx[j] -= fx;
            dy[j] -= fy;
          }
        }
      }
    }
    // Rooms keep apart from every room (few of them), in proportion to their sizes.
    for (let a = 0; a < rooms.length; a++) {
      for (let b = a + 1; b < rooms.length; b++) {
        const i = rooms[a];
        const j = rooms[b];
        const ddx = x[i] - x[j] || 1;
        const ddy = y[i] - y[j] || 1;
        const d = Math.max(1, Math.sqrt(ddx * ddx + ddy * ddy));
        const reach = IDEAL * 3 + nodes[i].r + nodes[j].r + 10 * (Math.sqrt(degree[i]) + Math.sqrt(degree[j]));
        const f = d < reach * 1.5 ? (reach * reach) / d / 4 : 0;
        dx[i] += (ddx / d) * f;
        dy[i] += (ddy / d) * f;
        dx[j] -= (ddx / d) * f;
        dy[j] -= (ddy / d) * f;
      }
    }
    // Springs along edges.
    for (const [a, b] of edges) {
      const ddx = x[a] - x[b];
      const ddy = y[a] - y[b];
      const d = Math.max(1, Math.sqrt(ddx * ddx + ddy * ddy));
      const want = IDEAL + nodes[a].r + nodes[b].r + 3 * Math.sqrt(Math.max(degree[a], degree[b]));
      const f = ((d - want) * (d - want)) / IDEAL / (d > want ? 1 : -1);
      const fx = (ddx / d) * f;
      const fy = (ddy / d) * f;
      // A room with many members is moved less by each of them.
      const wa = 1 / Math.max(1, Math.sqrt(degree[a]));
      const wb = 1 / Math.max(1, Math.sqrt(degree[b]));
      dx[a] -= fx * wa;
      dy[a] -= fy * wa;
      dx[b] += fx * wb;
      dy[b] += fy * wb;
    }
    // A little gravity keeps separate rooms from drifting off.
    for (let i = 0; i < n; i++) {
      dx[i] -= x[i] * 0.03;
      dy[i] -= y[i] * 0.03;
    }
    for (let i = 0; i < n; i++) {
      if (nodes[i].fixed) continue;
      const len = Math.sqrt(dx[i] * dx[i] + dy[i] * dy[i]);
      if (len < 1e-9) continue;
      const move = Math.min(len, temperature);
      x[i] += (dx[i] / len) * move;
      y[i] += (dy[i] / len) * move;
    }
    temperature *= cool;
  }
  const positions: Record<string, { x: number; y: number }> = {};
  nodes.forEach((node, i) => {
    positions[node.id] = { x: Math.round(x[i] * 10) / 10, y: Math.round(y[i] * 10) / 10 };
  });
  return { positions };
}
