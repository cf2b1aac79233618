// 6 Push: fire an event or publish by hand to a connection, a user, rooms (minus one
// connection), a role topic, a shared topic, or everyone. The payload editor starts from a
// schema-valid sample and checks the schema as you type; the backend checks again, sends it as
// `manual`, and says how many connections received it. Past pushes can be resent.
// In proxy mode the upstream's contract is unknown: the event is named by hand, only its JSON
// is checked, and the targets a proxy cannot reach (rooms, topics) are disabled with the reason.
import { useEffect, useMemo, useState } from 'preact/hooks';

import type { ConnDetail, ContractView, MessageView, PushHistory, PushRecord, PushRequest, PushTarget, RoomList } from '../../api/generated/api';
import { ApiError } from '../../api/client';
import { useConsole } from '../../app/context';
import { useLoad, usePoll } from '../../app/hooks';
import { useProxyMode } from '../../app/NodesStatus';
import { Card, Empty, ErrorBox, Panel, RoleBadge } from '../../components/common';
import { ConnPicker } from '../../components/ConnPicker';
import { pretty } from '../../components/JsonView';
import { clock, count } from '../../state/format';
import { checkPayload } from './schema';

type Kind = PushTarget['kind'];
const KINDS: { kind: Kind; label: string }[] = [
  { kind: 'conn', label: 'Connection' },
  { kind: 'user', label: 'User' },
  { kind: 'rooms', label: 'Rooms' },
  { kind: 'role_topic', label: 'Role topic' },
  { kind: 'shared_topic', label: 'Shared topic (bus)' },
  { kind: 'everyone', label: 'Everyone' },
];

/** Why a target cannot be used through a proxy (null when it can). */
export function proxyBlocked(kind: Kind): string | null {
  switch (kind) {
    case 'rooms':
      return 'Rooms cannot be seen through a proxy: the wire does not say who is in which room.';
    case 'role_topic':
    case 'shared_topic':
      return 'Topic subscribers are held by the upstream server; a proxy can only write to the connections it relays.';
    default:
      return null;
  }
}

/** The messages a target can carry, from the contract. */
export function messagesFor(contract: ContractView, kind: Kind, role: string | null): MessageView[] {
  const sharedEvents = contract.shared.filter((m) => m.kind === 'event');
  switch (kind) {
    case 'rooms':
    case 'everyone':
      return sharedEvents;
    case 'shared_topic':
      return contract.shared.filter((m) => m.kind === 'topic');
    case 'role_topic':
      return contract.roles.find((r) => r.role === role)?.events.filter((m) => m.kind === 'topic') ?? [];
    case 'conn':
    case 'user': {
      const roles = role ? contract.roles.filter((r) => r.role === role) : contract.roles;
      const seen = new Set<string>();
      const out: MessageView[] = [];
      for (const m of [...roles.flatMap((r) => r.events.filter((e) => e.kind === 'event')), ...sharedEvents]) {
        if (!seen.has(m.name)) {
          seen.add(m.name);
          out.push(m);
        }
      }
      return out;
    }
  }
}

/** Where the editor starts: the most recent recorded payload of that message, else the sample. */
export function startFrom(m: MessageView): unknown {
  return m.recorded !== null && m.recorded !== undefined ? m.recorded : m.sample;
}

function describeTarget(t: PushTarget): string {
  switch (t.kind) {
    case 'conn':
      return `connection ${t.id}`;
    case 'user':
      return `user ${t.user}`;
    case 'rooms':
      return `rooms ${t.rooms.join(', ')}${t.except ? ` except ${t.except}` : ''}`;
    case 'role_topic':
      return `${t.role} topic`;
    case 'shared_topic':
      return 'shared topic';
    case 'everyone':
      return 'everyone';
  }
}

