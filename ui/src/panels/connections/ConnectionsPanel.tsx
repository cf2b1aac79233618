// 3 Connections: every connection grouped by role (filter chips, ordered by role), searchable,
// sortable by messages in and out, queue (frames and bytes), errors and age (sorted by the API over every match, so
// it stays fast at 10,000 connections), in a virtualised list that fetches only the rows in view
// and refreshes them every 2 s. The drawer lies over the list instead of narrowing its columns.
import { useEffect, useRef, useState } from 'preact/hooks';

import type { ConnPage, ConnRow, ConnSort, RoleCount } from '../../api/generated/api';
import { query } from '../../api/client';
import { useConsole } from '../../app/context';
import { navigate } from '../../app/router';
import { Card, Empty, ErrorBox, Panel, RoleBadge, roleColor } from '../../components/common';
import { VirtualList } from '../../components/VirtualList';
import { ago, bytes, count } from '../../state/format';
import { ConnectionDetail } from './ConnectionDetail';
import { useAttachMode, useNodeIds } from '../../app/NodesStatus';

const PAGE = 200;
const ROW = 32;
const SORTS: ConnSort[] = ['msgs_in', 'msgs_out', 'queue', 'queue_bytes', 'errors', 'age'];
/** Queued bytes worth a second look (the server's default bound is 4 MiB). */
export const QUEUE_BYTES_WARN = 1024 * 1024;

/** The column header that sorts by `by`: a click sorts (largest, or oldest, first), a second
 * click reverses, a third goes back to the list grouped by role. */
function SortHead({ by, label, sort, desc, onSort, num, hint }: {
  by: ConnSort; label: string; sort: ConnSort | null; desc: boolean; num?: boolean; hint?: string;
  onSort: (s: ConnSort | null, desc: boolean) => void;
}) {
  const on = sort === by;
  const next = () => (!on ? onSort(by, true) : desc ? onSort(by, false) : onSort(null, true));
  return (
    <button
      type="button"
      class={`sort-head ${num ? 'num' : ''} ${on ? 'on' : ''}`}
      onClick={next}
      data-sort={by}
      aria-sort={on ? (desc ? 'descending' : 'ascending') : 'none'}
      title={`${hint ? `${hint}. ` : ''}${on ? (desc ? 'Sorted largest first; click for smallest first' : 'Sorted smallest first; click to group by role again') : `Click to sort by ${label}`}`}
    >
      {label}{on ? (desc ? ' ▼' : ' ▲') : ''}
    </button>
  );
}

