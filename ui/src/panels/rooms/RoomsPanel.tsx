// 2 Rooms: the searchable list with member counts, the live membership graph, one room's
// members, and adding or removing a connection by hand. The list, the members and the graph all
// read one model (the membership snapshot kept current by the live stream), so a room has one
// member count everywhere.
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';

import type { ConnPage, ConnRow, MemberChangeResult, MembershipGraph as Graph } from '../../api/generated/api';
import { useConsole } from '../../app/context';
import { useAttachMode, useProxyMode } from '../../app/NodesStatus';
import { useThrottled } from '../../app/hooks';
import { navigate } from '../../app/router';
import { Card, Empty, ErrorBox, Panel, RoleBadge, nodeColor, roleColor } from '../../components/common';
import { VirtualList } from '../../components/VirtualList';
import { count } from '../../state/format';
import { GRAPH_CONN_LIMIT } from '../../state/membership';
import { useStore } from '../../state/store';
import type { GraphView } from './graphModel';
import { MembershipGraph } from './MembershipGraph';

/** Groups expanded in the graph, kept across visits. */
let savedExpanded = new Set<string>();
/** Whether the graph is grouped by node, kept across visits like the expanded groups. */
let savedByNode = false;

/** Find a connection by user, role or id, and pick it. */
function ConnPicker({ members, onPick }: { members: Set<string>; onPick: (c: ConnRow) => void }) {
  const c = useConsole();
  const [q, setQ] = useState('');
  const [open, setOpen] = useState(false);
  const [rows, setRows] = useState<ConnRow[]>([]);
  const [total, setTotal] = useState(0);
  const [active, setActive] = useState(0);
  const [error, setError] = useState<unknown>(null);
  const box = useRef<HTMLDivElement>(null);
  const seq = useRef(0);

  useEffect(() => {
    if (!open) return;
    const mine = ++seq.current;
    const t = setTimeout(() => {
      c.api.get<ConnPage>(`/api/connections?q=${encodeURIComponent(q.trim())}&limit=30`).then(
        (page) => {
          if (mine !== seq.current) return;
          setRows(page.rows);
          setTotal(page.total);
          setActive(0);
          setError(null);
        },
        (e) => mine === seq.current && setError(e),
      );
    }, 150);
    return () => clearTimeout(t);
  }, [q, open]);

  useEffect(() => {
    if (!open) return;
    const away = (e: Event) => {
      if (box.current && !box.current.contains(e.target as Node)) setOpen(false);
    };
    document.addEventListener('pointerdown', away);
    return () => document.removeEventListener('pointerdown', away);
  }, [open]);

  const pick = (row: ConnRow | undefined) => {
    if (!row || members.has(row.id)) return;
    onPick(row);
    setQ('');
    setOpen(false);
  };
  const key = (e: KeyboardEvent) => {
    if (e.key === 'ArrowDown') {
      setActive((a) => Math.min(rows.length - 1, a + 1));
      e.preventDefault();
    } else if (e.key === 'ArrowUp') {
      setActive((a) => Math.max(0, a - 1));
      e.preventDefault();
    } else if (e.key === 'Enter') {
      pick(rows[active]);
      e.preventDefault();
    } else if (e.key === 'Escape') setOpen(false);
  };

  return (
    <div class="picker" ref={box}>
      <input
        placeholder="Add a connection: search by user, role or id"
        value={q}
        onInput={(e) => {
          setQ((e.target as HTMLInputElement).value);
          setOpen(true);
        }}
        onFocus={() => setOpen(true)}
        onKeyDown={key}
        role="combobox"
        aria-expanded={open}
        aria-autocomplete="list"
        data-testid="room-add-input"
      />
      {open && (
        <div class="picker-menu" role="listbox" data-testid="room-add-options">
          <ErrorBox error={error} />
          {rows.length === 0 && !error && <div class="muted picker-empty">{q.trim() ? 'No connection matches.' : 'No connections.'}</div>}
          {rows.map((r, i) => {
            const member = members.has(r.id);
            return (
              <div
                key={r.id}
                role="option"
                aria-selected={i === active}
                aria-disabled={member}
                class={`picker-option ${i === active ? 'active' : ''} ${member ? 'member' : ''}`}
                onMouseEnter={() => setActive(i)}
                onClick={() => pick(r)}
                data-conn={r.id}
                title={member ? 'Already a member of this room' : `Add ${r.user} (${r.id}) to the room`}
              >
                <RoleBadge role={r.role} />
                <span class="picker-user ellipsis">{r.user}</span>
                <span class="mono muted ellipsis">{r.id}</span>
                <span class="muted picker-rooms ellipsis">{member ? 'member' : r.rooms.length ? `in ${r.rooms.join(', ')}` : 'in no room'}</span>
              </div>
            );
          })}
          {total > rows.length && <div class="muted picker-empty">{count(total - rows.length)} more: type more of a user, role or id.</div>}
        </div>
      )}
    </div>
  );
}

