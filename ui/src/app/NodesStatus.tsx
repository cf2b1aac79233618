// The status bar's node list: every node the console follows and the state of its link
// (attached, lost, reconnecting), with drops; in attach mode a popover to add a node by its
// attach URL and to remove one. In proxy mode the one chip is the proxy and its upstream.
import { useState } from 'preact/hooks';

import type { DiscoveryStatus, LinkState, NodeLink } from '../api/generated/api';
import { useConsole } from './context';
import { useStore } from '../state/store';
import { count } from '../state/format';

const DOT: Record<LinkState, string> = {
  embedded: 'open',
  attached: 'open',
  connecting: 'connecting',
  reconnecting: 'connecting',
  lost: 'closed',
  proxy: 'open',
};

function label(n: NodeLink): string {
  if (n.state === 'proxy') return `proxy to ${n.url}`;
  return n.node ?? n.url;
}

/** Whether the console is attached to other processes; false until `/api/nodes` answered. */
export function useAttachMode(): boolean {
  const c = useConsole();
  return useStore(c.nodes)?.mode === 'attach';
}

/** Whether the console relays clients to an upstream server (`switchboard proxy`): rooms and
 *  topic subscribers are not on the wire, so panels that show them say so. */
export function useProxyMode(): boolean {
  const c = useConsole();
  return useStore(c.nodes)?.mode === 'proxy';
}

/** The ids of the nodes the console follows, for node filters. */
export function useNodeIds(): string[] {
  const c = useConsole();
  const list = useStore(c.nodes);
  return (list?.nodes ?? []).map((n) => n.node).filter((n): n is string => !!n);
}

export function NodesStatus() {
  const c = useConsole();
  const list = useStore(c.nodes);
  const [open, setOpen] = useState(false);
  if (!list) return null;
  const attach = list.mode === 'attach';
  return (
    <span class="nodes-status" data-testid="nodes-status" data-mode={list.mode}>
      {attach && list.nodes.length === 0 && <span class="warn">no node attached</span>}
      {list.nodes.map((n) => (
        <span key={n.id} class="node-chip" data-testid="node-chip" data-state={n.state} title={n.last_error ?? n.url}>
          <span class={`dot ${DOT[n.state]}`} />
          <span class="mono">{label(n)}</span>
          {attach && <span class="node-state">{n.state}</span>}
          {n.dropped > 0 && <span class="warn">· {count(n.dropped)} dropped</span>}
        </span>
      ))}
      {attach && (
        <button type="button" class="btn small" onClick={() => setOpen(!open)} data-testid="nodes-manage">
          nodes ▾
        </button>
      )}
      {list.discovery?.state === 'paused' && (
        <span class="warn" data-testid="discovery-paused" title={list.discovery.last_error ?? ''}>
          discovery paused
        </span>
      )}
      {open && <NodesPopover nodes={list.nodes} discovery={list.discovery} onClose={() => setOpen(false)} />}
    </span>
  );
}

function NodesPopover({ nodes, discovery, onClose }: { nodes: NodeLink[]; discovery: DiscoveryStatus | null; onClose: () => void }) {
  const c = useConsole();
  const [url, setUrl] = useState('');
  const [error, setError] = useState<string | null>(null);
  const add = async (e: Event) => {
    e.preventDefault();
    try {
      await c.api.post<NodeLink>('/api/nodes', { url: url.trim() });
      setUrl('');
      setError(null);
      c.refreshNodes();
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    }
  };
  const remove = async (id: number) => {
    try {
      await c.api.del(`/api/nodes/${id}`);
      c.refreshNodes();
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    }
  };
  return (
    <div class="nodes-popover" data-testid="nodes-popover">
      <div class="row">
        <b class="grow">Attached nodes</b>
        <button type="button" class="btn small" onClick={onClose}>Close</button>
      </div>
      {discovery && (
        <div class="muted" data-testid="discovery-status">
          Discovering from <span class="mono">{discovery.source}</span>: {discovery.state}
          {discovery.state !== 'paused' && ` · ${count(discovery.advertised)} advertised`}
          {discovery.skipped > 0 && <span class="warn"> · {count(discovery.skipped)} skipped (limit)</span>}
          {discovery.state === 'paused' && discovery.last_error && <span class="warn"> · {discovery.last_error}</span>}
        </div>
      )}
      <table class="kv">
        <tbody>
          {nodes.map((n) => (
            <tr key={n.id}>
              <td><span class={`dot ${DOT[n.state]}`} /> {n.state}</td>
              <td class="mono">
                {label(n)}
                {n.discovered && <span class="muted" title="found in cluster presence"> · discovered</span>}
              </td>
              <td class="mono muted">{n.url}</td>
              <td>{count(n.connections)} conns · {count(n.dropped)} dropped · {count(n.bad_frames)} bad frames</td>
              <td class="muted node-error">{n.last_error ?? ''}</td>
              <td>
                <button type="button" class="btn small" onClick={() => remove(n.id)} data-testid="node-remove" data-node={n.node ?? ''}>
                  Remove
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <form class="row" onSubmit={add}>
        <input
          class="grow mono"
          placeholder="ws://HOST:PORT/?token=…"
          value={url}
          onInput={(e) => setUrl((e.target as HTMLInputElement).value)}
          data-testid="node-url"
        />
        <button type="submit" class="btn primary" disabled={!url.trim()} data-testid="node-add">Attach</button>
      </form>
      {error && <div class="warn">{error}</div>}
    </div>
  );
}
