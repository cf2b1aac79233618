// One traffic row in the list, and the inspector for the selected row.
import type { TrafficRow } from '../../api/generated/api';
import { navigate } from '../../app/router';
import { Card, RoleBadge } from '../../components/common';
import { JsonView } from '../../components/JsonView';
import { bytes, clock, count, preview } from '../../state/format';
import { useAttachMode } from '../../app/NodesStatus';

export const ROW_HEIGHT = 28;

export function TrafficLine({ row, active, onClick }: { row: TrafficRow; active: boolean; onClick: () => void }) {
  const where = row.rooms.length ? row.rooms.join(', ') : row.topic ?? '';
  const attach = useAttachMode();
  return (
    <div class={`traffic-grid${attach ? ' with-node' : ''} trow ${active ? 'active' : ''} origin-${row.origin}`} onClick={onClick} data-kind={row.kind}>
      <span class="mono">{clock(row.at_us)}</span>
      <span class="ellipsis"><span class={`kind k-${row.kind}`} title={row.kind}>{row.kind}</span></span>
      {attach && <span class="mono ellipsis col-node" data-testid="traffic-node">{row.node ?? ''}</span>}
      <span class="ellipsis">{row.name ?? ''}</span>
      <span class="mono ellipsis col-conn">{row.conn ?? ''}</span>
      <span class="ellipsis col-user">{row.user ?? ''}</span>
      <span class="ellipsis col-where">{where}</span>
      <span class="num col-to">{row.recipients ?? ''}</span>
      <span class="num col-size">{bytes(row.size)}</span>
      <span class="mono ellipsis payload">{preview(row.payload, row.payload_text)}</span>
    </div>
  );
}

export function TrafficHeader() {
  const attach = useAttachMode();
  return (
    <div class={`thead traffic-grid${attach ? ' with-node' : ''}`}>
      <span>time</span><span>kind</span>{attach && <span class="col-node">node</span>}<span>name</span><span class="col-conn">connection</span><span class="col-user">user</span>
      <span class="col-where">room / topic</span><span class="num col-to">to</span><span class="num col-size">size</span><span>payload</span>
    </div>
  );
}

export function Inspector({ row, onClose }: { row: TrafficRow; onClose: () => void }) {
  return (
    <Card title={`${row.kind}${row.name ? ` · ${row.name}` : ''}`} className="inspector" actions={<button class="btn small" type="button" onClick={onClose}>Close</button>}>
      <table class="kv" data-testid="inspector">
        <tbody>
          <tr><th>time</th><td>{new Date(row.at_us / 1000).toISOString()}</td></tr>
          {row.seq !== null && <tr><th>seq</th><td>{row.seq}</td></tr>}
          {row.node && <tr><th>node</th><td class="mono">{row.node}</td></tr>}
          <tr><th>origin</th><td><span class={`badge origin-${row.origin}`}>{row.origin}</span></td></tr>
          {row.conn && (
            <tr><th>connection</th><td><a class="mono" href={`#/connections?id=${encodeURIComponent(row.conn)}`} data-testid="jump-conn">{row.conn}</a></td></tr>
          )}
          {row.role && <tr><th>role</th><td><RoleBadge role={row.role} /></td></tr>}
          {row.user && <tr><th>user</th><td>{row.user}</td></tr>}
          {row.rooms.length > 0 && (
            <tr>
              <th>rooms</th>
              <td>
                {row.rooms.map((r) => (
                  <a key={r} class="chip" href={`#/rooms?room=${encodeURIComponent(r)}`} data-testid="jump-room">{r}</a>
                ))}
              </td>
            </tr>
          )}
          {row.topic && <tr><th>topic</th><td>{row.topic}</td></tr>}
          <tr><th>size</th><td>{bytes(row.size)}</td></tr>
          {row.recipients !== null && <tr><th>recipients</th><td>{count(row.recipients)}</td></tr>}
        </tbody>
      </table>
      <h3>Payload</h3>
      {row.payload_text !== null ? <JsonView text={row.payload_text} /> : <JsonView value={row.payload ?? null} />}
      {row.meta !== null && row.meta !== undefined && (
        <>
          <h3>Meta</h3>
          <JsonView value={row.meta} />
        </>
      )}
      {row.origin !== 'manual' && row.name && (row.kind === 'room_broadcast' || row.kind === 'broadcast' || row.kind === 'to_conn' || row.kind === 'emit') && (
        <button
          class="btn"
          type="button"
          onClick={() =>
            navigate('push', {
              target: row.rooms.length ? 'rooms' : row.conn ? 'conn' : 'everyone',
              room: row.rooms.join(','),
              id: row.conn ?? undefined,
              name: row.name ?? undefined,
              payload: row.payload !== null ? JSON.stringify(row.payload) : undefined,
            })
          }
        >
          Push again…
        </button>
      )}
    </Card>
  );
}