function RoomDetailCard({ room, version }: { room: string; version: number }) {
  const c = useConsole();
  // Every member names its node; it is worth a column only when the console follows nodes.
  const showNode = useAttachMode();
  const [actionError, setActionError] = useState<unknown>(null);
  const [note, setNote] = useState('');
  // Read at the same (throttled) version as the list and the graph: one count everywhere.
  const members = useMemo(() => c.membership.members(room), [room, version]);
  const size = useMemo(() => c.membership.size(room), [room, version]);
  const ids = useMemo(() => new Set(members.map((m) => m.id)), [members]);

  const add = async (row: ConnRow) => {
    setActionError(null);
    try {
      const r = await c.api.post<MemberChangeResult>(`/api/rooms/${encodeURIComponent(room)}/members`, { conn: row.id });
      setNote(r.changed ? `added ${row.user} (${row.id})` : `${row.user} already was a member`);
    } catch (err) {
      setActionError(err);
    }
  };
  const remove = async (id: string) => {
    setActionError(null);
    try {
      await c.api.del<MemberChangeResult>(`/api/rooms/${encodeURIComponent(room)}/members/${encodeURIComponent(id)}`);
      setNote(`removed ${id}`);
    } catch (err) {
      setActionError(err);
    }
  };

  return (
    <Card
      title={`Room ${room}`}
      className="room-detail"
      actions={
        <>
          <button class="btn small" type="button" onClick={() => navigate('traffic', { room })}>Traffic</button>
          <button class="btn small" type="button" onClick={() => navigate('push', { target: 'rooms', room })}>Push…</button>
        </>
      }
    >
      <ConnPicker members={ids} onPick={add} />
      <ErrorBox error={actionError} />
      {note && <div class="note" data-testid="room-note">{note}</div>}
      {size === 0 ? (
        <Empty title={`No room “${room}” right now`}>Rooms exist while they have members. Add a connection above to create it.</Empty>
      ) : (
        <>
          <div class="muted">
            <span data-testid="room-detail-size">{count(size)} {size === 1 ? 'member' : 'members'}</span>
            {members.length < size && <span data-testid="room-detail-shown"> · the first {count(members.length)} by role and id shown</span>}
          </div>
          <VirtualList
            count={members.length}
            rowHeight={30}
            className="members"
            testId="room-members"
            version={version}
            renderRow={(i) => {
              const m = members[i];
              return (
                <div class="member">
                  <RoleBadge role={m.role} />
                  <a class="mono member-id" href={`#/connections?id=${encodeURIComponent(m.id)}`}>{m.id}</a>
                  <span class="grow ellipsis">{m.user}</span>
                  {showNode && m.node && <span class="mono muted member-node" title="The node holding this connection">{m.node}</span>}
                  <button class="btn small danger member-remove" type="button" onClick={() => remove(m.id)} title="Remove from this room" aria-label={`Remove ${m.user || m.id} from this room`}>✕</button>
                </div>
              );
            }}
          />
        </>
      )}
    </Card>
  );
}

