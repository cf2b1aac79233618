// The shell: a sidebar with the nine panels, a status bar, and the routed panel.
import { useConsole } from './context';
import { route, PANELS, toHash, type PanelName } from './router';
import { useStore } from '../state/store';
import { count, bytes } from '../state/format';
import { OverviewPanel } from '../panels/overview/OverviewPanel';
import { RoomsPanel } from '../panels/rooms/RoomsPanel';
import { ConnectionsPanel } from '../panels/connections/ConnectionsPanel';
import { ContractPanel } from '../panels/contract/ContractPanel';
import { TrafficPanel } from '../panels/traffic/TrafficPanel';
import { PushPanel } from '../panels/push/PushPanel';
import { ExportPanel } from '../panels/export/ExportPanel';
import { ReplayPanel } from '../panels/replay/ReplayPanel';
import { TryPanel } from '../panels/tryit/TryPanel';
import { NodesStatus } from './NodesStatus';

const LABELS: Record<PanelName, { label: string; icon: string; key: string }> = {
  overview: { label: 'Overview', icon: '◉', key: '1' },
  rooms: { label: 'Rooms', icon: '⬡', key: '2' },
  connections: { label: 'Connections', icon: '⇄', key: '3' },
  contract: { label: 'Contract', icon: '§', key: '4' },
  traffic: { label: 'Traffic', icon: '≋', key: '5' },
  push: { label: 'Push', icon: '➤', key: '6' },
  export: { label: 'Export', icon: '⤓', key: '7' },
  replay: { label: 'Replay', icon: '↻', key: '8' },
  try: { label: 'Try it', icon: '▶', key: '9' },
};

function Sidebar({ current }: { current: PanelName }) {
  const c = useConsole();
  const summary = useStore(c.summary);
  // Through a proxy the room count is unknown, not zero: no badge.
  const proxy = useStore(c.nodes)?.mode === 'proxy';
  const badge: Partial<Record<PanelName, string>> = summary
    ? { ...(proxy ? {} : { rooms: count(summary.rooms) }), connections: count(summary.connections) }
    : {};
  return (
    <nav class="sidebar">
      <div class="brand">
        <span class="brand-mark">◎</span> Switchboard
      </div>
      {PANELS.map((p) => (
        <a
          key={p}
          href={toHash(p)}
          class={`nav-item ${p === current ? 'active' : ''}`}
          data-testid={`nav-${p}`}
          title={`${LABELS[p].label} (${LABELS[p].key})`}
        >
          <span class="nav-icon">{LABELS[p].icon}</span>
          <span class="nav-label">{LABELS[p].label}</span>
          {badge[p] && <span class="nav-badge">{badge[p]}</span>}
        </a>
      ))}
    </nav>
  );
}

function StatusBar() {
  const c = useConsole();
  const host = useStore(c.host);
  const live = useStore(c.liveState);
  const stats = useStore(c.batchStats);
  const summary = useStore(c.summary);
  // In proxy mode the node chip already says "proxy to ws://…", which is the source.
  const proxy = useStore(c.nodes)?.mode === 'proxy';
  return (
    <footer class="statusbar">
      <span class={`dot ${live}`} data-testid="live-state" data-state={live} />
      <span>{live === 'open' ? 'live' : live === 'connecting' ? 'connecting…' : 'disconnected: retrying'}</span>
      <span class="sep" />
      <NodesStatus />
      {host && (
        <>
          {host.app_url && (
            <>
              <span class="sep" />
              <span title="Where applications connect">{host.app_url}</span>
            </>
          )}
          {!proxy && (
            <>
              <span class="sep" />
              <span>{host.source}</span>
            </>
          )}
          <span class="sep" />
          <span>{host.mode === 'window' ? 'desktop window' : 'browser'}</span>
        </>
      )}
      <span class="grow" />
      <span title="The last live batch: size, membership changes, traffic rows">
        batch {bytes(stats.bytes)} · {stats.changes} changes · {stats.rows} rows
      </span>
      {summary && summary.live.dropped > 0 && (
        <span class="warn" title="Events the console's live view could not keep up with">
          · {count(summary.live.dropped)} dropped
        </span>
      )}
    </footer>
  );
}

export function App() {
  const r = useStore(route);
  const panel = (() => {
    switch (r.panel) {
      case 'overview':
        return <OverviewPanel />;
      case 'rooms':
        return <RoomsPanel params={r.params} />;
      case 'connections':
        return <ConnectionsPanel params={r.params} />;
      case 'contract':
        return <ContractPanel />;
      case 'traffic':
        return <TrafficPanel params={r.params} />;
      case 'push':
        return <PushPanel params={r.params} />;
      case 'export':
        return <ExportPanel params={r.params} />;
      case 'replay':
        return <ReplayPanel params={r.params} />;
      case 'try':
        return <TryPanel params={r.params} />;
    }
  })();
  return (
    <div class="shell">
      <Sidebar current={r.panel} />
      <main class="main">{panel}</main>
      <StatusBar />
    </div>
  );
}

/** Number keys 1-9 switch panels (outside text fields). */
export function installShortcuts(): void {
  window.addEventListener('keydown', (e) => {
    const t = e.target as HTMLElement | null;
    if (t && (t.tagName === 'INPUT' || t.tagName === 'TEXTAREA' || t.tagName === 'SELECT' || t.isContentEditable)) return;
    if (e.ctrlKey || e.metaKey || e.altKey) return;
    const p = PANELS.find((name) => LABELS[name].key === e.key);
    if (p) location.hash = toHash(p);
  });
}
