// One traffic row in the list, and the inspector for the selected row.
import { useEffect, useState } from 'preact/hooks';

import type { TrafficRelated, TrafficRow } from '../../api/generated/api';
import { useConsole } from '../../app/context';
import { navigate } from '../../app/router';
import { Card, RoleBadge } from '../../components/common';
import { JsonView } from '../../components/JsonView';
import { arrow, bytes, clock, count, latency, preview } from '../../state/format';
import { useAttachMode } from '../../app/NodesStatus';

export const ROW_HEIGHT = 28;

export function TrafficLine({ row, active, onClick }: { row: TrafficRow; active: boolean; onClick: () => void }) {
  const where = row.rooms.length ? row.rooms.join(', ') : row.topic ?? '';
  const attach = useAttachMode();
  return (
    <div class={`traffic-grid${attach ? ' with-node' : ''} trow ${active ? 'active' : ''} origin-${row.origin}`} onClick={onClick} data-kind={row.kind}>
      <span class="mono">{clock(row.at_us)}</span>
      <span class="ellipsis">
        <span class="dir" title={row.direction ?? ''} data-testid="traffic-dir">{arrow(row.direction)}</span>
        <span class={`kind k-${row.kind}`} title={row.kind}>{row.kind}</span>
      </span>
      {attach && <span class="mono ellipsis col-node" data-testid="traffic-node">{row.node ?? ''}</span>}
      <span class="ellipsis">
        {row.name ?? ''}
        {row.code && <span class="code-chip" data-testid="traffic-code">{row.code}</span>}
      </span>
      <span class="mono ellipsis col-conn">{row.conn ?? ''}</span>
      <span class="ellipsis col-user">{row.user ?? ''}</span>
      <span class="ellipsis col-where">{where}</span>
      <span class="num col-to">{row.recipients ?? ''}</span>
      <span class="num col-size">{bytes(row.size)}</span>
      <span class="num col-lat" data-testid="traffic-latency">{latency(row.latency_us)}</span>
      <span class="mono ellipsis payload">{preview(row.payload, row.payload_text)}</span>
    </div>
  );
}

export function TrafficHeader() {
  const attach = useAttachMode();
  return (
    <div class={`thead traffic-grid${attach ? ' with-node' : ''}`}>
      <span>time</span><span>kind</span>{attach && <span class="col-node">node</span>}<span>name</span><span class="col-conn">connection</span><span class="col-user">user</span>
      <span class="col-where">room / topic</span><span class="num col-to">to</span><span class="num col-size">size</span><span class="num col-lat">latency</span><span>payload</span>
    </div>
  );
}

/** Who a paired row is: `say #33 from alice`; an answer: `response to say #34`. */
function who(r: TrafficRow): string {
  if (r.kind === 'response_out' || r.kind === 'error_out') {
    return `${r.kind === 'response_out' ? 'response' : 'error'} to ${r.name ?? 'request'} #${r.seq}`;
  }
  return `${r.name ?? r.kind} #${r.seq}${r.user ? ` from ${r.user}` : ''}`;
}

/** A link that opens another recorded row in the inspector. */
function RowLink({ row, onOpen, testId }: { row: TrafficRow; onOpen?: (r: TrafficRow) => void; testId: string }) {
  return (
    <a
      href={`#/traffic?mode=history&seq=${row.seq}`}
      data-testid={testId}
      onClick={(e) => {
        if (onOpen) {
          e.preventDefault();
          onOpen(row);
        }
      }}
    >
      {who(row)}
    </a>
  );
}

/** The rows a recorded row is paired with: a request's answer, an answer's request, the request
 * whose handler caused it. */
function useRelated(row: TrafficRow): TrafficRelated | null {
  const c = useConsole();
  const [related, setRelated] = useState<TrafficRelated | null>(null);
  useEffect(() => {
    setRelated(null);
    if (row.seq === null) return;
    let live = true;
    c.api.get<TrafficRelated>(`/api/traffic/${row.seq}/related`).then(
      (r) => live && setRelated(r),
      () => live && setRelated(null),
    );
    return () => {
      live = false;
    };
  }, [row.seq]);
  return related;
}

export function Inspector({ row, onClose, onOpen }: { row: TrafficRow; onClose: () => void; onOpen?: (r: TrafficRow) => void }) {
  const related = useRelated(row);
  return (
    <Card title={`${row.kind}${row.name ? ` · ${row.name}` : ''}`} className="inspector" actions={<button class="btn small" type="button" onClick={onClose}>Close</button>}>
      <table class="kv" data-testid="inspector">
        <tbody>
          <tr><th>time</th><td>{new Date(row.at_us / 1000).toISOString()}</td></tr>
          {row.seq !== null && <tr><th>seq</th><td>{row.seq}</td></tr>}
          {row.direction && <tr><th>direction</th><td>{arrow(row.direction)} {row.direction}</td></tr>}
          {row.code && <tr><th>code</th><td><span class="code-chip">{row.code}</span></td></tr>}
          {related?.cause && (
            <tr><th>caused by</th><td data-testid="inspector-cause"><RowLink row={related.cause} onOpen={onOpen} testId="jump-cause" /></td></tr>
          )}
          {related?.request && (
            <tr><th>answers</th><td><RowLink row={related.request} onOpen={onOpen} testId="jump-request" />{row.latency_us != null && ` after ${latency(row.latency_us)}`}</td></tr>
          )}
          {related?.answer && (
            <tr>
              <th>answer</th>
              <td data-testid="inspector-answer">
                <RowLink row={related.answer} onOpen={onOpen} testId="jump-answer" />
                {related.answer.code && <span class="code-chip">{related.answer.code}</span>}
                {related.answer.latency_us != null && ` in ${latency(related.answer.latency_us)}`}
              </td>
            </tr>
          )}
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
      {related?.answer && (
        <>
          <h3>Answer</h3>
          {related.answer.payload_text !== null ? <JsonView text={related.answer.payload_text} /> : <JsonView value={related.answer.payload ?? related.answer.meta ?? null} />}
        </>
      )}
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