function Legend({ view }: { view: GraphView | null }) {
  if (!view) return null;
  const roles = [...view.roles.entries()].sort((a, b) => b[1] - a[1]);
  return (
    <div class="legend" data-testid="graph-legend">
      <span class="legend-item"><span class="swatch room" /> room · members</span>
      {view.byNode &&
        [...view.servers.entries()]
          .sort((a, b) => a[0].localeCompare(b[0]))
          .map(([node, n]) => (
            <span key={`@${node}`} class="legend-item" data-node={node}>
              <span class="swatch" style={{ background: nodeColor(node) }} /> node <span class="mono">{node}</span> <span class="muted">{count(n)}</span>
            </span>
          ))}
      {roles.map(([role, n]) => (
        <span key={role} class="legend-item" data-role={role}>
          <span class={view.byNode ? 'swatch ring' : 'swatch'} style={view.byNode ? { borderColor: roleColor(role) } : { background: roleColor(role) }} /> {role} <span class="muted">{count(n)}</span>
        </span>
      ))}
      {view.hiddenRooms > 0 && (
        <span class="warn legend-note" data-testid="graph-hidden-rooms">
          The {count(view.hiddenRooms)} smallest rooms are not drawn; search to draw them.
        </span>
      )}
      <span class="muted legend-note">
        {view.grouped
          ? `Past ${GRAPH_CONN_LIMIT} connections each room’s members are one node per ${view.byNode ? 'cluster node' : 'role'} (dashed): click one to show its members.`
          : view.byNode
          ? 'Grouped by node: each member is filled with its node’s colour and ringed with its role’s; a room’s members on one node sit together.'
          : 'Click a room to select it, a connection to open it. Scroll to zoom: names show when large enough to read.'}
      </span>
    </div>
  );
}

