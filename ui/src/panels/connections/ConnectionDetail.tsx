// One connection in depth: identity, counters, rooms and topics, params, context and env
// (secrets masked by the backend), its recent traffic, and the actions.
import { useEffect, useState } from 'preact/hooks';

import type { ConnDetail } from '../../api/generated/api';
import { useConsole } from '../../app/context';
import { navigate } from '../../app/router';
import { Card, Empty, ErrorBox, RoleBadge } from '../../components/common';
import { JsonView } from '../../components/JsonView';
import { ago, arrow, bytes, clock, count, preview } from '../../state/format';
import { ConnTimeline } from './ConnTimeline';

export function ConnectionDetail({ id, onClose }: { id: string; onClose: () => void }) {
  const c = useConsole();
  const [detail, setDetail] = useState<ConnDetail | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [actionError, setActionError] = useState<unknown>(null);
  const [room, setRoom] = useState('');
  const [note, setNote] = useState('');

  const load = () =>
    c.api.get<ConnDetail>(`/api/connections/${encodeURIComponent(id)}`).then(
      (d) => {
        setDetail(d);
        setError(null);
      },
      (e) => setError(e),
    );
  useEffect(() => {
    setDetail(null);
    load();
    const t = setInterval(load, 2000);
    return () => clearInterval(t);
  }, [id]);

  const act = async (f: () => Promise<unknown>, done: string) => {
    setActionError(null);
    try {
      await f();
      setNote(done);
      load();
    } catch (e) {
      setActionError(e);
    }
  };
  const disconnect = () => {
    if (!confirm(`Disconnect ${id}? The client receives close code 4000.`)) return;
    act(() => c.api.post(`/api/connections/${encodeURIComponent(id)}/disconnect`, {}), 'disconnected');
  };
  const addRoom = (e: Event) => {
    e.preventDefault();
    const r = room.trim();
    act(() => c.api.post(`/api/rooms/${encodeURIComponent(r)}/members`, { conn: id }), `added to ${r}`).then(() => setRoom(''));
  };
  const leave = (r: string) =>
    act(() => c.api.del(`/api/rooms/${encodeURIComponent(r)}/members/${encodeURIComponent(id)}`), `removed from ${r}`);

  if (error && !detail) {
    return (
      <Card title={id} className="drawer" actions={<button class="btn small" type="button" onClick={onClose}>Close</button>}>
        <Empty title="This connection is gone">It disconnected. Its recorded traffic is still in the Traffic panel's history.</Empty>
        <button class="btn" type="button" onClick={() => navigate('traffic', { conn: id, mode: 'history' })}>Show its history</button>
      </Card>
    );
  }
  if (!detail) return <Card title={id} className="drawer"><div class="muted">Loading…</div></Card>;
  const i = detail.info;
  return (
    <Card
      title={i.id}
      className="drawer"
      actions={
        <>
          <button class="btn small" type="button" onClick={() => navigate('push', { target: 'conn', id })}>Push…</button>
          <button class="btn small danger" type="button" onClick={disconnect} data-testid="disconnect">Disconnect</button>
          <button class="btn small" type="button" onClick={onClose}>Close</button>
        </>
      }
    >
      <ErrorBox error={actionError} />
      {note && <div class="note">{note}</div>}
      <table class="kv">
        <tbody>
          <tr><th>role</th><td><RoleBadge role={i.role} /></td></tr>
          <tr><th>user</th><td>{i.user}</td></tr>
          <tr><th>node</th><td class="mono">{i.node}</td></tr>
          <tr><th>connected</th><td>{clock(i.connected_at_us)} ({ago(i.connected_at_us)})</td></tr>
          <tr><th>last pong</th><td>{ago(i.last_pong_us)}{i.missed_pongs ? ` · ${i.missed_pongs} missed` : ''}</td></tr>
          <tr><th>in</th><td>{count(i.msgs_in)} msgs · {bytes(i.bytes_in)}</td></tr>
          <tr><th>out</th><td>{count(i.msgs_out)} msgs · {bytes(i.bytes_out)}</td></tr>
          <tr data-testid="conn-detail-queue">
            <th>queue</th>
            <td>
              {count(i.queue_depth)} frames · {bytes(i.queue_bytes)} waiting
              <span class="muted"> (closed as a slow consumer past the server's bound)</span>
            </td>
          </tr>
          <tr><th>errors</th><td>{count(i.errors)}</td></tr>
          <tr><th>address</th><td class="mono">{i.remote ?? '—'}</td></tr>
          <tr><th>user agent</th><td>{i.user_agent ?? '—'}</td></tr>
        </tbody>
      </table>
      <h3>Rooms</h3>
      <div class="chips">
        {i.rooms.length === 0 && <span class="muted">in no room</span>}
        {i.rooms.map((r) => (
          <span class="chip" key={r}>
            <a href={`#/rooms?room=${encodeURIComponent(r)}`}>{r}</a>
            <button type="button" title={`Remove from ${r}`} onClick={() => leave(r)}>×</button>
          </span>
        ))}
      </div>
      <form class="row" onSubmit={addRoom}>
        <input class="grow" placeholder="room to add it to" value={room} onInput={(e) => setRoom((e.target as HTMLInputElement).value)} />
        <button class="btn" type="submit" disabled={!room.trim()}>Add to room</button>
      </form>
      <h3>Topics</h3>
      <div class="chips">
        {i.topics.length === 0 && <span class="muted">no subscriptions</span>}
        {i.topics.map((t) => <span class="chip" key={t}>{t}</span>)}
      </div>
      <h3>Timeline</h3>
      <ConnTimeline rows={detail.recent} conn={id} />
      <h3>Upgrade parameters</h3>
      <JsonView value={detail.params} />
      <h3>Upgrade headers</h3>
      {Object.keys(detail.headers).length === 0 ? <div class="muted">none reported</div> : <JsonView value={detail.headers} />}
      <h3>Context</h3>
      <JsonView value={detail.ctx} />
      <h3>Env</h3>
      <JsonView value={detail.env} />
      <h3>
        Recent traffic{' '}
        <button class="btn small" type="button" onClick={() => navigate('traffic', { conn: id, mode: 'history' })}>All of it</button>
      </h3>
      {detail.recent.length === 0 ? (
        <div class="muted">Nothing recorded yet.</div>
      ) : (
        <table class="table compact">
          <tbody>
            {detail.recent.slice(-30).reverse().map((r) => (
              <tr key={r.seq ?? r.at_us}>
                <td class="mono">{clock(r.at_us)}</td>
                <td><span class="dir" title={r.direction ?? ''}>{arrow(r.direction)}</span><span class={`kind k-${r.kind}`}>{r.kind}</span></td>
                <td>{r.name}</td>
                <td class="mono ellipsis">{preview(r.payload, r.payload_text, 80)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </Card>
  );
}