export function PushPanel({ params }: { params: Record<string, string> }) {
  const c = useConsole();
  const contract = useLoad(() => c.api.get<ContractView>('/api/contract'), []);
  const proxy = useProxyMode();
  const [kind, setKind] = useState<Kind>((params.target as Kind) || 'conn');
  useEffect(() => {
    if (proxy && proxyBlocked(kind)) setKind('conn');
  }, [proxy]);
  const [connId, setConnId] = useState(params.id ?? '');
  const [user, setUser] = useState(params.user ?? '');
  const [rooms, setRooms] = useState<string[]>(params.room ? params.room.split(',') : []);
  const [except, setExcept] = useState('');
  const [role, setRole] = useState(params.role ?? '');
  const [name, setName] = useState(params.name ?? '');
  const [text, setText] = useState(params.payload ? pretty(JSON.parse(params.payload)) : '');
  const [connRole, setConnRole] = useState<string | null>(null);
  const [roomList, setRoomList] = useState<string[]>([]);
  const [result, setResult] = useState<PushRecord | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [sending, setSending] = useState(false);
  const [history, setHistory] = useState<PushRecord[]>([]);

  usePoll(() => c.api.get<RoomList>('/api/rooms').then((l) => setRoomList(l.rooms.map((r) => r.name)), () => {}), 5000);
  const loadHistory = () => c.api.get<PushHistory>('/api/push/history').then((h) => setHistory(h.pushes), () => {});
  usePoll(loadHistory, 5000);

  useEffect(() => {
    if (kind !== 'conn' || !connId.trim()) {
      setConnRole(null);
      return;
    }
    const t = setTimeout(() => {
      c.api.get<ConnDetail>(`/api/connections/${encodeURIComponent(connId.trim())}`).then(
        (d) => setConnRole(d.info.role),
        () => setConnRole(null),
      );
    }, 250);
    return () => clearTimeout(t);
  }, [kind, connId]);

  const roles = contract.data?.roles.map((r) => r.role) ?? [];
  useEffect(() => {
    if (!role && roles.length) setRole(roles[0]);
  }, [roles.join(',')]);

  const options = useMemo(
    () => (contract.data ? messagesFor(contract.data, kind, kind === 'role_topic' ? role : connRole) : []),
    [contract.data, kind, role, connRole],
  );
  const message = options.find((m) => m.name === name) ?? null;

  // Pick a message the target can carry, and start its payload from the sample.
  useEffect(() => {
    // Through a proxy the contract is unknown and the name is typed: keep what was given.
    if (!contract.data || (proxy && options.length === 0)) return;
    const named = options.find((m) => m.name === name);
    if (!named) {
      const first = options[0];
      setName(first?.name ?? '');
      setText(first ? pretty(startFrom(first)) : '');
    } else if (!text.trim()) {
      // Opened with a message named (from the Contract panel, a link) but no payload.
      setText(pretty(startFrom(named)));
    }
  }, [options]);
  const pick = (n: string) => {
    setName(n);
    const m = options.find((o) => o.name === n);
    if (m) setText(pretty(startFrom(m)));
  };

  // Through a proxy any event name goes and only the JSON is checked (no contract is known).
  const check = useMemo(
    () => (message ? checkPayload(text, message.schema) : proxy && name.trim() ? checkPayload(text, {}) : null),
    [text, message, proxy, name],
  );

  const target = (): PushTarget => {
    switch (kind) {
      case 'conn':
        return { kind, id: connId.trim() };
      case 'user':
        return { kind, user: user.trim() };
      case 'rooms':
        return { kind, rooms, except: except.trim() || null };
      case 'role_topic':
        return { kind, role };
      case 'shared_topic':
        return { kind };
      case 'everyone':
        return { kind };
    }
  };
  const targetReady =
    (kind === 'conn' && connId.trim()) || (kind === 'user' && user.trim()) || (kind === 'rooms' && rooms.length > 0) || kind === 'role_topic' || kind === 'shared_topic' || kind === 'everyone';

  const send = async (req: PushRequest) => {
    setSending(true);
    setError(null);
    setResult(null);
    try {
      setResult(await c.api.post<PushRecord>('/api/push', req));
    } catch (e) {
      setError(e);
    } finally {
      setSending(false);
      loadHistory();
    }
  };
  const submit = (e: Event) => {
    e.preventDefault();
    if (!check?.ok || (!message && !proxy)) return;
    send({ target: target(), name: name.trim(), payload: check.value });
  };
  const edit = (r: PushRecord) => {
    const t = r.request.target;
    setKind(t.kind);
    if (t.kind === 'conn') setConnId(t.id);
    if (t.kind === 'user') setUser(t.user);
    if (t.kind === 'rooms') {
      setRooms(t.rooms);
      setExcept(t.except ?? '');
    }
    if (t.kind === 'role_topic') setRole(t.role);
    setName(r.request.name);
    setText(pretty(r.request.payload));
  };

  return (
    <Panel title="Push" testId="panel-push">
      <ErrorBox error={contract.error} onRetry={contract.reload} />
      <div class="grid2 push-layout">
        <Card title="Fire by hand">
          <form onSubmit={submit} class="form">
            <label>Target</label>
            <div class="seg wrap" data-testid="push-kinds">
              {KINDS.map((k) => {
                const blocked = proxy ? proxyBlocked(k.kind) : null;
                return (
                  <button
                    type="button"
                    key={k.kind}
                    class={kind === k.kind ? 'on' : ''}
                    onClick={() => setKind(k.kind)}
                    disabled={!!blocked}
                    title={blocked ?? undefined}
                    data-testid={`push-kind-${k.kind}`}
                  >
                    {k.label}
                  </button>
                );
              })}
            </div>
            {proxy && (
              <div class="muted" data-testid="push-proxy-note">
                Through the proxy: the event goes to the chosen connections as if the upstream had sent it, recorded as manual.
                Rooms and topics cannot be reached through a proxy.
              </div>
            )}
            {kind === 'conn' && (
              <>
                <label>Connection id</label>
                <ConnPicker value={connId} onChange={setConnId} pick="id" placeholder="search by user, role or id" testId="push-conn" />
                {connRole && <div class="muted">role {connRole}: its events and the shared events</div>}
              </>
            )}
            {kind === 'user' && (
              <>
                <label>User</label>
                <ConnPicker value={user} onChange={setUser} pick="user" placeholder="every session of this user: search by name" testId="push-user" />
              </>
            )}
            {kind === 'rooms' && (
              <>
                <label>Rooms</label>
                {roomList.length === 0 ? (
                  <div class="muted">No rooms right now.</div>
                ) : (
                  <div class="chips" data-testid="push-rooms">
                    {[...new Set([...roomList, ...rooms])].map((r) => (
                      <label key={r} class={`chip ${rooms.includes(r) ? 'on' : ''}`}>
                        <input type="checkbox" checked={rooms.includes(r)} onChange={() => setRooms(rooms.includes(r) ? rooms.filter((x) => x !== r) : [...rooms, r])} />
                        {r}
                      </label>
                    ))}
                  </div>
                )}
                <label>Except connection (optional)</label>
                <input value={except} onInput={(e) => setExcept((e.target as HTMLInputElement).value)} placeholder="leave this connection out" />
              </>
            )}
            {kind === 'role_topic' && (
              <>
                <label>Role</label>
                <select value={role} onChange={(e) => setRole((e.target as HTMLSelectElement).value)}>
                  {roles.map((r) => <option key={r} value={r}>{r}</option>)}
                </select>
              </>
            )}
            <label>{kind === 'role_topic' || kind === 'shared_topic' ? 'Topic' : 'Event'}</label>
            {proxy && options.length === 0 ? (
              <input class="mono" value={name} onInput={(e) => setName((e.target as HTMLInputElement).value)} placeholder="event name, as the upstream would send it" data-testid="push-name" />
            ) : options.length === 0 ? (
              <div class="muted">The contract has nothing this target can carry.</div>
            ) : (
              <select value={name} onChange={(e) => pick((e.target as HTMLSelectElement).value)} data-testid="push-name">
                {options.map((m) => (
                  <option key={m.name} value={m.name}>{m.name}{m.description ? ` — ${m.description}` : ''}</option>
                ))}
              </select>
            )}
            <label>
              Payload{' '}
              {message && (
                <button type="button" class="btn small" onClick={() => setText(pretty(startFrom(message)))}>
                  {message.recorded != null ? 'Reset to last recorded' : 'Reset to sample'}
                </button>
              )}
            </label>
            <textarea class="mono editor" rows={10} value={text} onInput={(e) => setText((e.target as HTMLTextAreaElement).value)} spellcheck={false} data-testid="push-payload" />
            {check && !check.ok && (
              <div class="error" data-testid="push-issues">
                {check.parseError ?? 'Does not match the schema:'}
                <ul>{check.issues.map((i) => <li key={i}>{i}</li>)}</ul>
              </div>
            )}
            {check?.ok && <div class="ok">{message ? 'Matches the schema.' : 'Valid JSON (the upstream’s contract is not known to the proxy).'}</div>}
            <div class="row">
              <button class="btn primary" type="submit" disabled={!check?.ok || !targetReady || sending} data-testid="push-send">
                {sending ? 'Sending…' : 'Send'}
              </button>
            </div>
            {error instanceof ApiError && error.issues.length > 0 ? (
              <div class="error">{error.message}<ul>{error.issues.map((i, n) => <li key={n}>{i.path.join('.')}: {i.message}</li>)}</ul></div>
            ) : (
              <ErrorBox error={error} />
            )}
            {result && (
              <div class={`result ${result.delivered === 0 ? 'nobody' : ''}`} data-testid="push-result" data-delivered={result.delivered ?? 0}>
                {result.delivered === 0 ? (
                  <div class="warn" data-testid="push-nobody">
                    Reached nobody: {describeTarget(result.request.target)} had no connection
                    {result.request.target.kind === 'role_topic' || result.request.target.kind === 'shared_topic'
                      ? ` subscribed to ${result.request.name}`
                      : ''}
                    {' '}when it was sent.
                  </div>
                ) : (
                  <>
                    Delivered to <b>{count(result.delivered ?? 0)}</b> connection{result.delivered === 1 ? '' : 's'}
                    {result.receivers.length > 0 && ':'}
                  </>
                )}
                {result.receivers.length > 0 && (
                  <ul class="push-receivers" data-testid="push-receivers">
                    {result.receivers.map((r) => (
                      <li key={r.id}>
                        <RoleBadge role={r.role} /> <a href={`#/connections?id=${encodeURIComponent(r.id)}`}>{r.user}</a>{' '}
                        <span class="mono muted">{r.id}</span>
                      </li>
                    ))}
                    {(result.delivered ?? 0) > result.receivers.length && (
                      <li class="muted">and {count((result.delivered ?? 0) - result.receivers.length)} more</li>
                    )}
                  </ul>
                )}
                {result.nodes && (
                  <ul class="push-nodes" data-testid="push-nodes">
                    {result.nodes.map((n) => (
                      <li key={n.node}>
                        <span class="mono">{n.node}</span>: {n.error ? <span class="warn">{n.error}</span> : `${count(n.delivered ?? 0)} delivered`}
                      </li>
                    ))}
                  </ul>
                )}
              </div>
            )}
          </form>
        </Card>
        <Card title="History">
          {history.length === 0 ? (
            <Empty title="No pushes yet">Pushes you send appear here (recorded as origin manual); resend one with a click.</Empty>
          ) : (
            <table class="table" data-testid="push-history">
              <thead><tr><th>time</th><th>target</th><th>name</th><th class="num">delivered</th><th /></tr></thead>
              <tbody>
                {history.map((h) => (
                  <tr key={h.id}>
                    <td class="mono">{clock(h.at_us)}</td>
                    <td class="ellipsis">{describeTarget(h.request.target)}</td>
                    <td class="mono">{h.request.name}</td>
                    <td class="num">{h.error ? <span class="warn" title={h.error}>failed</span> : count(h.delivered ?? 0)}</td>
                    <td class="actions">
                      <button class="btn small" type="button" onClick={() => edit(h)}>Edit</button>
                      <button class="btn small" type="button" onClick={() => send(h.request)}>Resend</button>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </Card>
      </div>
    </Panel>
  );
}
