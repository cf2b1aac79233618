// 2 Rooms: the searchable list with member counts, the live membership graph, one room's
// members, and adding or removing a connection by hand.
import { useEffect, useState } from 'preact/hooks';

import type { MemberChangeResult, MembershipGraph as Graph, RoomDetail, RoomList } from '../../api/generated/api';
import { useConsole } from '../../app/context';
import { usePoll, useThrottled } from '../../app/hooks';
import { navigate } from '../../app/router';
import { Card, Empty, ErrorBox, Panel, RoleBadge, roleColor } from '../../components/common';
import { VirtualList } from '../../components/VirtualList';
import { count } from '../../state/format';
import { useStore } from '../../state/store';
import { MembershipGraph } from './MembershipGraph';

function RoomDetailCard({ room, refresh }: { room: string; refresh: number }) {
  const c = useConsole();
  const [detail, setDetail] = useState<RoomDetail | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [connId, setConnId] = useState('');
  const [actionError, setActionError] = useState<unknown>(null);
  const [note, setNote] = useState('');
  const load = () =>
    c.api.get<RoomDetail>(`/api/rooms/${encodeURIComponent(room)}`).then(
      (d) => {
        setDetail(d);
        setError(null);
      },
      (e) => {
        setDetail(null);
        setError(e);
      },
    );
  useEffect(() => {
    load();
  }, [room, refresh]);

  const add = async (e: Event) => {
    e.preventDefault();
    setActionError(null);
    try {
      const r = await c.api.post<MemberChangeResult>(`/api/rooms/${encodeURIComponent(room)}/members`, { conn: connId.trim() });
      setNote(r.changed ? `added ${connId.trim()}` : `${connId.trim()} already was a member`);
      setConnId('');
      load();
    } catch (err) {
      setActionError(err);
    }
  };
  const remove = async (id: string) => {
    setActionError(null);
    try {
      await c.api.del<MemberChangeResult>(`/api/rooms/${encodeURIComponent(room)}/members/${encodeURIComponent(id)}`);
      setNote(`removed ${id}`);
      load();
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
      <form class="row" onSubmit={add}>
        <input
          class="grow"
          placeholder="connection id to add, e.g. 1a2b3c-7"
          value={connId}
          onInput={(e) => setConnId((e.target as HTMLInputElement).value)}
          data-testid="room-add-input"
        />
        <button class="btn primary" type="submit" disabled={!connId.trim()} data-testid="room-add">Add to room</button>
      </form>
      <ErrorBox error={actionError} />
      {note && <div class="note">{note}</div>}
      {error ? (
        <Empty title={`No room “${room}” right now`}>Rooms exist while they have members. Add a connection above to create it.</Empty>
      ) : detail ? (
        <>
          <div class="muted">{count(detail.size)} members{detail.truncated ? ` (first ${detail.members.length} shown)` : ''}</div>
          <VirtualList
            count={detail.members.length}
            rowHeight={30}
            className="members"
            testId="room-members"
            renderRow={(i) => {
              const m = detail.members[i];
              return (
                <div class="member">
                  <RoleBadge role={m.role} />
                  <a class="mono" href={`#/connections?id=${encodeURIComponent(m.id)}`}>{m.id}</a>
                  <span class="grow">{m.user}</span>
                  <button class="btn small danger" type="button" onClick={() => remove(m.id)} title="Remove from this room">Remove</button>
                </div>
              );
            }}
          />
        </>
      ) : (
        <div class="muted">Loading…</div>
      )}
    </Card>
  );
}

export function RoomsPanel({ params }: { params: Record<string, string> }) {
  const c = useConsole();
  const [q, setQ] = useState('');
  const [list, setList] = useState<RoomList | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [graphError, setGraphError] = useState<unknown>(null);
  const selected = params.room ?? null;
  const version = useStore(c.membershipVersion);
  const shownVersion = useThrottled(version, 1000);
  const resyncs = useStore(c.resyncs);

  const loadList = () =>
    c.api.get<RoomList>(`/api/rooms${q ? `?q=${encodeURIComponent(q)}` : ''}`).then(
      (l) => {
        setList(l);
        setError(null);
      },
      setError,
    );
  usePoll(loadList, 2000, [q]);

  const loadGraph = () =>
    c.api.get<Graph>('/api/graph').then(
      (g) => {
        c.membership.load(g);
        c.membershipVersion.set(c.membership.version);
        setGraphError(null);
      },
      setGraphError,
    );
  useEffect(() => {
    loadGraph();
  }, [resyncs]);

  const select = (room: string) => navigate('rooms', { room });

  return (
    <Panel title="Rooms" testId="panel-rooms">
      <div class="rooms-layout">
        <Card title={list ? `${count(list.total)} rooms` : 'Rooms'} className="room-list">
          <input
            placeholder="Search rooms"
            value={q}
            onInput={(e) => setQ((e.target as HTMLInputElement).value)}
            data-testid="room-search"
          />
          <ErrorBox error={error} onRetry={loadList} />
          {list && list.rooms.length === 0 ? (
            <Empty title={q ? 'No room matches' : 'No rooms yet'}>
              {q ? 'Try another name.' : 'Rooms appear when a connection joins one (the demo’s join request, or Add to room here).'}
            </Empty>
          ) : (
            <ul class="rooms" data-testid="room-list">
              {(list?.rooms ?? []).map((r) => (
                <li key={r.name} class={r.name === selected ? 'active' : ''} onClick={() => select(r.name)} data-room={r.name}>
                  <span class="mono grow">{r.name}</span>
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
        <Card title="Membership" className="graph-card">
          <ErrorBox error={graphError} onRetry={loadGraph} />
          <MembershipGraph
            membership={c.membership}
            version={shownVersion}
            selected={selected}
            onRoom={select}
            onConn={(id) => navigate('connections', { id })}
          />
          <div class="legend muted">
            {c.membership.grouped
              ? 'Many connections: one node per room and role, sized by members.'
              : 'Rooms and their members, coloured by role. Click a room to select it, a connection to open it.'}
          </div>
        </Card>
        {selected ? (
          <RoomDetailCard room={selected} refresh={shownVersion} />
        ) : (
          <Card className="room-detail">
            <Empty title="Select a room">Pick one in the list or the graph to see its members and add or remove connections by hand.</Empty>
          </Card>
        )}
      </div>
    </Panel>
  );
}