export function ConnectionsPanel({ params }: { params: Record<string, string> }) {
  const c = useConsole();
  const role = params.role ?? '';
  const node = params.node ?? '';
  const selected = params.id ?? null;
  const sort = SORTS.includes(params.sort as ConnSort) ? (params.sort as ConnSort) : null;
  const desc = params.dir !== 'asc';
  const attach = useAttachMode();
  const nodeIds = useNodeIds();
  const grid = `conn-grid${attach ? ' with-node' : ''}`;
  const [q, setQ] = useState(params.q ?? '');
  const [total, setTotal] = useState(0);
  const [roles, setRoles] = useState<RoleCount[]>([]);
  const [rows, setRows] = useState<Map<number, ConnRow>>(new Map());
  const [error, setError] = useState<unknown>(null);
  const [loaded, setLoaded] = useState(false);
  const range = useRef<[number, number]>([0, 50]);

  const fetchWindow = async () => {
    const [start, end] = range.current;
    const offset = Math.max(0, Math.floor(start / PAGE) * PAGE);
    const limit = Math.min(1000, Math.ceil((end - offset) / PAGE) * PAGE || PAGE);
    try {
      const page = await c.api.get<ConnPage>(
        `/api/connections${query({ role, q, offset, limit, node, sort: sort ?? undefined, desc: sort ? String(desc) : undefined })}`,
      );
      setTotal(page.total);
      setRoles(page.roles);
      setRows((old) => {
        const next = new Map(old.size > 5000 ? [] : old);
        page.rows.forEach((r, i) => next.set(page.offset + i, r));
        return next;
      });
      setError(null);
      setLoaded(true);
    } catch (e) {
      setError(e);
    }
  };

  useEffect(() => {
    setRows(new Map());
    range.current = [0, 50];
    fetchWindow();
    const t = setInterval(() => {
      if (document.visibilityState !== 'hidden') fetchWindow();
    }, 2000);
    return () => clearInterval(t);
  }, [role, q, node, sort, desc]);

  // Everything the address keeps, so a reload or a link shows the same list.
  const here = (over: Record<string, string | undefined>) =>
    navigate('connections', {
      role,
      q,
      node: node || undefined,
      sort: sort ?? undefined,
      dir: sort && !desc ? 'asc' : undefined,
      id: selected ?? undefined,
      ...over,
    });
  const setRole = (r: string) => here({ role: r });
  const setNode = (n: string) => here({ node: n || undefined });
  const onSort = (s: ConnSort | null, d: boolean) => here({ sort: s ?? undefined, dir: s && !d ? 'asc' : undefined });
  const head = { sort, desc, onSort };
  useEffect(() => {
    if (!selected) return;
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'Escape') here({ id: undefined });
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [selected, role, q, node, sort, desc]);
  const all = roles.reduce((n, r) => n + r.connections, 0);

  return (
    <Panel title="Connections" testId="panel-connections">
      <div class={`conn-layout ${selected ? 'with-drawer' : ''}`}>
        <Card className="conn-list">
          <div class="row wrap">
            <div class="chips" data-testid="role-chips">
              <button type="button" class={`chip btn ${role === '' ? 'on' : ''}`} onClick={() => setRole('')}>
                all <b>{count(all)}</b>
              </button>
              {roles.map((r) => (
                <button
                  type="button"
                  key={r.role}
                  class={`chip btn ${role === r.role ? 'on' : ''}`}
                  style={{ borderColor: roleColor(r.role) }}
                  onClick={() => setRole(r.role)}
                >
                  {r.role} <b>{count(r.connections)}</b>
                </button>
              ))}
            </div>
            {attach && (
              <select value={node} onChange={(e) => setNode((e.target as HTMLSelectElement).value)} data-testid="conn-node" title="Only connections on this node">
                <option value="">all nodes</option>
                {nodeIds.map((n) => (
                  <option key={n} value={n}>{n}</option>
                ))}
              </select>
            )}
            <input
              class="grow"
              placeholder="Search id, user, role, room or topic"
              value={q}
              onInput={(e) => setQ((e.target as HTMLInputElement).value)}
              data-testid="conn-search"
            />
          </div>
          <ErrorBox error={error} onRetry={fetchWindow} />
          <div class={`thead ${grid}`}>
            <span>role</span><span>id</span>{attach && <span>node</span>}<span>user</span><span>rooms</span><span class="col-topics">topics</span>
            <span class="col-remote">address</span><span class="col-agent">user agent</span>
            <SortHead by="age" label="connected" {...head} /><span class="col-pong">last pong</span>
            <SortHead by="msgs_in" label="in" num {...head} /><SortHead by="msgs_out" label="out" num {...head} />
            <SortHead by="queue" label="queue" num hint="Frames waiting in its outbound queue" {...head} />
            <SortHead by="queue_bytes" label="queued" num hint="Bytes waiting in its outbound queue; past the server's bound (4 MiB by default) it is closed as a slow consumer" {...head} />
            <SortHead by="errors" label="errors" num {...head} />
          </div>
          {loaded && total === 0 ? (
            <Empty title={q || role ? 'No connection matches' : 'No connections'}>
              {q || role ? 'Clear the search or pick another role.' : 'Clients connect to the app endpoint shown in the status bar.'}
            </Empty>
          ) : (
            <VirtualList
              count={total}
              rowHeight={ROW}
              testId="conn-rows"
              onRange={(s, e) => {
                const [ps, pe] = range.current;
                range.current = [s, e];
                const missing = rows.get(s) === undefined || rows.get(Math.max(s, e - 1)) === undefined;
                if (missing || Math.abs(s - ps) > PAGE || Math.abs(e - pe) > PAGE) fetchWindow();
              }}
              renderRow={(i) => {
                const r = rows.get(i);
                if (!r) return <div class="conn-grid row-loading">…</div>;
                return (
                  <div
                    class={`${grid} trow ${r.id === selected ? 'active' : ''}`}
                    style={{ borderLeft: `3px solid ${roleColor(r.role)}` }}
                    onClick={() => here({ id: r.id })}
                    data-conn={r.id}
                  >
                    <span><RoleBadge role={r.role} /></span>
                    <span class="mono ellipsis">{r.id}</span>
                    {attach && <span class="mono ellipsis" data-testid="conn-node-cell">{r.node}</span>}
                    <span class="ellipsis">{r.user}</span>
                    <span class="ellipsis">{r.rooms.join(', ')}</span>
                    <span class="ellipsis col-topics">{r.topics.join(', ')}</span>
                    <span class="mono ellipsis col-remote" data-testid="conn-remote">{r.remote ?? '—'}</span>
                    <span class="ellipsis col-agent" title={r.user_agent ?? ''}>{r.user_agent ?? '—'}</span>
                    <span>{ago(r.connected_at_us)}</span>
                    <span class="col-pong">{ago(r.last_pong_us)}</span>
                    <span class="num" title={bytes(r.bytes_in)} data-testid="conn-in">{count(r.msgs_in)}</span>
                    <span class="num" title={bytes(r.bytes_out)}>{count(r.msgs_out)}</span>
                    <span class={`num ${r.queue_depth > 100 ? 'warn' : ''}`}>{count(r.queue_depth)}</span>
                    <span class={`num ${r.queue_bytes >= QUEUE_BYTES_WARN ? 'warn' : ''}`} data-testid="conn-queue-bytes">{bytes(r.queue_bytes)}</span>
                    <span class={`num ${r.errors > 0 ? 'warn' : ''}`} data-testid="conn-errors">{count(r.errors)}</span>
                  </div>
                );
              }}
            />
          )}
        </Card>
        {selected && <ConnectionDetail id={selected} onClose={() => here({ id: undefined })} />}
      </div>
    </Panel>
  );
}