export function RoomsPanel({ params }: { params: Record<string, string> }) {
  const c = useConsole();
  const proxy = useProxyMode();
  const [q, setQ] = useState('');
  const [graphError, setGraphError] = useState<unknown>(null);
  const [expanded, setExpanded] = useState(savedExpanded);
  const [view, setView] = useState<GraphView | null>(null);
  const [byNode, setByNode] = useState(savedByNode);
  const selected = params.room ?? null;
  const version = useStore(c.membershipVersion);
  const shownVersion = useThrottled(version, 1000);
  const resyncs = useStore(c.resyncs);
  const loaded = c.membership.loaded;

  // What a grouped snapshot should list member by member: the selected room's, the expanded
  // groups' (the keys are the server's `expand` values: room, NUL, role or node).
  const ask = () => {
    const p = new URLSearchParams();
    if (selected) p.set('room', selected);
    for (const key of expanded) p.append('expand', key);
    if (byNode && severalNodes) p.set('by_node', 'true');
    const qs = p.toString();
    return qs ? `/api/graph?${qs}` : '/api/graph';
  };
  // The latest render's question, for a snapshot asked for again when one was on its way.
  const askRef = useRef(ask);
  askRef.current = ask;
  const inFlight = useRef(false);
  const again = useRef(false);
  const loadGraph = (): Promise<void> => {
    if (inFlight.current) {
      again.current = true;
      return Promise.resolve();
    }
    inFlight.current = true;
    c.membership.beginLoad();
    const done = () => {
      inFlight.current = false;
      if (again.current) {
        again.current = false;
        loadGraph();
      }
    };
    return c.api.get<Graph>(askRef.current()).then(
      (g) => {
        c.membership.load(g);
        c.membershipVersion.set(c.membership.version);
        setGraphError(null);
        done();
      },
      (err) => {
        setGraphError(err);
        done();
      },
    );
  };
  useEffect(() => {
    loadGraph();
  }, [resyncs]);
  // Counts from a grouped snapshot: ask again when the live stream says membership changed
  // (at most once per throttled version, about once a second), or when the panel wants other
  // members listed.
  useEffect(() => {
    if (c.membership.stale) loadGraph();
  }, [shownVersion]);

  const setGroups = (next: Set<string>) => {
    savedExpanded = next;
    setExpanded(next);
  };
  const select = (room: string) => navigate('rooms', { room });
  const rooms = useMemo(() => c.membership.roomList(q), [shownVersion, q]);
  const total = useMemo(() => c.membership.roomCount(), [shownVersion]);
  // Grouping by node is offered once members sit on more than one node (attach mode).
  const severalNodes = useMemo(() => {
    const nodes = c.membership.nodes();
    nodes.delete('?');
    return nodes.size > 1;
  }, [shownVersion]);
  const askKey = `${selected ?? ''}|${[...expanded].join('|')}|${byNode && severalNodes}`;
  const firstAsk = useRef(true);
  useEffect(() => {
    if (firstAsk.current) {
      firstAsk.current = false;
      return;
    }
    if (c.membership.isCounted) loadGraph();
  }, [askKey]);

  if (proxy) {
    // Not an empty graph: rooms exist on the upstream, the proxy just cannot see them.
    return (
      <Panel title="Rooms" testId="panel-rooms">
        <Card className="rooms-proxy">
          <div data-testid="rooms-proxy-note">
            <Empty title="Rooms cannot be seen through a proxy">
              The wire does not tell a client which rooms it is in: the upstream server adds connections to rooms
              without a frame saying so. A room broadcast shows up in Traffic as one event per receiving connection.
              <div class="row rooms-proxy-links">
                <button class="btn small" type="button" onClick={() => navigate('connections', {})}>Connections</button>
                <button class="btn small" type="button" onClick={() => navigate('traffic', {})}>Traffic</button>
              </div>
            </Empty>
          </div>
        </Card>
      </Panel>
    );
  }

  return (
    <Panel title="Rooms" testId="panel-rooms">
      <div class="rooms-layout">
        <Card title={loaded ? `${count(total)} ${total === 1 ? 'room' : 'rooms'}` : 'Rooms'} className="room-list">
          <input
            placeholder="Search rooms (list and graph)"
            value={q}
            onInput={(e) => setQ((e.target as HTMLInputElement).value)}
            data-testid="room-search"
          />
          <ErrorBox error={graphError} onRetry={loadGraph} />
          {!loaded ? (
            <div class="muted">Loading…</div>
          ) : rooms.length === 0 ? (
            <Empty title={q ? 'No room matches' : 'No rooms yet'}>
              {q ? 'Try another name.' : 'Rooms appear when a connection joins one (the demo’s join request, or Add to room here).'}
            </Empty>
          ) : (
            <ul class="rooms" data-testid="room-list">
              {rooms.map((r) => (
                <li key={r.name} class={r.name === selected ? 'active' : ''} onClick={() => select(r.name)} data-room={r.name}>
                  <span class="mono grow ellipsis">{r.name}</span>
                  <span class="stack">
                    {r.roles.map((rc) => (
                      <span key={rc.role} title={`${rc.role}: ${rc.connections}`} style={{ flexGrow: rc.connections, background: roleColor(rc.role) }} />
                    ))}
                  </span>
                  <span class="num" data-testid="room-size">{count(r.size)}</span>
                </li>
              ))}
            </ul>
          )}
        </Card>
        <Card title={q ? `Membership · rooms matching “${q}”` : 'Membership'} className="graph-card">
          <MembershipGraph
            membership={c.membership}
            version={shownVersion}
            query={q}
            selected={selected}
            expanded={expanded}
            onExpand={(key) => setGroups(new Set([...expanded, key]))}
            onCollapseAll={() => setGroups(new Set())}
            onRoom={select}
            onConn={(id) => navigate('connections', { id })}
            onView={setView}
            byNode={byNode && severalNodes}
            onToggleByNode={
              severalNodes
                ? () => {
                    savedByNode = !byNode;
                    setByNode(!byNode);
                  }
                : undefined
            }
          />
          <Legend view={view} />
        </Card>
        {selected ? (
          <RoomDetailCard room={selected} version={shownVersion} />
        ) : (
          <Card className="room-detail">
            <Empty title="Select a room">Pick one in the list or the graph to see its members and add or remove connections by hand.</Empty>
          </Card>
        )}
      </div>
    </Panel>
  );
}
